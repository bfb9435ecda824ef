import {
  AzureCliCredential,
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type TokenCredential,
} from "@azure/identity";
import { needsInstanceDiscovery, type Cloud } from "./cloud.ts";
import type { SignInMethod } from "./sign-in-settings.ts";

export type { SignInMethod } from "./sign-in-settings.ts";

/** What the credential needs from the runner; main.ts hands in @actions/core's functions. */
export interface RunnerHooks {
  /** GitHub's OIDC token for `audience` (`core.getIDToken`). */
  getIdToken(audience: string): Promise<string>;
  /** Hides a value from the log (`core.setSecret`): every token passes through it first. */
  mask(secret: string): void;
}

/** A token this close to expiry is fetched anew. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
/** The Azure CLI's `az account get-access-token` takes a second or two; a stuck one, not 10. */
const CLI_TIMEOUT_MS = 60_000;

/**
 * The @azure/identity credential for the sign-in way, pointed at the cloud's sign-in host.
 * OIDC asks GitHub for a fresh ID token every time Entra ID needs one: GitHub's tokens live
 * five minutes, a run may outlast that.
 */
export function identityCredential(
  method: SignInMethod,
  cloud: Pick<Cloud, "authorityHost">,
  hooks: RunnerHooks,
): TokenCredential {
  const authority = {
    authorityHost: cloud.authorityHost,
    disableInstanceDiscovery: !needsInstanceDiscovery(cloud),
  };
  switch (method.kind) {
    case "service-principal":
      return new ClientSecretCredential(
        method.tenantId,
        method.clientId,
        method.clientSecret,
        authority,
      );
    case "oidc":
      return new ClientAssertionCredential(
        method.tenantId,
        method.clientId,
        freshIdTokens(method.audience, hooks),
        authority,
      );
    case "azure-cli":
      return new AzureCliCredential({
        ...(method.tenantId ? { tenantId: method.tenantId } : {}),
        processTimeoutInMs: CLI_TIMEOUT_MS,
      });
    case "managed-identity":
      return method.clientId
        ? new ManagedIdentityCredential({ clientId: method.clientId })
        : new ManagedIdentityCredential();
  }
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

/**
 * Builds the credential for `method`. Every access token it hands out is masked first, so
 * nothing could print it.
 *
 * Tokens are shared per scope: the SDK clients ask at once and with differing options (the
 * identity library caches CAE and non-CAE tokens apart), which would otherwise mean one sign-in
 * per client, each a round trip to Entra ID (or a run of the Azure CLI).
 */
export function createCredential(
  method: SignInMethod,
  cloud: Pick<Cloud, "authorityHost">,
  /** Or just the masking function, for callers that never sign in with OIDC. */
  runnerHooks: RunnerHooks | ((secret: string) => void),
): TokenCredential {
  const hooks: RunnerHooks =
    typeof runnerHooks === "function"
      ? {
          mask: runnerHooks,
          getIdToken: () => Promise.reject(new Error("No GitHub OIDC token source was given.")),
        }
      : runnerHooks;
  const credential = identityCredential(method, cloud, hooks);
  const tokens = new Map<string, Promise<AccessToken>>();
  return {
    async getToken(scopes, options): Promise<AccessToken> {
      const key = [scopes].flat().join(" ");
      const cached = tokens.get(key);
      if (cached) {
        const token = await cached.catch(() => undefined);
        if (token && token.expiresOnTimestamp - EXPIRY_MARGIN_MS > Date.now()) return token;
      }
      const fetching = credential.getToken(scopes, options).then((token) => {
        if (!token) throw new Error(`No token was returned for ${key}.`);
        hooks.mask(token.token);
        return token;
      });
      tokens.set(key, fetching);
      try {
        return await fetching;
      } catch (error) {
        tokens.delete(key);
        throw error;
      }
    },
  };
}
