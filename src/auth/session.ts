import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import { ActionError } from "../errors.ts";
import { currentCliSubscription } from "./azure-cli.ts";
import { armScope, cloudFromMetadata, metadataUrl, type Cloud, type CloudChoice } from "./cloud.ts";
import { createCredential, type RunnerHooks } from "./credential.ts";
import { toSignInError } from "./errors.ts";
import { SignInInputs } from "./inputs.ts";
import type { SignInMethod, SignInSettings } from "./sign-in-settings.ts";

/** Signed in: what the Azure clients need. */
export interface SignInSession {
  readonly credential: TokenCredential;
  readonly cloud: Cloud;
  /** The OAuth scope of ARM tokens in that cloud. */
  readonly scope: string;
  readonly subscriptionId: string;
}

export interface SignInRuntime extends RunnerHooks {
  readonly log: { info(message: string): void };
  /** The run's deadline. */
  readonly signal: AbortSignal;
  /** Reads a custom cloud's metadata; over the SDK's HTTP pipeline (proxy settings included) by default. */
  readonly fetchJson?: (url: string, signal: AbortSignal) => Promise<unknown>;
  /** `az account show`, by default. */
  readonly cliSubscription?: (signal: AbortSignal) => Promise<string>;
}

const USER_AGENT = "aks-attach-acr";

/**
 * Signs in: finds the cloud's endpoints (a request only for a custom cloud), builds the
 * credential, gets the first ARM token so a wrong setting fails here with what to fix, and
 * settles the subscription.
 */
export async function signIn(
  settings: SignInSettings,
  runtime: SignInRuntime,
): Promise<SignInSession> {
  const { method, reason } = settings;
  runtime.log.info(`Signing in with ${describeMethod(method)} (${reason}).`);
  const cloud = await resolveCloud(settings.cloud, runtime);
  runtime.log.info(
    `Cloud ${cloud.name}: ARM ${cloud.resourceManagerEndpoint}, sign-in ` +
      `${method.kind === "azure-cli" ? "through the Azure CLI" : cloud.authorityHost}.`,
  );
  const scope = armScope(cloud);
  const signedIn = createCredential(method, cloud, runtime);
  // A token fetched later in the run (another scope, a refresh) fails as clearly as the first.
  const credential: TokenCredential = {
    getToken: (scopes, options) =>
      signedIn.getToken(scopes, options).catch((error: unknown) => {
        throw toSignInError(error, method, cloud);
      }),
  };

  const subscription =
    settings.subscriptionId !== undefined
      ? Promise.resolve(settings.subscriptionId)
      : (runtime.cliSubscription ?? currentCliSubscription)(runtime.signal);
  // Settled here so that a failed sign-in does not leave it unhandled.
  subscription.catch(() => undefined);
  const first = await credential.getToken(scope, { abortSignal: runtime.signal });
  if (!first) throw toSignInError(new Error("The credential returned no token."), method, cloud);
  const token = first.token;
  runtime.log.info(`Signed in${describeCaller(token)}.`);
  const subscriptionId = await subscription;
  runtime.log.info(`Subscription ${subscriptionId} (from ${settings.subscriptionSource}).`);
  return { credential, cloud, scope, subscriptionId };
}

async function resolveCloud(choice: CloudChoice, runtime: SignInRuntime): Promise<Cloud> {
  if (choice.kind === "named") return choice.cloud;
  const url = metadataUrl(choice.resourceManagerEndpoint);
  let body: unknown;
  try {
    body = await (runtime.fetchJson ?? fetchJson)(url, runtime.signal);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ActionError(`Could not read the cloud's endpoints from ${url}: ${reason}`, {
      remedy:
        `Check '${SignInInputs.ResourceManagerEndpoint}' (the ARM endpoint of your Azure Stack Hub ` +
        `or private cloud, e.g. https://management.<region>.<fqdn>) and that the runner can ` +
        `reach it; for Azure's own clouds leave it unset and set '${SignInInputs.Environment}'.`,
      cause: error,
    });
  }
  return cloudFromMetadata(choice, body);
}

/** GET with the SDK's own pipeline: retries, and HTTPS_PROXY / NO_PROXY as the clients honour them. */
async function fetchJson(url: string, signal: AbortSignal): Promise<unknown> {
  const pipeline = createPipelineFromOptions({ userAgentOptions: { userAgentPrefix: USER_AGENT } });
  const response = await pipeline.sendRequest(
    createDefaultHttpClient(),
    createPipelineRequest({ url, method: "GET", abortSignal: signal }),
  );
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  try {
    return JSON.parse((response.bodyAsText ?? "").replace(/^\uFEFF/, ""));
  } catch {
    throw new Error("the answer is not JSON");
  }
}

export function describeMethod(method: SignInMethod): string {
  switch (method.kind) {
    case "service-principal":
      return `a service principal secret (client id ${method.clientId})`;
    case "oidc":
      return `OIDC (client id ${method.clientId}, audience ${method.audience})`;
    case "azure-cli":
      return "the Azure CLI's session";
    case "managed-identity":
      return method.clientId
        ? `the user-assigned managed identity ${method.clientId}`
        : "the machine's system-assigned managed identity";
  }
}

/** Who the token is for, from its claims (the token itself is never shown). */
function describeCaller(token: string): string {
  try {
    const claims: unknown = JSON.parse(
      Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"),
    );
    const { appid, oid, tid } = claims as Record<string, unknown>;
    if (typeof oid !== "string" || typeof tid !== "string") return "";
    return ` as ${typeof appid === "string" ? `${appid} (object id ${oid})` : oid} in tenant ${tid}`;
  } catch {
    return "";
  }
}
