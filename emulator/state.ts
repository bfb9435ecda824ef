import { createHash, randomUUID } from "node:crypto";
import { ArmError, armErrors } from "./arm-errors.ts";
import { AsyncOperations } from "./async-operations.ts";
import { BUILT_IN_ROLE_DEFINITIONS, type RoleDefinition } from "./role-definitions.ts";
import { isSameScope, parseScope, subscriptionOf, type Scope } from "./scope.ts";
import {
  isGuid,
  type PrincipalType,
  type RoleAssignmentMode,
  type Seed,
  type SeedCluster,
  type SeedRegistry,
  type SeedRoleDefinition,
  type SeedSubscription,
} from "./seed.ts";

/** An object of the tenant's directory that role assignments can name. */
export interface DirectoryPrincipal {
  readonly objectId: string;
  readonly appId: string;
  readonly displayName: string;
  readonly principalType: PrincipalType;
  /** What Microsoft Graph reports as `servicePrincipalType`. */
  readonly servicePrincipalType: "Application" | "ManagedIdentity";
  readonly clientSecret?: string;
}

export interface ResourceGroup {
  readonly subscriptionId: string;
  readonly name: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface Subscription {
  readonly subscriptionId: string;
  readonly displayName: string;
  /** Keyed by lower-cased name: ARM names are case-insensitive. */
  readonly resourceGroups: Map<string, ResourceGroup>;
}

export interface Cluster extends SeedCluster {
  readonly servicePrincipalClientId: string;
  /** Set for managed-identity clusters only. */
  readonly systemIdentityPrincipalId?: string;
}

export type RegistrySku = "Basic" | "Standard" | "Premium";

/** Where a registry's creation stands: `Creating` until its async operation ends. */
export type ProvisioningState = "Creating" | "Succeeded" | "Failed";

export interface Registry extends SeedRegistry {
  readonly sku: RegistrySku;
  readonly roleAssignmentMode: RoleAssignmentMode;
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  readonly creationDate: string;
  readonly provisioningState: ProvisioningState;
}

export interface RoleAssignment {
  /** The GUID, lower case. */
  readonly name: string;
  /** As the creator wrote it (case kept, as ARM does), with one leading slash. */
  readonly scope: string;
  readonly roleDefinitionGuid: string;
  readonly principalId: string;
  readonly principalType: PrincipalType;
  readonly condition: string | null;
  readonly conditionVersion: string | null;
  readonly description: string | null;
  readonly createdOn: string;
  readonly updatedOn: string;
  readonly createdBy: string | null;
  readonly updatedBy: string | null;
}

/** What the seed and tests hand in to create an assignment directly, bypassing ARM. */
export interface RoleAssignmentInput {
  readonly scope: string;
  readonly roleName?: string;
  readonly roleDefinitionId?: string;
  readonly principalId: string;
  readonly principalType?: PrincipalType;
  readonly name?: string;
  /** Stored and returned as ARM does; none if omitted. */
  readonly description?: string;
  /** When it was made (ISO 8601 or a Date); the emulator's clock now if omitted. */
  readonly createdOn?: string | Date;
  /** The object id of whoever made it; the caller (none for a seed) if omitted. */
  readonly createdBy?: string;
}

interface DeletedAssignment {
  readonly assignment: RoleAssignment;
  readonly createdAtMs: number;
  readonly deletedAtMs: number;
}

/** The in-memory world the services read and change. */
export class EmulatorState {
  readonly tenantId: string;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #principals = new Map<string, DirectoryPrincipal>();
  readonly #clusters: Cluster[] = [];
  readonly #registries: Registry[] = [];
  readonly #roleDefinitions = new Map<string, RoleDefinition>();
  readonly #roleAssignments = new Map<string, RoleAssignment>();
  #now: () => Date;
  /** Long-running operations (registry creation) and how they play out. */
  readonly operations = new AsyncOperations();
  /**
   * What a role assignment PUT answers when the same assignment already exists under its name:
   * 200, or 201 (ARM's spec documents both for the PUT; races.ts).
   */
  existingAssignmentPutStatus: 200 | 201 = 200;
  /**
   * Eventual consistency: how long a role assignment created or deleted after start takes to
   * show in (or leave) role assignment lists. GET by name and PUT see the change at once.
   */
  #listDelayMs = 0;
  /** When each assignment created after start was created (ms); seed ones are not here. */
  readonly #createdAtMs = new Map<string, number>();
  /** Assignments deleted while lists lag, kept until the lists catch up. */
  #deleted: DeletedAssignment[] = [];
  /** False while the seed loads: the seed's assignments are listed at once. */
  #started = false;

