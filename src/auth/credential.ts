import { ClientSecretCredential, type AccessToken, type TokenCredential } from "@azure/identity";
import { needsInstanceDiscovery, type Cloud } from "./cloud.ts";

/** A service principal signing in with a client secret. */
export interface ServicePrincipalSecret {
  readonly kind: "service-principal";
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** How the run signs in to Entra ID. Later sign-in ways join this union. */
export type SignIn = ServicePrincipalSecret;

/** A token this close to expiry is fetched anew. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

/**
 * Builds the credential for `signIn`. Every access token it hands out is passed to `onToken`
 * first, so the caller can mask it in the log before anything could print it.
 *
 * Tokens are shared per scope: the SDK clients ask at once and with differing options (the
 * identity library caches CAE and non-CAE tokens apart), which would otherwise mean one sign-in
 * per client, each a round trip to Entra ID.
 */
export function createCredential(
  signIn: SignIn,
  cloud: Cloud,
  onToken: (token: string) => void,
): TokenCredential {
  const credential = new ClientSecretCredential(
    signIn.tenantId,
    signIn.clientId,
    signIn.clientSecret,
    {
      authorityHost: cloud.authorityHost,
      disableInstanceDiscovery: !needsInstanceDiscovery(cloud),
    },
  );
  const tokens = new Map<string, Promise<AccessToken>>();
  return {
    async getToken(scopes, options) {
      const key = [scopes].flat().join(" ");
      const cached = tokens.get(key);
      if (cached) {
        const token = await cached.catch(() => undefined);
        if (token && token.expiresOnTimestamp - EXPIRY_MARGIN_MS > Date.now()) return token;
      }
      const fetching = credential.getToken(scopes, options).then((token) => {
        onToken(token.token);
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
