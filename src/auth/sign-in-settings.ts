import { ActionError } from "../errors.ts";
import { parseCloudChoice, type CloudChoice } from "./cloud.ts";
import { parseCreds, type Creds } from "./creds.ts";
import { parseGuid, refuseInput, SignInInputs, type RawSignInInputs } from "./inputs.ts";
import type { RunnerFacts } from "./runner.ts";

export const AUTH_TYPES = [
  "auto",
  "oidc",
  "service-principal",
  "azure-cli",
  "managed-identity",
] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** The audience GitHub's token is asked for, and Entra ID's federated credentials expect. */
export const DEFAULT_AUDIENCE = "api://AzureADTokenExchange";

/** How the run signs in. */
export type SignInMethod =
  | {
      readonly kind: "service-principal";
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: string;
    }
  | {
      /** Workload identity federation with GitHub's OIDC token. */
      readonly kind: "oidc";
      readonly tenantId: string;
      readonly clientId: string;
      readonly audience: string;
    }
  | {
      /** The session the Azure CLI holds (azure/login's). */
      readonly kind: "azure-cli";
      /** Asks the CLI for a token of this tenant; its current one when undefined. */
      readonly tenantId: string | undefined;
    }
  | {
      readonly kind: "managed-identity";
      /** A user-assigned identity's client id; the system-assigned identity when undefined. */
      readonly clientId: string | undefined;
    };

export interface SignInSettings {
  readonly method: SignInMethod;
  /** Why this way: what `auto` saw, or that auth-type named it. */
  readonly reason: string;
  readonly cloud: CloudChoice;
  /** The subscription to work in; undefined: the Azure CLI's current one (azure-cli only). */
  readonly subscriptionId: string | undefined;
  /** Where `subscriptionId` comes from, for the log. */
  readonly subscriptionSource: string;
}

export const PERMISSIONS_BLOCK = "permissions:\n  id-token: write\n  contents: read";

const CLIENT_ID_WHAT = "application (client) id";
const TENANT_ID_WHAT = "directory (tenant) id";

export function parseAuthType(raw: string): AuthType {
  const found = AUTH_TYPES.find((type) => type === (raw === "" ? "auto" : raw.toLowerCase()));
  if (!found) {
    refuseInput(
      SignInInputs.AuthType,
      raw,
      "is not a way to sign in",
      `Use one of: ${AUTH_TYPES.join(", ")}.`,
    );
  }
  return found;
}

/** The inputs with `creds` filled in where the separate inputs are blank (they win). */
interface Merged {
  readonly clientId: { readonly value: string; readonly from: string };
  readonly tenantId: { readonly value: string; readonly from: string };
  readonly clientSecret: { readonly value: string; readonly from: string };
  readonly subscriptionId: { readonly value: string; readonly from: string };
  readonly creds: Creds | undefined;
}

function merge(raw: RawSignInInputs): Merged {
  const creds = raw[SignInInputs.Creds] === "" ? undefined : parseCreds(raw[SignInInputs.Creds]);
  const pick = (input: string, value: string, credsKey: keyof Creds) =>
    value !== "" || !creds || creds[credsKey] === ""
      ? { value, from: input }
      : { value: creds[credsKey], from: `creds.${credsKey}` };
  return {
    clientId: pick(SignInInputs.ClientId, raw[SignInInputs.ClientId], "clientId"),
    tenantId: pick(SignInInputs.TenantId, raw[SignInInputs.TenantId], "tenantId"),
    clientSecret: pick(SignInInputs.ClientSecret, raw[SignInInputs.ClientSecret], "clientSecret"),
    subscriptionId: pick(
      SignInInputs.SubscriptionId,
      raw[SignInInputs.SubscriptionId],
      "subscriptionId",
    ),
    creds,
  };
}

/**
 * Decides how to sign in, to which cloud and subscription, from the sign-in inputs and what
 * the runner offers. Pure: `runner` carries the environment; nothing here sends a request.
 */
