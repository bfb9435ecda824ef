/**
 * The narrow view of Azure the workflows work with: domain types and one small interface per
 * service. Adapters (src/azure/, one file per port) implement them over the Azure SDK; tests implement them in memory.
 */

/**
 * Which registry the user means: a name (or login server) to look up, or a full resource id,
 * kept with the parts settings parsed it into (so nothing downstream splits it again).
 */
export type RegistryRef =
  | {
      readonly kind: "name";
      /** Lower-cased. */
      readonly name: string;
      /** Lower-cased; set when the user gave the login server rather than the name. */
      readonly loginServer?: string;
    }
  | {
      readonly kind: "id";
      readonly id: string;
      readonly subscriptionId: string;
      readonly resourceGroup: string;
      readonly name: string;
    };

/** The identity the cluster's nodes pull images with. */
export interface PullIdentity {
  /** Object (principal) id: what a role assignment names. */
  readonly objectId: string;
  readonly clientId: string | undefined;
  /** The kubelet managed identity, or a legacy cluster's service principal. */
  readonly kind: "kubelet-identity" | "service-principal";
}

export interface Cluster {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly kubeletIdentity: { readonly objectId: string; readonly clientId?: string } | undefined;
  /** `msi` on managed-identity clusters, an application (client) id on legacy ones. */
  readonly servicePrincipalClientId: string | undefined;
  /** The control-plane identity (`identity.principalId`): not the one that pulls. */
  readonly controlPlanePrincipalId: string | undefined;
  /** `Succeeded`, `Creating`, `Updating`, `Failed`...; absent when ARM did not say. */
  readonly provisioningState?: string | undefined;
  /** How long the read's `Retry-After` asked to wait before reading again, when it did. */
  readonly retryAfterMs?: number | undefined;
}

export interface Registry {
  readonly id: string;
  readonly name: string;
  readonly loginServer: string;
  readonly location: string;
  readonly roleAssignmentMode: string | undefined;
  /** `Enabled` or `Disabled`. */
  readonly publicNetworkAccess: string | undefined;
}

/** One block of a role definition's permissions. */
export interface Permission {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
}

export interface RoleDefinition {
  /** The full id, `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`. */
  readonly id: string;
  /** The GUID. */
  readonly name: string;
  readonly roleName: string;
  readonly permissions: readonly Permission[];
}

export interface RoleAssignment {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly principalType: string | undefined;
  /** Who made it and why, as its creator wrote it (one line, cut); absent when it has none. */
  readonly description?: string;
}

export interface NewRoleAssignment {
  readonly scope: string;
  /** The assignment's name: a GUID. */
  readonly name: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly principalType: "ServicePrincipal";
  /** Provenance: who made it and why (the action, the cluster, the workflow run). */
  readonly description?: string;
}

/** Options every port call takes: the run's deadline. */
export interface CallOptions {
  readonly signal: AbortSignal;
}

export interface ClusterPort {
  /** Throws a not-found ActionError when the cluster does not exist. */
  getCluster(resourceGroup: string, name: string, options: CallOptions): Promise<Cluster>;
}

/** A subscription the caller can see. */
export interface Subscription {
  readonly subscriptionId: string;
  readonly displayName: string | undefined;
}

/** A registry to create. */
export interface NewRegistry {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly sku: "Basic" | "Standard" | "Premium";
}

/** The answer of `checkNameAvailability`. */
export interface NameAvailability {
  readonly available: boolean;
  /** `AlreadyExists` or `Invalid` when not available. */
  readonly reason: string | undefined;
  readonly message: string | undefined;
}

/** Where a registry is (or would be): its resource id, and the parts of it, parsed once. */
export interface RegistryAddress {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export interface RegistryPort {
  /** The registry at an address (its id and parts); `undefined` when there is none (404). */
  readRegistry(address: RegistryAddress, options: CallOptions): Promise<Registry | undefined>;
  /** Every registry of the subscription the caller may read (all pages). */
  listRegistries(subscriptionId: string, options: CallOptions): Promise<Registry[]>;
  /**
   * The registries with one of these names (case-insensitive) in every subscription the caller
   * can see: one Azure Resource Graph query, all pages.
   */
  searchRegistries(names: readonly string[], options: CallOptions): Promise<Registry[]>;
  /** The subscriptions the caller can see (all pages). */
  listSubscriptions(options: CallOptions): Promise<Subscription[]>;
  /** Whether a registry name is free in Azure (names are global). */
  checkNameAvailability(
    subscriptionId: string,
    name: string,
    options: CallOptions,
  ): Promise<NameAvailability>;
  /** Creates the registry and waits for the long-running operation to end. */
  createRegistry(registry: NewRegistry, options: CallOptions): Promise<Registry>;
}

export interface RoleAssignmentPort {
  /**
   * Every principal's assignments at `scope` and above it (`$filter=atScope()`), all pages: what
   * applies to the scope, readable before the principal is known.
   */
  listAtScope(scope: string, options: CallOptions): Promise<RoleAssignment[]>;
  /**
   * Creates the assignment. Resolves to `{ created }` when it now exists under that name (with
   * `alreadyExisted` when it was there before this run: ARM answered 200, or 201 with a
   * `createdOn` older than the run), or to
   * `{ conflict }` when ARM refused it because the same role is already assigned to the same
   * principal at the same scope under another name (409 RoleAssignmentExists).
   */
  create(
    assignment: NewRoleAssignment,
    options: CallOptions,
  ): Promise<
    | { created: RoleAssignment; alreadyExisted?: boolean }
    | { conflict: { existingId: string | undefined } }
  >;
  /**
   * Deletes by full id. `deleted` is false when it was already gone (ARM's 204): someone else
   * removed it between the list and the delete.
   */
  delete(id: string, options: CallOptions): Promise<{ readonly deleted: boolean }>;
}

export interface RoleDefinitionPort {
  /** By full id (either of ARM's two forms); `undefined` when there is no such definition. */
  getRoleDefinition(id: string, options: CallOptions): Promise<RoleDefinition | undefined>;
  /** The definitions named `roleName` that can be assigned at `scope` (usually one, or none). */
  findRoleDefinitions(
    scope: string,
    roleName: string,
    options: CallOptions,
  ): Promise<RoleDefinition[]>;
}

export interface DirectoryPort {
  /** The object id of the service principal of an application (client) id. */
  servicePrincipalObjectId(appId: string, options: CallOptions): Promise<string>;
}

export interface AzurePorts {
  readonly clusters: ClusterPort;
  readonly registries: RegistryPort;
  readonly roleAssignments: RoleAssignmentPort;
  readonly roleDefinitions: RoleDefinitionPort;
  readonly directory: DirectoryPort;
}

/** Where the workflows write progress; main.ts hands in @actions/core. */
export interface Log {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
}
