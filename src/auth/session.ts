import type { TokenCredential } from "@azure/identity";
import { ActionError } from "../errors.ts";
import { armScope, cloudFromMetadata, metadataUrl, type Cloud, type CloudChoice } from "./cloud.ts";
import { createCredential, type RunnerHooks } from "./credential.ts";
import { raceDeadline, signInRequestPolicy, type SignInProgress } from "./deadline.ts";
import { toSignInError } from "./errors.ts";
import { SignInInputs } from "./inputs.ts";
import { idTokenRequestOrigin } from "./runner.ts";
import type { SignInSettings } from "./sign-in.ts";
import { currentCliSubscription, strategyOf } from "./strategies/factory.ts";
import type { SignInMethod } from "./strategy.ts";

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
  /** `timeout-seconds`, for the message when sign-in runs out of it. */
  readonly timeoutSeconds?: number;
  /**
   * Reads a custom cloud's metadata (src/azure/cloud-metadata.ts: the SDK's pipeline, the run's
   * retry budget, the token host policy).
   */
  readonly fetchJson: (url: string, signal: AbortSignal) => Promise<unknown>;
  /** `az account show`, by default. */
  readonly cliSubscription?: (signal: AbortSignal) => Promise<string>;
}

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
  const strategy = strategyOf(method);
  runtime.log.info(`Signing in with ${strategy.describe(method)} (${reason}).`);
  const progress: SignInProgress = {
    where:
      settings.cloud.kind === "named"
        ? `at ${settings.cloud.cloud.authorityHost}`
        : `at ${settings.cloud.resourceManagerEndpoint}`,
    pending: "sign-in",
  };
  const race = <T>(work: Promise<T>) =>
    raceDeadline(work, runtime.signal, progress, runtime.timeoutSeconds);

  if (settings.cloud.kind === "custom") {
    progress.pending = `the cloud's metadata (GET /metadata/endpoints)`;
  }
  const cloud = await race(resolveCloud(settings.cloud, runtime));
  runtime.log.info(
    `Cloud ${cloud.name}: ARM ${cloud.resourceManagerEndpoint}, sign-in ` +
      `${strategy.tokenSource(cloud).where}.`,
  );
  runtime.log.info(describeDestinations(method, cloud));
  const scope = armScope(cloud);
  const signedIn = createCredential(method, cloud, {
    mask: (secret) => {
      runtime.mask(secret);
    },
    requestPolicy: signInRequestPolicy(runtime.signal, progress),
    ...(runtime.httpClient ? { httpClient: runtime.httpClient } : {}),
    getIdToken: (audience) => {
      const before = { ...progress };
      progress.where = `at ${idTokenRequestOrigin() ?? "GitHub's ID token endpoint"}`;
      progress.pending = "GitHub's ID token (ACTIONS_ID_TOKEN_REQUEST_URL)";
      progress.lastAnswer = undefined;
      return race(runtime.getIdToken(audience)).finally(() => Object.assign(progress, before));
    },
  });
  // A token fetched later in the run (another scope, a refresh) fails as clearly as the first,
  // and within the deadline too.
  const credential: TokenCredential = {
    getToken: (scopes, options) => {
      Object.assign(progress, strategy.tokenSource(cloud), { lastAnswer: undefined });
      return race(signedIn.getToken(scopes, options)).catch((error: unknown) => {
        throw toSignInError(error, method, cloud);
      });
    },
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
  progress.where = "through the Azure CLI";
  progress.pending = "az account show (the CLI's current subscription)";
  const subscriptionId = await race(subscription);
  runtime.log.info(`Subscription ${subscriptionId} (from ${settings.subscriptionSource}).`);
  return { credential, cloud, scope, subscriptionId };
}

/**
 * Said before the first token request: which audience ARM tokens are asked for, and the only
 * hosts that tokens, and the secret or GitHub's token, will be sent to.
 */
function describeDestinations(method: SignInMethod, cloud: Cloud): string {
  return (
    `Tokens: ARM tokens for audience ${cloud.resourceManagerAudience} go only to ` +
    `${cloud.resourceManagerEndpoint}, Graph tokens only to ${cloud.graphEndpoint}; ` +
    `${strategyOf(method).destinations(cloud)}.`
  );
}

async function resolveCloud(choice: CloudChoice, runtime: SignInRuntime): Promise<Cloud> {
  if (choice.kind === "named") return choice.cloud;
  const url = metadataUrl(choice.resourceManagerEndpoint);
  let body: unknown;
  try {
    body = await runtime.fetchJson(url, runtime.signal);
  } catch (error) {
    // Out of time, or Azure asked to wait longer than is left: the retry policy's own words.
    if (error instanceof ActionError) throw error;
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
