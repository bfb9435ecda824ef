import { readFile } from "node:fs/promises";
import type { ClusterProvisioningState } from "./cluster-provisioning.ts";
import { CLOUD_METADATA_FORMS, type CloudMetadataForm } from "./metadata.ts";
import { validateRegistryWorld } from "./seed-registry-world.ts";

/**
 * The emulator's starting world, as a JSON file (format documented in emulator/README.md).
 * Everything not listed does not exist: an unknown principal is not in the tenant, an unknown
 * resource group is a 404.
 */
export interface Seed {
  readonly tenantId: string;
  readonly subscriptions: readonly SeedSubscription[];
  readonly servicePrincipals?: readonly SeedServicePrincipal[];
  readonly clusters?: readonly SeedCluster[];
  readonly registries?: readonly SeedRegistry[];
  /** Custom role definitions, next to the built-in ones the emulator always has. */
  readonly roleDefinitions?: readonly SeedRoleDefinition[];
  readonly roleAssignments?: readonly SeedRoleAssignment[];
  /**
   * Management groups above the subscriptions. The tenant root group (named after the tenant id)
   * always exists; a group without a parent hangs under it, as does a subscription no group
   * lists.
   */
  readonly managementGroups?: readonly SeedManagementGroup[];
  /** Managed identities of the machine the action runs on (a self-hosted runner on Azure). */
  readonly managedIdentities?: readonly SeedManagedIdentity[];
  /** The GitHub Actions run whose OIDC tokens the emulator's GitHub issuer signs. */
  readonly github?: SeedGitHubRun;
  /**
   * Registry names held outside this tenant (registry names are global DNS names):
   * checkNameAvailability says `AlreadyExists` and a create is 409 `AlreadyInUse`.
   */
  readonly takenRegistryNames?: readonly string[];
  /**
   * The cloud's registry login server suffix, `suffixes.acrLoginServer` of `/metadata/endpoints`
   * and the suffix of every registry's default login server; `azurecr.io` if omitted.
   */
  readonly acrLoginServerSuffix?: string;
  /**
   * How `/metadata/endpoints` answers from api-version 2019-05-01 on: `object` (the emulated
   * cloud, as Azure Stack Hub answers) or `array` (every cloud, as the public cloud's ARM
   * answers); by api-version if omitted (one object for 2022-09-01 and later).
   */
  readonly cloudMetadataForm?: CloudMetadataForm;
}

export interface SeedManagementGroup {
  /** The group's id, the last segment of `/providers/Microsoft.Management/managementGroups/{name}`. */
  readonly name: string;
  /** The parent group's name; the tenant root group if omitted. */
  readonly parent?: string;
  /** The subscriptions directly under this group. */
  readonly subscriptions?: readonly string[];
}

export interface SeedSubscription {
  readonly subscriptionId: string;
  readonly displayName?: string;
  readonly resourceGroups?: readonly SeedResourceGroup[];
}

