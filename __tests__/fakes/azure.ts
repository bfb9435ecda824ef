/**
 * An in-memory Azure behind the action's ports, for unit tests of the workflows. It shares
 * nothing with src/azure, so that a bug there cannot hide itself by being shared with the fake;
 * its facts (built-in roles) are the emulator's, and its world is the fixtures' (world.ts).
 */
import { randomUUID } from "node:crypto";
import type {
  AzurePorts,
  Cluster,
  ClusterPort,
  DirectoryPort,
  Log,
  NewRegistry,
  NewRoleAssignment,
  Permission,
  Registry,
  RegistryPort,
  RoleAssignment,
  RoleAssignmentPort,
  RoleDefinition,
  RoleDefinitionPort,
} from "../../src/domain/ports.ts";
import { ActionError } from "../../src/errors.ts";
import { BUILT_IN_ROLE_DEFINITIONS } from "../../emulator/role-definitions.ts";

export { ACR_PULL, ACR_PUSH, CONTRIBUTOR, OWNER, READER, REPOSITORY_READER } from "../fixtures.ts";

/** A role definition as the fake holds it: one permission block, assignable at some scopes. */
export interface FakeRoleDefinition {
  readonly guid: string;
  readonly roleName: string;
  /** Where it can be assigned; `["/"]` (everywhere) for built-in roles. */
  readonly assignableScopes: readonly string[];
  readonly permissions: readonly Permission[];
}

export type RoleDefinitionSpec = {
  readonly guid: string;
  readonly roleName: string;
  readonly assignableScopes?: readonly string[];
} & Partial<Permission>;

function definitionOf(spec: RoleDefinitionSpec): FakeRoleDefinition {
  return {
    guid: spec.guid.toLowerCase(),
    roleName: spec.roleName,
    assignableScopes: spec.assignableScopes ?? ["/"],
    permissions: [
      {
        actions: spec.actions ?? [],
        notActions: spec.notActions ?? [],
        dataActions: spec.dataActions ?? [],
        notDataActions: spec.notDataActions ?? [],
      },
    ],
  };
}

/**
 * The built-in roles, with their real GUIDs and permissions: the emulator's, so that the unit
 * tests and the end-to-end tests meet one Azure.
 */
export const BUILT_IN_ROLES: readonly RoleDefinitionSpec[] = BUILT_IN_ROLE_DEFINITIONS.map(
  (definition) => ({
    guid: definition.id,
    roleName: definition.roleName,
    assignableScopes: definition.assignableScopes,
    ...definition.permissions[0],
  }),
);