export function parseSignInSettings(raw: RawSignInInputs, runner: RunnerFacts): SignInSettings {
  const problems: ActionError[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ActionError)) throw error;
      problems.push(error);
      return undefined;
    }
  };
  const chosen = attempt(() => {
    const authType = parseAuthType(raw[SignInInputs.AuthType]);
    const merged = merge(raw);
    const { method, reason } =
      authType === "auto"
        ? chooseAutomatically(raw, merged, runner)
        : named(authType, raw, merged, runner);
    return { merged, method, reason };
  });
  const cloud = attempt(() => cloudOf(raw, chosen?.merged.creds));
  const subscription =
    chosen && attempt(() => subscriptionOf(chosen.merged, runner, chosen.method));
  const [only, ...more] = problems;
  if (only && more.length === 0) throw only;
  if (more.length > 0) throw new SignInProblems(problems);
  if (!chosen || !cloud || !subscription) throw new Error("unreachable: no problem, no settings");
  return { method: chosen.method, reason: chosen.reason, cloud, ...subscription };
}

/** Several sign-in inputs are wrong at once: each problem is reported on its own. */
export class SignInProblems extends ActionError {
  readonly problems: readonly ActionError[];

  constructor(problems: readonly ActionError[]) {
    super(problems.map((problem) => problem.message).join("\n"));
    this.problems = problems;
  }
}

function cloudOf(raw: RawSignInInputs, creds: Creds | undefined): CloudChoice {
  const environment = raw[SignInInputs.Environment];
  const endpoint = raw[SignInInputs.ResourceManagerEndpoint];
  const authority = raw[SignInInputs.AuthorityHost];
  // creds' endpoints say where its service principal lives, unless the inputs say otherwise.
  const useCreds = creds !== undefined && environment === "" && endpoint === "";
  return parseCloudChoice(
    environment,
    endpoint !== "" || !useCreds ? endpoint : creds.resourceManagerEndpointUrl,
    authority !== "" || !useCreds ? authority : creds.activeDirectoryEndpointUrl,
    {
      endpoint:
        endpoint !== "" || !useCreds
          ? SignInInputs.ResourceManagerEndpoint
          : "creds.resourceManagerEndpointUrl",
      authority:
        authority !== "" || !useCreds
          ? SignInInputs.AuthorityHost
          : "creds.activeDirectoryEndpointUrl",
    },
  );
}

function subscriptionOf(
  merged: Merged,
  runner: RunnerFacts,
  method: SignInMethod,
): { subscriptionId: string | undefined; subscriptionSource: string } {
  const what = "subscription id of the cluster";
  if (merged.subscriptionId.value !== "") {
    return {
      subscriptionId: parseGuid(merged.subscriptionId.from, merged.subscriptionId.value, what),
      subscriptionSource: `'${merged.subscriptionId.from}'`,
    };
  }
  if (runner.subscriptionIdVariable !== "") {
    return {
      subscriptionId: parseGuid("AZURE_SUBSCRIPTION_ID", runner.subscriptionIdVariable, what),
      subscriptionSource: "AZURE_SUBSCRIPTION_ID",
    };
  }
  if (method.kind === "azure-cli") {
    return {
      subscriptionId: undefined,
      subscriptionSource: "the Azure CLI's current subscription",
    };
  }
  throw new ActionError(`Input '${SignInInputs.SubscriptionId}' is required but was not set.`, {
    remedy:
      `Set it to the subscription id of the cluster (a GUID), or put 'subscriptionId' in ` +
      `'creds', or set AZURE_SUBSCRIPTION_ID in the job's environment.`,
  });
}