export interface SeedResourceGroup {
  readonly name: string;
  readonly location: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SeedServicePrincipal {
  /** The application (client) id, what a sign-in names. */
  readonly appId: string;
  /** The service principal's object id, what role assignments name. */
  readonly objectId: string;
  readonly displayName: string;
  /** Omit for principals that cannot sign in with a secret (a kubelet identity, say). */
  readonly clientSecret?: string;
  /** When `clientSecret` expires (ISO 8601); a sign-in after it gets AADSTS7000222. */
  readonly clientSecretExpiresOn?: string;
  /** Workload identity federation: the external tokens this app accepts instead of a secret. */
  readonly federatedCredentials?: readonly SeedFederatedCredential[];
}

/** A federated identity credential of an app registration, as Entra ID stores it. */
export interface SeedFederatedCredential {
  readonly name?: string;
  /** The token issuer it trusts; the emulator's own GitHub OIDC issuer when omitted. */
  readonly issuer?: string;
  /** Matched exactly (case-sensitive), e.g. `repo:octo-org/app:ref:refs/heads/main`. */
  readonly subject: string;
  /** `["api://AzureADTokenExchange"]` when omitted. */
  readonly audiences?: readonly string[];
}

/**
 * A managed identity attached to the runner's machine. `system` is the machine's own identity
 * (at most one); `user` identities are picked by client id.
 */
export interface SeedManagedIdentity {
  readonly kind: "system" | "user";
  readonly clientId: string;
  readonly objectId: string;
  readonly displayName: string;
  readonly resourceId?: string;
}

/** What the emulated GitHub token endpoint puts in the OIDC tokens it issues. */
export interface SeedGitHubRun {
  /** `owner/repo`. */
  readonly repository: string;
  /** `refs/heads/main` when omitted. */
  readonly ref?: string;
  /** Set for a job that targets a deployment environment: the subject then names it. */
  readonly environment?: string;
  /** `push` when omitted; `pull_request` gives the subject `repo:OWNER/REPO:pull_request`. */
  readonly eventName?: string;
  /** GitHub's tokens live 5 minutes; a negative value issues tokens already expired. */
  readonly tokenLifetimeSeconds?: number;
}

export interface SeedCluster {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly kubernetesVersion?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** The identity nodes pull with. Omit for a cluster without `identityProfile`. */
  readonly kubeletIdentity?: SeedKubeletIdentity;
  /** `msi` (the default) for a managed-identity cluster, or a service principal's client id. */
  readonly servicePrincipalClientId?: string;
  /** Object id of the cluster's system-assigned identity; derived from the name if omitted. */
  readonly systemIdentityPrincipalId?: string;
  /** Where its creation stands (cluster-provisioning.ts); `Succeeded` if omitted. */
  readonly provisioningState?: ClusterProvisioningState;
  /**
   * For a `Creating` or `Updating` cluster: how many GETs still answer that state before one
   * answers `Succeeded`. Omitted: it never finishes.
   */
  readonly readsUntilSucceeded?: number;
  /**
   * Role assignment writes naming the kubelet identity that answer `PrincipalNotFound` once the
   * identity has appeared (Entra ID replication delay); 0 if omitted.
   */
  readonly kubeletPrincipalNotFoundWrites?: number;
}

export interface SeedKubeletIdentity {
  readonly clientId: string;
  readonly objectId: string;
  /** Defaults to the `<cluster>-agentpool` identity in the node resource group. */
  readonly resourceId?: string;
}

export type RoleAssignmentMode = "LegacyRegistryPermissions" | "AbacRepositoryPermissions";

export interface SeedRegistry {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly sku?: "Basic" | "Standard" | "Premium";
  readonly tags?: Readonly<Record<string, string>>;
  readonly adminUserEnabled?: boolean;
  readonly roleAssignmentMode?: RoleAssignmentMode;
  readonly publicNetworkAccess?: "Enabled" | "Disabled";
  /**
   * The registry's login server, for one with a domain-name-label hash (`myacr-e7d4hkc5.azurecr.io`)
   * or another cloud's suffix; `{name lower-cased}.{acrLoginServerSuffix}` if omitted.
   */
  readonly loginServer?: string;
  /** Locations of its geo-replications (Premium), child resources `registries/replications`. */
  readonly replications?: readonly string[];
}

export interface SeedRoleDefinition {
  /** The definition's GUID (its `name`). */
  readonly id: string;
  readonly roleName: string;
  readonly description?: string;
  /** Where it can be assigned, e.g. `["/subscriptions/{sub}"]`. */
  readonly assignableScopes: readonly string[];
  readonly permissions: readonly SeedPermission[];
}

export interface SeedPermission {
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  readonly dataActions?: readonly string[];
  readonly notDataActions?: readonly string[];
}

export interface SeedRoleAssignment {
  /** A full scope with its leading slash: `/subscriptions/{sub}/resourceGroups/{rg}`. */
  readonly scope: string;
  /** A role's name (`Owner`) ... */
  readonly roleName?: string;
  /** ... or its GUID or full definition id. */
  readonly roleDefinitionId?: string;
  readonly principalId: string;
  readonly principalType?: PrincipalType;
  /** The assignment's GUID; random if omitted. */
  readonly name?: string;
  /** Free text ARM stores and returns with the assignment. */
  readonly description?: string;
  /** When it was made, ISO 8601 (`2024-05-01T08:00:00Z`); the emulator's start if omitted. */
  readonly createdOn?: string;
  /** The object id of who made it (a GUID); `null` in answers if omitted. */
  readonly createdBy?: string;
}

export type PrincipalType = "User" | "Group" | "ServicePrincipal" | "ForeignGroup" | "Device";

export const PRINCIPAL_TYPES: readonly PrincipalType[] = [
  "User",
  "Group",
  "ServicePrincipal",
  "ForeignGroup",
  "Device",
];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID.test(value);
}