function normalized(scope: string): string {
  const trimmed = scope.toLowerCase().replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

/** True when `outer` is `inner` or one of its ancestors (root and management groups: always). */
function contains(outer: string, inner: string): boolean {
  const o = normalized(outer);
  const i = normalized(inner);
  if (o === "/" || o.startsWith("/providers/microsoft.management/")) return true;
  return i === o || i.startsWith(`${o}/`);
}

function roleGuidOf(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").at(-1) ?? "").toLowerCase();
}

function samePrincipalRoleScope(a: RoleAssignment, b: NewRoleAssignment): boolean {
  return (
    a.principalId.toLowerCase() === b.principalId.toLowerCase() &&
    roleGuidOf(a.roleDefinitionId) === roleGuidOf(b.roleDefinitionId) &&
    normalized(a.scope) === normalized(b.scope)
  );
}

export function roleDefinitionIdFor(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/** The subscription a scope lies in, `undefined` above subscriptions (management groups, root). */
function subscriptionOf(scope: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
}

/** ARM's two forms of a role definition id: subscription-scoped, or tenant-scoped. */
const ROLE_DEFINITION_ID =
  /^(?:\/subscriptions\/([^/]+))?\/providers\/microsoft\.authorization\/roledefinitions\/([^/]+)\/?$/i;

export function assignmentIdFor(scope: string, name: string): string {
  return `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
}

/** How the writer that beats the next `create` to it shows itself. */
export interface CompetingWriter {
  /** Whether listing the principal's assignments already shows the other writer's assignment. */
  readonly listed: boolean;
  /** Whether ARM's 409 names the existing assignment. */
  readonly namedInConflict: boolean;
}

export class FakeAzure implements AzurePorts {
  /** Every role assignment in the tenant, in creation order. */
  readonly assignments: RoleAssignment[] = [];
  /** Assignments another writer made while a `create` was in flight. */
  readonly writtenByOthers: RoleAssignment[] = [];
  private readonly clusterList: Cluster[] = [];
  /** Per cluster name: what its next reads answer, before it settles on its entry above. */
  private readonly clusterStates = new Map<string, Cluster[]>();
  private readonly registryList: Registry[] = [];
  /** Registry names held in Azure by registries the caller cannot see. */
  private readonly takenNames = new Set<string>();
  /** Subscriptions the caller can see, besides the fake's own. */
  readonly otherSubscriptions: { subscriptionId: string; displayName: string }[] = [];
  /** Every read the ports received, as `<operation> <target>`: with `writes`, the request log. */
  readonly reads: string[] = [];
  private searchRefused = false;
  private readonly unlisted = new Set<RoleAssignment>();
  private competitor: CompetingWriter | undefined;
  /** Every write the ports received, as `PUT <id>` or `DELETE <id>`: the fake's request log. */
  readonly writes: string[] = [];
  private readonly definitionList: FakeRoleDefinition[] = BUILT_IN_ROLES.map(definitionOf);
  /** Microsoft Graph's service principals: application (client) id to object id. */
  private readonly servicePrincipals = new Map<string, string>();
  private directoryRefuses = false;
  /**
   * Every error the ports threw, in order. Their text is the fake's own, not the adapters':
   * what a failure says to the user is the adapters' (and their tests') business; a workflow's
   * is to pass it on unchanged.
   */
  readonly failures: Error[] = [];

  readonly subscriptionId: string;

  constructor(subscriptionId: string) {
    this.subscriptionId = subscriptionId;
  }

  private fail(what: string): never {
    const failure = new ActionError(`fake Azure: ${what}`);
    this.failures.push(failure);
    throw failure;
  }

  addCluster(cluster: Cluster): Cluster {
    this.clusterList.push(cluster);
    return cluster;
  }

  addRegistry(registry: Registry): Registry {
    this.registryList.push(registry);
    return registry;
  }

  /** The registries there are now, created ones included. */
  registriesNow(): readonly Registry[] {
    return this.registryList;
  }

  /** A registry name held by a registry in a tenant or subscription the caller cannot see. */
  takeNameElsewhere(name: string): void {
    this.takenNames.add(name.toLowerCase());
  }

  /** Makes the next reads of a cluster answer these (a cluster still being created, say). */
  provisionCluster(name: string, states: readonly Partial<Cluster>[]): void {
    const base = this.clusterList.find((c) => c.name === name);
    if (!base) throw new Error(`no cluster ${name}`);
    this.clusterStates.set(
      name,
      states.map((state) => ({ ...base, ...state })),
    );
  }

  /** Makes Resource Graph refuse queries (a caller without it, or an outage). */
  refuseSearches(): void {
    this.searchRefused = true;
  }

  /** A custom role (or a second role of the same name); built-in roles are there already. */
  addRoleDefinition(spec: RoleDefinitionSpec): FakeRoleDefinition {
    const definition = definitionOf(spec);
    this.definitionList.push(definition);
    return definition;
  }

  /** Registers a service principal in Microsoft Graph. */
  addServicePrincipal(appId: string, objectId: string): void {
    this.servicePrincipals.set(appId.toLowerCase(), objectId);
  }

  /** Makes Microsoft Graph answer 403, as it does to a principal without directory read rights. */
  refuseDirectoryReads(): void {
    this.directoryRefuses = true;
  }

  /**
   * Seeds an assignment as someone else (the portal, the CLI) would have made it. Its role
   * definition id names the scope's subscription, or the tenant above subscriptions.
   */
  assign(fields: {
    scope: string;
    principalId: string;
    roleGuid: string;
    name?: string;
    /** `false`: not in ARM's lists yet (they lag behind writes), though a PUT finds it. */
    listed?: boolean;
  }): RoleAssignment {
    const name = fields.name ?? randomUUID();
    const subscription = subscriptionOf(fields.scope);
    const assignment: RoleAssignment = {
      id: assignmentIdFor(fields.scope, name),
      name,
      scope: fields.scope,
      roleDefinitionId: subscription
        ? roleDefinitionIdFor(subscription, fields.roleGuid)
        : `/providers/Microsoft.Authorization/roleDefinitions/${fields.roleGuid}`,
      principalId: fields.principalId,
      principalType: "ServicePrincipal",
    };
    this.assignments.push(assignment);
    if (fields.listed === false) this.unlisted.add(assignment);
    return assignment;
  }

  /**
   * Makes the next `create` lose a race: just before it lands, another writer assigns the same
   * role to the same principal at the same scope under a random name.
   */
  competeOnNextCreate(writer: CompetingWriter = { listed: true, namedInConflict: true }): void {
    this.competitor = writer;
  }

  readonly clusters: ClusterPort = {
    getCluster: async (resourceGroup, name) => {
      this.reads.push(`GET cluster ${name}`);
      const cluster = this.clusterList.find((c) =>
        normalized(c.id).endsWith(
          `/resourcegroups/${resourceGroup.toLowerCase()}/providers/microsoft.containerservice/managedclusters/${name.toLowerCase()}`,
        ),
      );
      if (!cluster) this.fail(`no cluster ${name} in ${resourceGroup}`);
      const next = this.clusterStates.get(cluster.name)?.shift();
      return next ?? cluster;
    },
  };

  private visibleSubscriptions(): Set<string> {
    return new Set(
      [this.subscriptionId, ...this.otherSubscriptions.map((s) => s.subscriptionId)].map((s) =>
        s.toLowerCase(),
      ),
    );
  }

  readonly registries: RegistryPort = {
    readRegistry: async (id) => {
      this.reads.push(`GET registry ${id}`);
      return this.registryList.find((r) => normalized(r.id) === normalized(id));
    },
    listRegistries: async (subscriptionId) => {
      this.reads.push(`LIST registries ${subscriptionId}`);
      return this.registryList.filter((r) => subscriptionOf(r.id) === subscriptionId);
    },
    searchRegistries: async (names) => {
      this.reads.push(`SEARCH registries ${names.join(",")}`);
      if (this.searchRefused) throw new ActionError("Resource Graph refused the query.");
      const visible = this.visibleSubscriptions();
      const wanted = new Set(names.map((n) => n.toLowerCase()));
      return this.registryList.filter(
        (r) => wanted.has(r.name.toLowerCase()) && visible.has(subscriptionOf(r.id)!.toLowerCase()),
      );
    },
    listSubscriptions: async () => {
      this.reads.push("LIST subscriptions");
      return [
        { subscriptionId: this.subscriptionId, displayName: "cluster subscription" },
        ...this.otherSubscriptions,
      ];
    },
    checkNameAvailability: async (_subscriptionId, name) => {
      this.reads.push(`CHECK name ${name}`);
      if (!/^[a-zA-Z0-9]{5,50}$/.test(name)) {
        return { available: false, reason: "Invalid", message: "5-50 letters and digits" };
      }
      const taken =
        this.takenNames.has(name.toLowerCase()) ||
        this.registryList.some((r) => r.name.toLowerCase() === name.toLowerCase());
      return taken
        ? {
            available: false,
            reason: "AlreadyExists",
            message: `The registry ${name} is already in use.`,
          }
        : { available: true, reason: undefined, message: undefined };
    },
    createRegistry: async (spec: NewRegistry) => {
      const id = `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${spec.name}`;
      this.writes.push(`PUT ${id}`);
      const registry: Registry = {
        id,
        name: spec.name,
        loginServer: `${spec.name}.azurecr.io`,
        location: spec.location,
        roleAssignmentMode: "LegacyRegistryPermissions",
        publicNetworkAccess: "Enabled",
      };
      this.registryList.push(registry);
      return registry;
    },
  };

  readonly roleAssignments: RoleAssignmentPort = {
    // ARM's listForScope with `$filter=atScope()`: every principal's, at and above the scope.
    listAtScope: async (scope) => {
      this.reads.push(`LIST assignments ${scope}`);
      return this.assignments.filter((a) => !this.unlisted.has(a) && contains(a.scope, scope));
    },

    create: async (wanted) => {
      this.writes.push(`PUT ${assignmentIdFor(wanted.scope, wanted.name)}`);
      const competitor = this.competitor;
      this.competitor = undefined;
      if (competitor) {
        const theirs = this.assign({
          scope: wanted.scope,
          principalId: wanted.principalId,
          roleGuid: roleGuidOf(wanted.roleDefinitionId),
        });
        this.writtenByOthers.push(theirs);
        if (!competitor.listed) this.unlisted.add(theirs);
      }

      const sameName = this.assignments.find(
        (a) =>
          a.name.toLowerCase() === wanted.name.toLowerCase() &&
          normalized(a.scope) === normalized(wanted.scope),
      );
      if (sameName) {
        // A PUT of the same assignment is idempotent (200, not 201); changing one is not allowed.
        if (samePrincipalRoleScope(sameName, wanted)) {
          return { created: sameName, alreadyExisted: true };
        }
        this.fail("a different assignment of the same name (409)");
      }
      const other = this.assignments.find((a) => samePrincipalRoleScope(a, wanted));
      if (other) {
        return {
          conflict: { existingId: competitor?.namedInConflict === false ? undefined : other.id },
        };
      }
      const created: RoleAssignment = {
        id: assignmentIdFor(wanted.scope, wanted.name),
        name: wanted.name,
        scope: wanted.scope,
        roleDefinitionId: wanted.roleDefinitionId,
        principalId: wanted.principalId,
        principalType: wanted.principalType,
        ...(wanted.description === undefined ? {} : { description: wanted.description }),
      };
      this.assignments.push(created);
      return { created };
    },

    // ARM's deleteById: 200 with the assignment, or 204 when it is already gone.
    delete: async (id) => {
      this.writes.push(`DELETE ${id}`);
      const index = this.assignments.findIndex((a) => normalized(a.id) === normalized(id));
      if (index >= 0) this.assignments.splice(index, 1);
      return { deleted: index >= 0 };
    },
  };

  readonly roleDefinitions: RoleDefinitionPort = {
    getRoleDefinition: async (id) => {
      const match = ROLE_DEFINITION_ID.exec(id);
      if (!match) return undefined;
      const [, subscription, guid] = match;
      const definition = this.definitionList.find((d) => d.guid === guid!.toLowerCase());
      return definition && this.viewOf(definition, subscription);
    },

    // ARM's list with `$filter=roleName eq '...'`: the definitions of that name assignable there.
    findRoleDefinitions: async (scope, roleName) =>
      this.definitionList
        .filter(
          (d) =>
            d.roleName.toLowerCase() === roleName.toLowerCase() &&
            d.assignableScopes.some((assignable) => contains(assignable, scope)),
        )
        .map((d) => this.viewOf(d, subscriptionOf(scope))),
  };

  private viewOf(definition: FakeRoleDefinition, subscription: string | undefined): RoleDefinition {
    const path = `/providers/Microsoft.Authorization/roleDefinitions/${definition.guid}`;
    return {
      id: subscription ? `/subscriptions/${subscription}${path}` : path,
      name: definition.guid,
      roleName: definition.roleName,
      permissions: definition.permissions,
    };
  }

  // What the real adapter (src/azure/directory.ts) throws for Graph's 403 and 404.
  readonly directory: DirectoryPort = {
    servicePrincipalObjectId: async (appId) => {
      if (this.directoryRefuses) this.fail(`the directory refuses to read ${appId}`);
      return (
        this.servicePrincipals.get(appId.toLowerCase()) ??
        this.fail(`no service principal ${appId}`)
      );
    },
  };
}

/** What `promise` rejected with; fails the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** A log that keeps what the workflow wrote, for assertions on what the user would read. */
export class RecordingLog implements Log {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(message);
  }
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
}