/** Debug lines for the settings; no secret is among them. */
export function describeSignInSettings(settings: SignInSettings): string[] {
  const { method, cloud } = settings;
  const who =
    method.kind === "service-principal" || method.kind === "oidc"
      ? ` ${method.clientId} in ${method.tenantId}`
      : method.kind === "managed-identity"
        ? ` ${method.clientId ?? "(system-assigned)"}`
        : method.tenantId
          ? ` in ${method.tenantId}`
          : "";
  return [
    `sign-in: ${method.kind}${who} (${settings.reason})`,
    cloud.kind === "named"
      ? `cloud: ${cloud.cloud.name} (${cloud.cloud.resourceManagerEndpoint}, ${cloud.cloud.authorityHost})`
      : `cloud: custom, ARM ${cloud.resourceManagerEndpoint}` +
        (cloud.authorityHost ? `, sign-in ${cloud.authorityHost}` : ""),
    `subscription-id: ${settings.subscriptionId ?? "(the Azure CLI's)"} from ${settings.subscriptionSource}`,
  ];
}

// --- auth-type given ---

function named(
  authType: Exclude<AuthType, "auto">,
  raw: RawSignInInputs,
  merged: Merged,
  runner: RunnerFacts,
): { method: SignInMethod; reason: string } {
  const reason = `auth-type: ${authType}`;
  switch (authType) {
    case "service-principal":
      return { method: servicePrincipal(merged), reason };
    case "oidc":
      if (!runner.oidcAvailable) throw noOidcPermission(`'${SignInInputs.AuthType}: oidc'`);
      return { method: oidc(raw, merged), reason };
    case "azure-cli":
      if (!runner.cliSignedIn()) throw cliNotSignedIn();
      return { method: azureCli(merged), reason };
    case "managed-identity":
      return { method: managedIdentity(merged), reason };
  }
}

/** Fields still blank after `creds` filled in are named by their input. */
function requireAll(what: string, needed: ReadonlyArray<{ value: string; from: string }>) {
  const absent = needed.filter((field) => field.value === "").map((field) => `'${field.from}'`);
  if (absent.length === 0) return;
  const names = needed.map(
    (field) => `'${field.from.startsWith("creds.") ? inputOf(field.from) : field.from}'`,
  );
  throw new ActionError(
    `Signing in with ${what} needs ${names.join(", ")}; missing: ${absent.join(", ")}.`,
    {
      remedy:
        what === "a service principal secret"
          ? `Set '${SignInInputs.ClientId}', '${SignInInputs.TenantId}' and '${SignInInputs.ClientSecret}' ` +
            `(from a repository secret: client-secret: \${{ secrets.AZURE_CLIENT_SECRET }}), or ` +
            `'${SignInInputs.Creds}' with azure/login's JSON.`
          : `Set '${SignInInputs.ClientId}' and '${SignInInputs.TenantId}' to the app registration ` +
            `(or user-assigned managed identity) whose federated credential trusts this repository.`,
    },
  );
}

function inputOf(credsField: string): string {
  const byField: Record<string, string> = {
    "creds.clientId": SignInInputs.ClientId,
    "creds.tenantId": SignInInputs.TenantId,
    "creds.clientSecret": SignInInputs.ClientSecret,
  };
  return byField[credsField] ?? credsField;
}

function servicePrincipal(merged: Merged): SignInMethod {
  const { clientId, tenantId, clientSecret } = merged;
  requireAll("a service principal secret", [clientId, tenantId, clientSecret]);
  return {
    kind: "service-principal",
    clientId: parseGuid(clientId.from, clientId.value, CLIENT_ID_WHAT),
    tenantId: parseGuid(tenantId.from, tenantId.value, TENANT_ID_WHAT),
    clientSecret: clientSecret.value,
  };
}

