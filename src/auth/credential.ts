import type { AccessToken, TokenCredential } from "@azure/identity";
import type { Cloud } from "./cloud.ts";
import { strategyOf } from "./strategies/factory.ts";
import type { RunnerHooks, SignInMethod } from "./strategy.ts";

export type { RunnerHooks, SignInMethod } from "./strategy.ts";
export { freshIdTokens } from "./strategies/factory.ts";

/** A token this close to expiry is fetched anew. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

/**
 * Builds the credential for `method` (its strategy's, built once, on the first token asked).
 * Every access token it hands out is masked first, so nothing could print it.
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
  let built: Promise<TokenCredential> | undefined;
  const credential = () => (built ??= strategyOf(method).credential(method, cloud, hooks));
  const tokens = new Map<string, Promise<AccessToken>>();
  return {
    async getToken(scopes, options): Promise<AccessToken> {
      const key = [scopes].flat().join(" ");
      const cached = tokens.get(key);
      if (cached) {
        const token = await cached.catch(() => undefined);
        if (token && token.expiresOnTimestamp - EXPIRY_MARGIN_MS > Date.now()) return token;
      }
      const fetching = credential()
        .then((signIn) => signIn.getToken(scopes, options))
        .then((token) => {
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