/** Reads and checks a seed file; the error names the file and the bad field. */
export async function loadSeed(path: string): Promise<Seed> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read the emulator seed ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return validateSeed(parsed);
  } catch (error) {
    throw new Error(`Invalid emulator seed ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Checks the shape a hand-written seed most often gets wrong (ids that are not GUIDs, missing
 * names), so a typo fails at start rather than as a puzzling 404 in the middle of a test.
 */
export function validateSeed(value: unknown): Seed {
  const seed = value as Seed;
  if (typeof value !== "object" || value === null) throw new Error("the seed must be an object");
  requireGuid(seed.tenantId, "tenantId");
  if (!Array.isArray(seed.subscriptions)) throw new Error("subscriptions must be an array");
  const subscriptions: readonly SeedSubscription[] = seed.subscriptions;
  subscriptions.forEach((subscription, i) => {
    requireGuid(subscription.subscriptionId, `subscriptions[${i}].subscriptionId`);
    (subscription.resourceGroups ?? []).forEach((group, j) => {
      requireText(group.name, `subscriptions[${i}].resourceGroups[${j}].name`);
      requireText(group.location, `subscriptions[${i}].resourceGroups[${j}].location`);
    });
  });
  (seed.managementGroups ?? []).forEach((group, i) => {
    requireText(group.name, `managementGroups[${i}].name`);
    (group.subscriptions ?? []).forEach((subscriptionId, j) => {
      requireGuid(subscriptionId, `managementGroups[${i}].subscriptions[${j}]`);
    });
  });
  (seed.servicePrincipals ?? []).forEach((principal, i) => {
    requireGuid(principal.appId, `servicePrincipals[${i}].appId`);
    requireGuid(principal.objectId, `servicePrincipals[${i}].objectId`);
    requireText(principal.displayName, `servicePrincipals[${i}].displayName`);
    if (
      principal.clientSecretExpiresOn !== undefined &&
      Number.isNaN(Date.parse(principal.clientSecretExpiresOn))
    ) {
      throw new Error(`servicePrincipals[${i}].clientSecretExpiresOn is not an ISO 8601 time`);
    }
  });
  (seed.clusters ?? []).forEach((cluster, i) => {
    requireResourcePlace(cluster, `clusters[${i}]`);
    if (cluster.kubeletIdentity) {
      requireGuid(cluster.kubeletIdentity.clientId, `clusters[${i}].kubeletIdentity.clientId`);
      requireGuid(cluster.kubeletIdentity.objectId, `clusters[${i}].kubeletIdentity.objectId`);
    }
    const spClientId = cluster.servicePrincipalClientId;
    if (spClientId !== undefined && spClientId.toLowerCase() !== "msi") {
      requireGuid(spClientId, `clusters[${i}].servicePrincipalClientId (a GUID or "msi")`);
    }
  });
  (seed.registries ?? []).forEach((registry, i) => {
    requireResourcePlace(registry, `registries[${i}]`);
    if (!/^[a-zA-Z0-9]{5,50}$/.test(registry.name)) {
      throw new Error(
        `registries[${i}].name must be 5-50 letters or digits, got "${registry.name}"`,
      );
    }
  });
  (seed.roleDefinitions ?? []).forEach((definition, i) => {
    requireGuid(definition.id, `roleDefinitions[${i}].id`);
    requireText(definition.roleName, `roleDefinitions[${i}].roleName`);
    if (!Array.isArray(definition.assignableScopes) || !Array.isArray(definition.permissions)) {
      throw new Error(`roleDefinitions[${i}] needs assignableScopes and permissions arrays`);
    }
  });
  (seed.roleAssignments ?? []).forEach((assignment, i) => {
    requireText(assignment.scope, `roleAssignments[${i}].scope`);
    requireGuid(assignment.principalId, `roleAssignments[${i}].principalId`);
    if (!assignment.roleName && !assignment.roleDefinitionId) {
      throw new Error(`roleAssignments[${i}] needs roleName or roleDefinitionId`);
    }
    if (assignment.name !== undefined) requireGuid(assignment.name, `roleAssignments[${i}].name`);
    if (assignment.createdBy !== undefined) {
      requireGuid(assignment.createdBy, `roleAssignments[${i}].createdBy`);
    }
    if (assignment.createdOn !== undefined && Number.isNaN(Date.parse(assignment.createdOn))) {
      throw new Error(
        `roleAssignments[${i}].createdOn must be an ISO 8601 date, got ${JSON.stringify(assignment.createdOn)}`,
      );
    }
  });
  (seed.servicePrincipals ?? []).forEach((principal, i) => {
    (principal.federatedCredentials ?? []).forEach((credential, j) => {
      requireText(credential.subject, `servicePrincipals[${i}].federatedCredentials[${j}].subject`);
    });
  });
  const identities = seed.managedIdentities ?? [];
  identities.forEach((identity, i) => {
    requireGuid(identity.clientId, `managedIdentities[${i}].clientId`);
    requireGuid(identity.objectId, `managedIdentities[${i}].objectId`);
    requireText(identity.displayName, `managedIdentities[${i}].displayName`);
    if (identity.kind !== "system" && identity.kind !== "user") {
      throw new Error(`managedIdentities[${i}].kind must be "system" or "user"`);
    }
  });
  if (identities.filter((identity) => identity.kind === "system").length > 1) {
    throw new Error("a machine has at most one system-assigned managed identity");
  }
  validateRegistryWorld(seed);
  if (
    seed.cloudMetadataForm !== undefined &&
    !CLOUD_METADATA_FORMS.includes(seed.cloudMetadataForm)
  ) {
    throw new Error(
      `cloudMetadataForm must be one of ${CLOUD_METADATA_FORMS.join(", ")}, got ${JSON.stringify(seed.cloudMetadataForm)}`,
    );
  }
  if (seed.github !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(seed.github.repository)) {
    throw new Error(`github.repository must be "owner/repo", got "${seed.github.repository}"`);
  }
  return seed;
}

function requireResourcePlace(
  resource: { subscriptionId: string; resourceGroup: string; name: string; location: string },
  at: string,
): void {
  requireGuid(resource.subscriptionId, `${at}.subscriptionId`);
  requireText(resource.resourceGroup, `${at}.resourceGroup`);
  requireText(resource.name, `${at}.name`);
  requireText(resource.location, `${at}.location`);
}

function requireGuid(value: unknown, field: string): void {
  if (!isGuid(value)) throw new Error(`${field} must be a GUID, got ${JSON.stringify(value)}`);
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new Error(`${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
}