function oidc(raw: RawSignInInputs, merged: Merged): SignInMethod {
  const { clientId, tenantId } = merged;
  requireAll("OIDC", [clientId, tenantId]);
  const audience =
    raw[SignInInputs.Audience] === "" ? DEFAULT_AUDIENCE : raw[SignInInputs.Audience];
  if (/\s/.test(audience)) {
    refuseInput(
      SignInInputs.Audience,
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
}

function azureCli(merged: Merged): SignInMethod {
  const { tenantId } = merged;
  return {
    kind: "azure-cli",
    tenantId:
      tenantId.value === "" ? undefined : parseGuid(tenantId.from, tenantId.value, TENANT_ID_WHAT),
  };
}

function managedIdentity(merged: Merged): SignInMethod {
  const { clientId } = merged;
  return {
    kind: "managed-identity",
    clientId:
      clientId.value === ""
        ? undefined
        : parseGuid(
            clientId.from,
            clientId.value,
            "client id of the user-assigned managed identity",
          ),
  };
}

// --- auth-type: auto ---

/**
 * azure/login's ways, in the order the issue fixes: a secret given (`creds` or
 * `client-secret`) → service principal; `client-id` + `tenant-id` and GitHub's OIDC variables →
 * OIDC; a signed-in Azure CLI → its session; a managed identity endpoint → managed identity.
 */
function chooseAutomatically(
  raw: RawSignInInputs,
  merged: Merged,
  runner: RunnerFacts,
): { method: SignInMethod; reason: string } {
  const auto = "auth-type auto";
  if (merged.creds || raw[SignInInputs.ClientSecret] !== "") {
    const given = merged.creds ? `'${SignInInputs.Creds}'` : `'${SignInInputs.ClientSecret}'`;
    return { method: servicePrincipal(merged), reason: `${auto}: ${given} is set` };
  }
  const hasIds = merged.clientId.value !== "" && merged.tenantId.value !== "";
  if (hasIds && runner.oidcAvailable) {
    return {
      method: oidc(raw, merged),
      reason:
        `${auto}: '${SignInInputs.ClientId}' and '${SignInInputs.TenantId}' are set and the job ` +
        `may request GitHub's OIDC token`,
    };
  }
  if (runner.cliSignedIn()) {
    return {
      method: azureCli(merged),
      reason:
        `${auto}: an Azure CLI session was found (as azure/login leaves it)` +
        (hasIds ? `; GitHub's OIDC token is not available to this job (no id-token: write)` : ""),
    };
  }
  if (runner.managedIdentityVariable) {
    return {
      method: managedIdentity(merged),
      reason: `${auto}: a managed identity endpoint is configured (${runner.managedIdentityVariable})`,
    };
  }
  if (hasIds)
    throw noOidcPermission(`'${SignInInputs.ClientId}' and '${SignInInputs.TenantId}' (OIDC)`);
  throw new ActionError("No way to sign in to Azure was found (auth-type: auto).", {
    remedy:
      "Give the inputs of one way to sign in:\n" +
      `- OIDC (recommended): '${SignInInputs.ClientId}' and '${SignInInputs.TenantId}', and the job's\n` +
      indent(PERMISSIONS_BLOCK, 4) +
      "\n" +
      `- a service principal secret: '${SignInInputs.ClientId}', '${SignInInputs.TenantId}' and ` +
      `'${SignInInputs.ClientSecret}', or '${SignInInputs.Creds}' (azure/login's JSON)\n` +
      "- the Azure CLI: an azure/login step earlier in the job\n" +
      `- a managed identity (self-hosted runner on Azure): 'auth-type: managed-identity', and ` +
      `'${SignInInputs.ClientId}' for a user-assigned one. On a VM, IMDS sets no variable to find ` +
      `it by, so auth-type must say so.`,
  });
}

function indent(text: string, spaces: number): string {
  return text
    .split("\n")
    .map((line) => " ".repeat(spaces) + line)
    .join("\n");
}

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

export function cliNotSignedIn(): ActionError {
  return new ActionError("'auth-type: azure-cli' found no Azure CLI session on this runner.", {
    remedy:
      "Sign in earlier in the job with azure/login (uses: azure/login@v2), or choose another " +
      `'${SignInInputs.AuthType}'. If the CLI keeps its profile elsewhere, set AZURE_CONFIG_DIR.`,
  });
}
