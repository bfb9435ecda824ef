/**
 * An in-memory Azure behind the action's ports, for unit tests of the workflows. It keeps its
 * own scope and role logic (nothing from src/azure) so that a bug there cannot hide itself by
 * being shared with the fake.
 */
import { randomUUID } from "node:crypto";
import type {
  AzurePorts,
  Cluster,
  ClusterPort,
  Log,
  NewRoleAssignment,
  Registry,
  RegistryPort,
  RoleAssignment,
  RoleAssignmentPort,
} from "../../src/azure/ports.ts";
import { ActionError } from "../../src/errors.ts";

export const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
export const ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec";

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
  private readonly registryList: Registry[] = [];
  private readonly unlisted = new Set<RoleAssignment>();
  private competitor: CompetingWriter | undefined;

  readonly subscriptionId: string;

  constructor(subscriptionId: string) {
    this.subscriptionId = subscriptionId;
  }

  addCluster(cluster: Cluster): Cluster {
    this.clusterList.push(cluster);
    return cluster;
  }

  addRegistry(registry: Registry): Registry {
    this.registryList.push(registry);
    return registry;
  }

  /** Seeds an assignment as someone else (the portal, the CLI) would have made it. */
  assign(fields: {
    scope: string;
    principalId: string;
    roleGuid: string;
    name?: string;
  }): RoleAssignment {
    const name = fields.name ?? randomUUID();
    const assignment: RoleAssignment = {
      id: assignmentIdFor(fields.scope, name),
      name,
      scope: fields.scope,
      roleDefinitionId: roleDefinitionIdFor(this.subscriptionId, fields.roleGuid),
      principalId: fields.principalId,
      principalType: "ServicePrincipal",
    };
    this.assignments.push(assignment);
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
      const cluster = this.clusterList.find((c) =>
        normalized(c.id).endsWith(
          `/resourcegroups/${resourceGroup.toLowerCase()}/providers/microsoft.containerservice/managedclusters/${name.toLowerCase()}`,
        ),
      );
      if (!cluster) throw new ActionError(`Cluster '${name}' not found in '${resourceGroup}'.`);
      return cluster;
    },
  };

  readonly registries: RegistryPort = {
    getRegistry: async (ref, preferredResourceGroup) => {
      const found =
        ref.kind === "id"
          ? this.registryList.find((r) => normalized(r.id) === normalized(ref.id))
          : (this.registriesNamed(ref.name).find((r) =>
              normalized(r.id).includes(`/resourcegroups/${preferredResourceGroup.toLowerCase()}/`),
            ) ?? this.registriesNamed(ref.name)[0]);
      if (!found) throw new ActionError(`Registry ${JSON.stringify(ref)} not found.`);
      return found;
    },
  };

  private registriesNamed(name: string): Registry[] {
    const inSubscription = `/subscriptions/${this.subscriptionId.toLowerCase()}/`;
    return this.registryList.filter(
      (r) =>
        r.name.toLowerCase() === name.toLowerCase() && normalized(r.id).startsWith(inSubscription),
    );
  }

  readonly roleAssignments: RoleAssignmentPort = {
    // ARM's listForScope with a principalId filter: assignments at, above and below the scope.
    listForPrincipal: async (scope, principalId) =>
      this.assignments.filter(
        (a) =>
          !this.unlisted.has(a) &&
          a.principalId.toLowerCase() === principalId.toLowerCase() &&
          (contains(a.scope, scope) || contains(scope, a.scope)),
      ),

    create: async (wanted) => {
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
        // A PUT of the same assignment is idempotent; changing an existing one is not allowed.
        if (samePrincipalRoleScope(sameName, wanted)) return { created: sameName };
        throw new Error("409 RoleAssignmentUpdateNotPermitted");
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
      };
      this.assignments.push(created);
      return { created };
    },
  };
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
