import { ActionError } from "../../errors.ts";
import { Defaults, Inputs } from "../../names.ts";
import { parseGuid, refuseInput, SignInInputs } from "../inputs.ts";
import type { RunnerHooks, SignInMethod, SignInStrategy } from "../strategy.ts";
import {
  CLIENT_ID_WHAT,
  entraOptions,
  indent,
  PERMISSIONS_BLOCK,
  REACH_SIGN_IN_HOST,
  requireAll,
  TENANT_ID_WHAT,
} from "./common.ts";

type Oidc = Extract<SignInMethod, { kind: "oidc" }>;

const { ClientId, TenantId, Audience, AuthType } = SignInInputs;

/** The audience GitHub's token is asked for, and Entra ID's federated credentials expect. */
export const DEFAULT_AUDIENCE: string = Defaults[Inputs.Audience];

/** Workload identity federation: GitHub's OIDC token instead of a secret. */
export const oidc: SignInStrategy<Oidc> = {
  kind: "oidc",
  aliases: [],
  detect: ({ clientId, tenantId, runner }) =>
    clientId.value !== "" && tenantId.value !== "" && runner.oidcAvailable
      ? `'${ClientId}' and '${TenantId}' are set and the job may request GitHub's OIDC token`
      : undefined,
  requireRunner({ runner }) {
    if (!runner.oidcAvailable) throw noOidcPermission(`'${AuthType}: oidc'`);
  },
  parse({ clientId, tenantId, raw }) {
    requireAll(
      "OIDC",
      [clientId, tenantId],
      `Set '${ClientId}' and '${TenantId}' to the app registration (or user-assigned managed ` +
        `identity) whose federated credential trusts this repository.`,
    );
    const audience = raw[Audience] === "" ? DEFAULT_AUDIENCE : raw[Audience];
    if (/\s/.test(audience)) {
      refuseInput(
        Audience,
        audience,
        "contains whitespace",
        `Use the audience of the app's federated credential (usually ${DEFAULT_AUDIENCE}).`,
      );
    }
    return {
      kind: "oidc",
      clientId: parseGuid(clientId.from, clientId.value, CLIENT_ID_WHAT),
      tenantId: parseGuid(tenantId.from, tenantId.value, TENANT_ID_WHAT),
      audience,
    };
  },
  describe: (method) => `OIDC (client id ${method.clientId}, audience ${method.audience})`,
  who: (method) => ` ${method.clientId} in ${method.tenantId}`,
  destinations: (cloud) => `GitHub's ID token goes only to ${cloud.authorityHost}`,
  tokenSource: (cloud) => ({ where: `at ${cloud.authorityHost}`, pending: "the token request" }),
  subscriptionFromCli: false,
  async credential(method, cloud, hooks) {
    const { ClientAssertionCredential } = await import("@azure/identity");
    return new ClientAssertionCredential(
      method.tenantId,
      method.clientId,
      freshIdTokens(method.audience, hooks),
      entraOptions(cloud, hooks),
    );
  },
  generalRemedy: () =>
    `Check '${ClientId}', '${TenantId}', '${Audience}' and the app's federated credentials, ` +
    REACH_SIGN_IN_HOST,
  explain(error, line) {
    if (/ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)/.test(line)) {
      return noOidcPermission("Signing in with OIDC");
    }
    if (/Failed to get ID Token/i.test(line)) {
      return new ActionError(`GitHub did not give the job an OIDC token: ${line}`, {
        remedy:
          "Check that the job has 'permissions: id-token: write', and re-run it (the token " +
          "request credentials GitHub gives a job expire with it).",
        cause: error,
      });
    }
    return undefined;
  },
};

/** GitHub hands a job no OIDC token endpoint unless the workflow grants `id-token: write`. */
export function noOidcPermission(what: string): ActionError {
  return new ActionError(
    `${what} needs GitHub's OIDC token, but this job may not request one ` +
      `(ACTIONS_ID_TOKEN_REQUEST_URL is not set).`,
    {
      remedy:
        "Grant the permission in the workflow, at the job (or workflow) level:\n" +
        indent(PERMISSIONS_BLOCK, 2) +
        "\nJobs triggered by pull requests from forks never get it; use another way to sign in there.",
    },
  );
}

/** An ID token this far from expiry is still fresh enough to present again. */
const ID_TOKEN_REUSE_MARGIN_MS = 4 * 60 * 1000;

/**
 * The client assertion callback: GitHub's ID token for `audience`, asked for anew whenever the
 * last one is less than four of its five minutes from expiry. @azure/identity calls the callback
 * twice for one sign-in (building MSAL's client, then the request): reusing the token within
 * that window saves a round trip to GitHub, and no token older than a minute is ever presented.
 */
export function freshIdTokens(audience: string, hooks: RunnerHooks): () => Promise<string> {
  let last: { readonly token: string; readonly expiresAt: number } | undefined;
  return async () => {
    if (last && last.expiresAt - ID_TOKEN_REUSE_MARGIN_MS > Date.now()) return last.token;
    const token = await hooks.getIdToken(audience);
    hooks.mask(token);
    last = { token, expiresAt: expiryOf(token) };
    return token;
  };
}

/** A JWT's `exp` in ms, or 0 (never reused) when it has none. */
function expiryOf(jwt: string): number {
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"),
    );
    const exp =
      typeof payload === "object" && payload !== null && "exp" in payload ? payload.exp : 0;
    return typeof exp === "number" ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}
