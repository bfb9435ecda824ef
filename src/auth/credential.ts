import { ClientSecretCredential, type TokenCredential } from "@azure/identity";
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

/**
 * Builds the credential for `signIn`. Every access token it hands out is passed to `onToken`
 * first, so the caller can mask it in the log before anything could print it.
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
  return {
    async getToken(scopes, options) {
      const token = await credential.getToken(scopes, options);
      onToken(token.token);
      return token;
    },
  };
}
