/**
 * The narrow view of Azure the workflows work with: domain types and one small interface per
 * service. Adapters (adapters.ts) implement them over the Azure SDK; tests implement them in memory.
 */

/** Which registry the user means: a name (or login server) to look up, or a full resource id. */
export type RegistryRef =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "id"; readonly id: string; readonly subscriptionId: string };

/** The identity the cluster's nodes pull images with. */
export interface PullIdentity {
  /** Object (principal) id: what a role assignment names. */
  readonly objectId: string;
  readonly clientId: string | undefined;
  /** Where it came from, for the summary: `kubelet managed identity` or `service principal`. */
  readonly kind: "kubelet-identity";
}

export interface Cluster {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly kubeletIdentity: { readonly objectId: string; readonly clientId?: string } | undefined;
  /** `msi` on managed-identity clusters, an application (client) id on legacy ones. */
  readonly servicePrincipalClientId: string | undefined;
}

export interface Registry {
  readonly id: string;
  readonly name: string;
  readonly loginServer: string;
  readonly location: string;
  readonly roleAssignmentMode: string | undefined;
}

export interface RoleAssignment {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly principalType: string | undefined;
}

export interface NewRoleAssignment {
  readonly scope: string;
  /** The assignment's name: a GUID. */
  readonly name: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly principalType: "ServicePrincipal";
}

/** Options every port call takes: the run's deadline. */
export interface CallOptions {
  readonly signal: AbortSignal;
}

export interface ClusterPort {
  /** Throws a not-found ActionError when the cluster does not exist. */
  getCluster(resourceGroup: string, name: string, options: CallOptions): Promise<Cluster>;
}

export interface RegistryPort {
  getRegistry(
    ref: RegistryRef,
    preferredResourceGroup: string,
    options: CallOptions,
  ): Promise<Registry>;
}

export interface RoleAssignmentPort {
  /** The principal's assignments at, above and below `scope`. */
  listForPrincipal(
    scope: string,
    principalId: string,
    options: CallOptions,
  ): Promise<RoleAssignment[]>;
  /**
   * Creates the assignment. Resolves to `{ created }` when it now exists under that name, or to
   * `{ conflict }` when ARM refused it because the same role is already assigned to the same
   * principal at the same scope under another name (409 RoleAssignmentExists).
   */
  create(
    assignment: NewRoleAssignment,
    options: CallOptions,
  ): Promise<{ created: RoleAssignment } | { conflict: { existingId: string | undefined } }>;
}

export interface AzurePorts {
  readonly clusters: ClusterPort;
  readonly registries: RegistryPort;
  readonly roleAssignments: RoleAssignmentPort;
}

/** Where the workflows write progress; main.ts hands in @actions/core. */
export interface Log {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
}
