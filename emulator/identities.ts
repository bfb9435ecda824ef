import { randomBytes } from "node:crypto";
import { GitHubOidc } from "./github-oidc.ts";
import type { Seed, SeedManagedIdentity } from "./seed.ts";

/** The audience GitHub's guidance and azure/login use for Entra ID's token exchange. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface FederatedCredential {
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: readonly string[];
}

/**
 * The sign-in side of the emulated world that the ARM state does not hold: federated
 * credentials of app registrations, the managed identities of the runner's machine, and the
 * GitHub OIDC issuer.
 */
export class Identities {
  readonly github: GitHubOidc;
  /** App Service's `IDENTITY_HEADER`: the secret a caller of its identity endpoint must send. */
  readonly identityHeader = randomBytes(16).toString("hex");
  readonly #seed: Seed;

  constructor(seed: Seed) {
    this.#seed = seed;
    this.github = new GitHubOidc(seed.github);
  }

  federatedCredentials(appId: string, baseUrl: string): FederatedCredential[] {
    const principal = this.#seed.servicePrincipals?.find(
      (candidate) => candidate.appId.toLowerCase() === appId.toLowerCase(),
    );
    return (principal?.federatedCredentials ?? []).map((credential, i) => ({
      name: credential.name ?? `credential-${i + 1}`,
      issuer: credential.issuer ?? this.github.issuer(baseUrl),
      subject: credential.subject,
      audiences: credential.audiences ?? [TOKEN_EXCHANGE_AUDIENCE],
    }));
  }

  /** The machine's identity a managed identity endpoint hands out for that query. */
  managedIdentity(query: {
    readonly clientId?: string;
    readonly objectId?: string;
    readonly resourceId?: string;
  }): SeedManagedIdentity | undefined {
    const identities = this.#seed.managedIdentities ?? [];
    const same = (a: string | undefined, b: string | undefined) =>
      a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
    if (query.clientId) return identities.find((id) => same(id.clientId, query.clientId));
    if (query.objectId) return identities.find((id) => same(id.objectId, query.objectId));
    if (query.resourceId) return identities.find((id) => same(id.resourceId, query.resourceId));
    return identities.find((identity) => identity.kind === "system");
  }
}

/**
 * The seed as the ARM state should see it: managed identities are service principals of the
 * tenant too (role assignments name them; ARM authenticates their tokens).
 */
export function withManagedIdentitiesAsPrincipals(seed: Seed): Seed {
  const identities = seed.managedIdentities ?? [];
  if (identities.length === 0) return seed;
  return {
    ...seed,
    servicePrincipals: [
      ...(seed.servicePrincipals ?? []),
      ...identities.map(({ clientId, objectId, displayName }) => ({
        appId: clientId,
        objectId,
        displayName,
      })),
    ],
  };
}