  constructor(seed: Seed, now: () => Date = () => new Date()) {
    this.tenantId = seed.tenantId.toLowerCase();
    this.#now = now;
    for (const definition of BUILT_IN_ROLE_DEFINITIONS) {
      this.#roleDefinitions.set(definition.id, definition);
    }
    for (const custom of seed.roleDefinitions ?? []) this.#addCustomRole(custom);
    for (const subscription of seed.subscriptions) this.#addSubscription(subscription);
    for (const principal of seed.servicePrincipals ?? []) {
      this.#addPrincipal({
        objectId: principal.objectId.toLowerCase(),
        appId: principal.appId.toLowerCase(),
        displayName: principal.displayName,
        principalType: "ServicePrincipal",
        servicePrincipalType: "Application",
        clientSecret: principal.clientSecret,
      });
    }
    for (const cluster of seed.clusters ?? []) this.#addCluster(cluster);
    for (const registry of seed.registries ?? []) this.#addRegistry(registry);
    for (const assignment of seed.roleAssignments ?? []) this.addRoleAssignment(assignment, null);
    this.#started = true;
  }

  now(): Date {
    return this.#now();
  }

  /** Replaces the clock every timestamp, lag and operation reads (tests inject a fake one). */
  useClock(now: () => Date): void {
    this.#now = now;
  }

  // --- subscriptions, groups and resources ---

  subscription(subscriptionId: string): Subscription | undefined {
    return this.#subscriptions.get(subscriptionId.toLowerCase());
  }

  subscriptions(): Subscription[] {
    return [...this.#subscriptions.values()];
  }

  resourceGroup(subscriptionId: string, name: string): ResourceGroup | undefined {
    return this.subscription(subscriptionId)?.resourceGroups.get(name.toLowerCase());
  }

  clusters(subscriptionId: string, resourceGroup?: string): Cluster[] {
    return this.#clusters.filter((cluster) => inPlace(cluster, subscriptionId, resourceGroup));
  }

  cluster(subscriptionId: string, resourceGroup: string, name: string): Cluster | undefined {
    return this.clusters(subscriptionId, resourceGroup).find((c) => sameName(c.name, name));
  }

  registries(subscriptionId: string, resourceGroup?: string): Registry[] {
    return this.#registries.filter((registry) => inPlace(registry, subscriptionId, resourceGroup));
  }

  registry(subscriptionId: string, resourceGroup: string, name: string): Registry | undefined {
    return this.registries(subscriptionId, resourceGroup).find((r) => sameName(r.name, name));
  }

  /** Every registry of the emulated world: registry names are global (they are DNS names). */
  allRegistries(): Registry[] {
    return [...this.#registries];
  }

  /** The registry of that name anywhere, whatever the case. */
  registryNamed(name: string): Registry | undefined {
    return this.#registries.find((registry) => sameName(registry.name, name));
  }

  /** Adds a registry, or replaces the one with the same subscription, group and name. */
  saveRegistry(registry: Registry): void {
    const index = this.#registries.findIndex(
      (other) =>
        sameName(other.name, registry.name) &&
        inPlace(other, registry.subscriptionId, registry.resourceGroup),
    );
    if (index < 0) this.#registries.push(registry);
    else this.#registries[index] = registry;
  }

  /**
   * Why a scope cannot hold role assignments, as the ARM error to answer with, or undefined when
   * it exists. Resources of types the emulator does not model count as missing.
   */
  scopeProblem(scope: Scope): ArmError | undefined {
    if (scope.kind === "tenant") return undefined;
    if (scope.kind === "managementGroup") return armErrors.scopeNotFound(scope.managementGroup);
    if (!this.subscription(scope.subscriptionId)) {
      return armErrors.subscriptionNotFound(scope.subscriptionId);
    }
    if (scope.kind === "subscription") return undefined;
    if (!this.resourceGroup(scope.subscriptionId, scope.resourceGroup)) {
      return armErrors.resourceGroupNotFound(scope.resourceGroup);
    }
    if (scope.kind === "resourceGroup") return undefined;
    const type = `${scope.namespace}/${scope.type}`.toLowerCase();
    const exists =
      (type === "microsoft.containerservice/managedclusters" &&
        this.cluster(scope.subscriptionId, scope.resourceGroup, scope.name)) ||
      (type === "microsoft.containerregistry/registries" &&
        this.registry(scope.subscriptionId, scope.resourceGroup, scope.name));
    return exists
      ? undefined
      : armErrors.resourceNotFound(
          `${scope.namespace}/${scope.type}`,
          scope.name,
          scope.resourceGroup,
        );
  }

  // --- directory ---

  principal(objectId: string): DirectoryPrincipal | undefined {
    return this.#principals.get(objectId.toLowerCase());
  }

  principalByAppId(appId: string): DirectoryPrincipal | undefined {
    const wanted = appId.toLowerCase();
    return [...this.#principals.values()].find((principal) => principal.appId === wanted);
  }

  // --- role definitions ---

  roleDefinition(guid: string): RoleDefinition | undefined {
    return this.#roleDefinitions.get(guid.toLowerCase());
  }

  roleDefinitions(): RoleDefinition[] {
    return [...this.#roleDefinitions.values()];
  }

  /** A definition by role name (`AcrPull`), GUID, or either form of definition id. */
  findRoleDefinition(reference: string): RoleDefinition | undefined {
    const guid = /([0-9a-f-]{36})$/i.exec(reference)?.[1];
    if (guid && isGuid(guid)) return this.roleDefinition(guid);
    const name = reference.toLowerCase();
    return this.roleDefinitions().find((definition) => definition.roleName.toLowerCase() === name);
  }

  // --- role assignments ---

  roleAssignment(name: string): RoleAssignment | undefined {
    return this.#roleAssignments.get(name.toLowerCase());
  }

  roleAssignments(): RoleAssignment[] {
    return [...this.#roleAssignments.values()];
  }

  /** The assignment of that role to that principal at exactly that scope, if any. */
  findDuplicate(scope: string, roleDefinitionGuid: string, principalId: string) {
    return this.roleAssignments().find(
      (assignment) =>
        isSameScope(assignment.scope, scope) &&
        assignment.roleDefinitionGuid === roleDefinitionGuid.toLowerCase() &&
        assignment.principalId === principalId.toLowerCase(),
    );
  }

  saveRoleAssignment(assignment: RoleAssignment): void {
    if (this.#started && !this.#roleAssignments.has(assignment.name)) {
      this.#createdAtMs.set(assignment.name, this.#nowMs());
    }
    this.#roleAssignments.set(assignment.name, assignment);
  }

  deleteRoleAssignment(name: string): void {
    const key = name.toLowerCase();
    const existing = this.#roleAssignments.get(key);
    if (!existing) return;
    if (this.#listDelayMs > 0) {
      this.#deleted.push({
        assignment: existing,
        createdAtMs: this.#createdAtMs.get(key) ?? Number.NEGATIVE_INFINITY,
        deletedAtMs: this.#nowMs(),
      });
    }
    this.#createdAtMs.delete(key);
    this.#roleAssignments.delete(key);
  }

  get listDelayMs(): number {
    return this.#listDelayMs;
  }

  /** Sets how far role assignment lists lag behind writes; 0 (the default) is no lag. */
  setListDelay(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new Error(`The list delay must be a finite number of ms >= 0, got ${ms}`);
    }
    this.#listDelayMs = ms;
  }

  /**
   * Role assignments as lists show them: the world as it was `listDelayMs` ago. An assignment
   * created after start appears once it is that old; a deleted one lingers that long. The seed's
   * assignments were there all along.
   */
  listedRoleAssignments(): RoleAssignment[] {
    const lag = this.#listDelayMs;
    if (lag <= 0) {
      this.#deleted = [];
      return this.roleAssignments();
    }
    const now = this.#nowMs();
    this.#deleted = this.#deleted.filter((gone) => gone.deletedAtMs + lag > now);
    const listed = (createdAtMs: number) => createdAtMs + lag <= now;
    const live = this.roleAssignments().filter((assignment) =>
      listed(this.#createdAtMs.get(assignment.name) ?? Number.NEGATIVE_INFINITY),
    );
    const lingering = this.#deleted
      .filter((gone) => listed(gone.createdAtMs))
      .map((gone) => gone.assignment);
    return [...live, ...lingering];
  }

  #nowMs(): number {
    return this.#now().getTime();
  }

  /**
   * Creates an assignment the way a seed or a test set-up does: no caller, no RBAC check, but the
   * same integrity rules as ARM, reported as plain errors since they are set-up mistakes.
   */
  addRoleAssignment(input: RoleAssignmentInput, createdBy: string | null): RoleAssignment {
    const reference = input.roleDefinitionId ?? input.roleName ?? "";
    const definition = this.findRoleDefinition(reference);
    if (!definition) throw new Error(`Unknown role "${reference}" in role assignment set-up`);
    const scope = `/${input.scope.replace(/^\/+|\/+$/g, "")}`;
    const parsed = parseScope(scope.split("/").filter(Boolean));
    const problem = parsed ? this.scopeProblem(parsed) : armErrors.scopeNotFound(scope);
    if (problem) throw new Error(`Role assignment scope ${scope}: ${problem.message}`);
    if (!isGuid(input.principalId)) {
      throw new Error(`Role assignment principalId must be a GUID, got "${input.principalId}"`);
    }
    const name = (input.name ?? randomUUID()).toLowerCase();
    if (!isGuid(name)) throw new Error(`Role assignment name must be a GUID, got "${name}"`);
    if (this.roleAssignment(name)) throw new Error(`Role assignment ${name} already exists`);
    const duplicate = this.findDuplicate(scope, definition.id, input.principalId);
    if (duplicate) {
      throw new Error(
        `${definition.roleName} is already assigned to ${input.principalId} at ${scope} (${duplicate.name})`,
      );
    }
    const createdOn = new Date(input.createdOn ?? this.#now());
    if (Number.isNaN(createdOn.getTime())) {
      throw new Error(`Role assignment createdOn must be a date, got "${String(input.createdOn)}"`);
    }
    const creator = input.createdBy?.toLowerCase() ?? createdBy;
    const assignment: RoleAssignment = {
      name,
      scope,
      roleDefinitionGuid: definition.id,
      principalId: input.principalId.toLowerCase(),
      principalType:
        input.principalType ?? this.principal(input.principalId)?.principalType ?? "User",
      condition: null,
      conditionVersion: null,
      description: input.description ?? null,
      createdOn: createdOn.toISOString(),
      updatedOn: createdOn.toISOString(),
      createdBy: creator,
      updatedBy: creator,
    };
    this.saveRoleAssignment(assignment);
    return assignment;
  }

  // --- seed loading ---

  #addCustomRole(custom: SeedRoleDefinition): void {
    const id = custom.id.toLowerCase();
    if (this.#roleDefinitions.has(id)) {
      throw new Error(`The seed's custom role ${custom.roleName} reuses the GUID ${id}`);
    }
    this.#roleDefinitions.set(id, {
      id,
      roleName: custom.roleName,
      description: custom.description ?? "",
      type: "CustomRole",
      assignableScopes: custom.assignableScopes,
      permissions: custom.permissions.map((permission) => ({
        actions: permission.actions ?? [],
        notActions: permission.notActions ?? [],
        dataActions: permission.dataActions ?? [],
        notDataActions: permission.notDataActions ?? [],
      })),
    });
  }

  #addSubscription(subscription: SeedSubscription): void {
    const groups = new Map<string, ResourceGroup>();
    for (const group of subscription.resourceGroups ?? []) {
      groups.set(group.name.toLowerCase(), {
        subscriptionId: subscription.subscriptionId,
        name: group.name,
        location: group.location,
        tags: group.tags ?? {},
      });
    }
    this.#subscriptions.set(subscription.subscriptionId.toLowerCase(), {
      subscriptionId: subscription.subscriptionId,
      displayName: subscription.displayName ?? subscription.subscriptionId,
      resourceGroups: groups,
    });
  }

  #addPrincipal(principal: DirectoryPrincipal): void {
    if (!this.#principals.has(principal.objectId)) {
      this.#principals.set(principal.objectId, principal);
    }
  }

  #addCluster(seed: SeedCluster): void {
    this.#requireGroup(seed.subscriptionId, seed.resourceGroup, `cluster ${seed.name}`);
    const servicePrincipalClientId = seed.servicePrincipalClientId ?? "msi";
    const managedIdentity = servicePrincipalClientId.toLowerCase() === "msi";
    const systemIdentityPrincipalId = managedIdentity
      ? (seed.systemIdentityPrincipalId ??
        derivedGuid("cluster-identity", seed.subscriptionId, seed.name))
      : undefined;
    const cluster: Cluster = { ...seed, servicePrincipalClientId, systemIdentityPrincipalId };
    this.#clusters.push(cluster);
    // Managed identities are service principals of the tenant: assignments may name them.
    if (systemIdentityPrincipalId) {
      this.#addPrincipal({
        objectId: systemIdentityPrincipalId.toLowerCase(),
        appId: derivedGuid("cluster-identity-app", seed.subscriptionId, seed.name),
        displayName: seed.name,
        principalType: "ServicePrincipal",
        servicePrincipalType: "ManagedIdentity",
      });
    }
    if (seed.kubeletIdentity) {
      this.#addPrincipal({
        objectId: seed.kubeletIdentity.objectId.toLowerCase(),
        appId: seed.kubeletIdentity.clientId.toLowerCase(),
        displayName: `${seed.name}-agentpool`,
        principalType: "ServicePrincipal",
        servicePrincipalType: "ManagedIdentity",
      });
    }
  }

  #addRegistry(seed: SeedRegistry): void {
    this.#requireGroup(seed.subscriptionId, seed.resourceGroup, `registry ${seed.name}`);
    this.#registries.push({
      ...seed,
      sku: seed.sku ?? "Basic",
      roleAssignmentMode: seed.roleAssignmentMode ?? "LegacyRegistryPermissions",
      publicNetworkAccess: seed.publicNetworkAccess ?? "Enabled",
      creationDate: this.#now().toISOString(),
      provisioningState: "Succeeded",
    });
  }

  #requireGroup(subscriptionId: string, resourceGroup: string, what: string): void {
    if (!this.resourceGroup(subscriptionId, resourceGroup)) {
      throw new Error(
        `The seed puts ${what} in resource group ${resourceGroup} of subscription ${subscriptionId}, which the seed does not declare`,
      );
    }
  }
}

function inPlace(
  resource: { subscriptionId: string; resourceGroup: string },
  subscriptionId: string,
  resourceGroup: string | undefined,
): boolean {
  return (
    sameName(resource.subscriptionId, subscriptionId) &&
    (resourceGroup === undefined || sameName(resource.resourceGroup, resourceGroup))
  );
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A stable GUID for ids the seed may leave out, so two runs of one seed agree. */
export function derivedGuid(...parts: string[]): string {
  const hex = createHash("sha256").update(parts.join("|").toLowerCase()).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The role definition id ARM writes for a definition seen from a scope. */
export function roleDefinitionIdAt(scope: string, guid: string): string {
  const subscriptionId = subscriptionOf(scope);
  const prefix = subscriptionId ? `/subscriptions/${subscriptionId}` : "";
  return `${prefix}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}
