import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { ActionError } from "../errors.ts";
import { errorCode, statusOf, toActionError } from "./errors.ts";
import type {
  CallOptions,
  Cluster,
  ClusterPort,
  NewRoleAssignment,
  Registry,
  RegistryPort,
  RoleAssignment,
  RoleAssignmentPort,
  RoleDefinition,
  RoleDefinitionPort,
  Subscription,
} from "./ports.ts";
import { splitArmId } from "./resource-id.ts";

type ManagedClusters = Pick<
  ContainerServiceClient["managedClusters"],
  "get" | "listByResourceGroup"
>;
type Registries = Pick<
  ContainerRegistryManagementClient["registries"],
  "get" | "list" | "checkNameAvailability" | "create"
>;
type ResourceGraph = Pick<ResourceGraphClient, "resources">;
type RoleAssignments = Pick<
  AuthorizationManagementClient["roleAssignments"],
  "create" | "listForScope" | "deleteById"
>;
type RoleDefinitions = Pick<AuthorizationManagementClient["roleDefinitions"], "getById" | "list">;

function clusterScope(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

/** `Retry-After` in seconds, as ARM sends it on a resource still being provisioned. */
function retryAfterOf(headers: { get(name: string): string | undefined }): number | undefined {
  const value = headers.get("retry-after")?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
}

export function createClusterPort(
  managedClusters: ManagedClusters,
  subscriptionId: string,
): ClusterPort {
  /** The clusters of the group, for the message of a cluster that is not there. */
  async function clusterNames(resourceGroup: string, signal: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    for await (const cluster of managedClusters.listByResourceGroup(resourceGroup, {
      abortSignal: signal,
    })) {
      if (cluster.name) names.push(cluster.name);
    }
    return names;
  }

  async function notFound(
    resourceGroup: string,
    name: string,
    error: unknown,
    signal: AbortSignal,
  ) {
    const code = errorCode(error);
    if (code === "ResourceGroupNotFound") {
      return new ActionError(
        `Resource group '${resourceGroup}' does not exist in subscription ${subscriptionId}, so ` +
          `neither does cluster '${name}'.`,
        {
          remedy:
            `Check 'resource-group' and 'subscription-id' (az aks list --query "[].{name:name, ` +
            `group:resourceGroup}" -o table).`,
          cause: error,
        },
      );
    }
    const names = await clusterNames(resourceGroup, signal).catch(() => undefined);
    const seen =
      names === undefined
        ? "The clusters of that group could not be listed."
        : names.length === 0
          ? "The signed-in principal sees no cluster in that group."
          : `The clusters the signed-in principal sees there: ${names.join(", ")}.`;
    return new ActionError(
      `Cluster '${name}' was not found in resource group '${resourceGroup}' of subscription ` +
        `${subscriptionId}. ${seen}`,
      {
        remedy:
          "Check 'cluster-name', 'resource-group' and 'subscription-id', and that the signed-in " +
          "principal may read the cluster (Microsoft.ContainerService/managedClusters/read).",
        cause: error,
      },
    );
  }

  return {
    async getCluster(resourceGroup, name, { signal }) {
      const scope = clusterScope(subscriptionId, resourceGroup, name);
      let retryAfterMs: number | undefined;
      try {
        const cluster = await managedClusters.get(resourceGroup, name, {
          abortSignal: signal,
          onResponse: (raw) => (retryAfterMs = retryAfterOf(raw.headers)),
        });
        const kubelet = cluster.identityProfile?.["kubeletidentity"];
        return {
          id: cluster.id ?? scope,
          name: cluster.name ?? name,
          location: cluster.location,
          kubeletIdentity: kubelet?.objectId
            ? {
                objectId: kubelet.objectId,
                ...(kubelet.clientId ? { clientId: kubelet.clientId } : {}),
              }
            : undefined,
          servicePrincipalClientId: cluster.servicePrincipalProfile?.clientId,
          controlPlanePrincipalId: cluster.identity?.principalId,
          provisioningState: cluster.provisioningState,
          retryAfterMs,
        } satisfies Cluster;
      } catch (error) {
        const code = errorCode(error);
        if (code === "ResourceNotFound" || code === "ResourceGroupNotFound") {
          throw await notFound(resourceGroup, name, error, signal);
        }
        throw toActionError(error, {
          operation: "read the AKS cluster",
          scope,
          permission: "Microsoft.ContainerService/managedClusters/read",
        });
      }
    },
  };
}

type SdkRegistry = Awaited<ReturnType<Registries["get"]>>;

function toRegistry(registry: SdkRegistry): Registry {
  if (!registry.id || !registry.name || !registry.loginServer) {
    throw new ActionError(`Azure returned a registry without an id, name or login server.`);
  }
  return {
    id: registry.id,
    name: registry.name,
    loginServer: registry.loginServer,
    location: registry.location,
    roleAssignmentMode: registry.roleAssignmentMode,
    publicNetworkAccess: registry.publicNetworkAccess,
  };
}

/** The few fields of a registry the action reads, as Resource Graph returns them. */
interface GraphRegistryRow {
  readonly id?: unknown;
  readonly name?: unknown;
  readonly location?: unknown;
  readonly properties?: {
    readonly loginServer?: unknown;
    readonly roleAssignmentMode?: unknown;
    readonly publicNetworkAccess?: unknown;
  };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function registryFromGraph(row: GraphRegistryRow): Registry | undefined {
  const id = text(row.id);
  const name = text(row.name);
  const loginServer = text(row.properties?.loginServer);
  if (!id || !name || !loginServer) return undefined;
  return {
    id,
    name,
    loginServer,
    location: text(row.location) ?? "",
    roleAssignmentMode: text(row.properties?.roleAssignmentMode),
    publicNetworkAccess: text(row.properties?.publicNetworkAccess),
  };
}

/** The registries named so, in every subscription the caller can see. Names are plain letters and digits. */
export function registrySearchQuery(names: readonly string[]): string {
  const list = names.map((name) => {
    if (!/^[a-z0-9]+$/i.test(name)) throw new Error(`not a registry name: ${name}`);
    return `'${name.toLowerCase()}'`;
  });
  return (
    "resources" +
    " | where type =~ 'microsoft.containerregistry/registries'" +
    ` | where name in~ (${list.join(", ")})` +
    " | project id, name, location, properties"
  );
}

export interface RegistryClients {
  /** The registries operation group of a subscription's client. */
  registriesFor(subscriptionId: string): Registries;
  /** Resource Graph, for one query across subscriptions. */
  readonly resourceGraph: ResourceGraph;
  /** A GET of an ARM path through the same pipeline (for `/subscriptions`). */
  getArm(pathOrUrl: string, signal: AbortSignal): Promise<unknown>;
}

/**
 * Registries: by id in any subscription (a client per subscription), listed per subscription,
 * searched across subscriptions with Resource Graph, checked for name availability, created.
 */
export function createRegistryPort(clients: RegistryClients): RegistryPort {
  const readPermission = "Microsoft.ContainerRegistry/registries/read";
  return {
    async readRegistry(id, { signal }) {
      const { subscriptionId, resourceGroup } = splitArmId(id);
      const name = id.split("/").at(-1) ?? "";
      try {
        return toRegistry(
          await clients
            .registriesFor(subscriptionId)
            .get(resourceGroup, name, { abortSignal: signal }),
        );
      } catch (error) {
        const code = errorCode(error);
        if (code === "ResourceNotFound" || code === "ResourceGroupNotFound") return undefined;
        throw toActionError(error, {
          operation: "read the container registry",
          scope: id,
          permission: readPermission,
        });
      }
    },

    async listRegistries(subscriptionId, { signal }) {
      const found: Registry[] = [];
      try {
        for await (const registry of clients
          .registriesFor(subscriptionId)
          .list({ abortSignal: signal })) {
          found.push(toRegistry(registry));
        }
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the container registries",
          scope: `/subscriptions/${subscriptionId}`,
          permission: readPermission,
        });
      }
    },

    async searchRegistries(names, { signal }) {
      const query = registrySearchQuery(names);
      const found: Registry[] = [];
      try {
        let skipToken: string | undefined;
        do {
          const page = await clients.resourceGraph.resources(
            {
              query,
              options: { resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}) },
            },
            { abortSignal: signal },
          );
          const rows: unknown = page.data;
          for (const row of Array.isArray(rows) ? rows : []) {
            const registry = registryFromGraph(row as GraphRegistryRow);
            if (registry) found.push(registry);
          }
          skipToken = page.skipToken;
        } while (skipToken);
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation:
            "search the container registries of every visible subscription (Azure Resource Graph)",
          scope: "/providers/Microsoft.ResourceGraph/resources",
          permission: readPermission,
        });
      }
    },

    async listSubscriptions({ signal }) {
      const found: Subscription[] = [];
      let next: string | undefined = "/subscriptions?api-version=2022-12-01";
      try {
        while (next) {
          const page = (await clients.getArm(next, signal)) as {
            value?: { subscriptionId?: unknown; displayName?: unknown }[];
            nextLink?: unknown;
          };
          for (const s of page.value ?? []) {
            const subscriptionId = text(s.subscriptionId);
            if (subscriptionId) found.push({ subscriptionId, displayName: text(s.displayName) });
          }
          next = text(page.nextLink);
        }
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the subscriptions",
          scope: "/subscriptions",
        });
      }
    },

    async checkNameAvailability(subscriptionId, name, { signal }) {
      try {
        const status = await clients
          .registriesFor(subscriptionId)
          .checkNameAvailability(
            { name, type: "Microsoft.ContainerRegistry/registries" },
            { abortSignal: signal },
          );
        return {
          available: status.nameAvailable === true,
          reason: status.reason,
          message: status.message,
        };
      } catch (error) {
        throw toActionError(error, {
          operation: `check whether the registry name ${name} is free`,
          scope: `/subscriptions/${subscriptionId}`,
          permission: readPermission,
        });
      }
    },

    async createRegistry(spec, { signal }) {
      const id = `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${spec.name}`;
      try {
        const created = await clients.registriesFor(spec.subscriptionId).create(
          spec.resourceGroup,
          spec.name,
          { location: spec.location, sku: { name: spec.sku } },
          // ACR's Retry-After rules when it sends one; this only when it does not.
          { abortSignal: signal, updateIntervalInMs: 1_000 },
        );
        return toRegistry(created);
      } catch (error) {
        throw toActionError(error, {
          operation: `create the container registry ${spec.name}`,
          scope: id,
          permission: "Microsoft.ContainerRegistry/registries/write",
        });
      }
    },
  };
}

type SdkRoleAssignment = Awaited<ReturnType<RoleAssignments["create"]>>;

function toRoleAssignment(assignment: SdkRoleAssignment): RoleAssignment {
  return {
    id: assignment.id ?? "",
    name: assignment.name ?? "",
    scope: assignment.scope ?? "",
    roleDefinitionId: assignment.roleDefinitionId ?? "",
    principalId: assignment.principalId ?? "",
    principalType: assignment.principalType,
  };
}

/** ARM's 409 text carries the existing assignment's name as 32 hex digits. */
function existingAssignmentName(message: string): string | undefined {
  const hex = /existing role assignment is ([0-9a-f]{32})/i.exec(message)?.[1];
  return hex?.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5").toLowerCase();
}

/** The SDK puts `{scope}` after a `/` of its own, so it takes scopes without the leading one. */
function sdkScope(scope: string): string {
  return scope.replace(/^\/+/, "");
}

export function createRoleAssignmentPort(roleAssignments: RoleAssignments): RoleAssignmentPort {
  return {
    async listAtScope(scope, { signal }: CallOptions) {
      try {
        const found: RoleAssignment[] = [];
        const pages = roleAssignments.listForScope(sdkScope(scope), {
          filter: "atScope()",
          abortSignal: signal,
        });
        for await (const assignment of pages) found.push(toRoleAssignment(assignment));
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the role assignments that apply to the registry",
          scope,
          permission: "Microsoft.Authorization/roleAssignments/read",
        });
      }
    },

    async create(assignment: NewRoleAssignment, { signal }: CallOptions) {
      try {
        let status = 0;
        const created = await roleAssignments.create(
          sdkScope(assignment.scope),
          assignment.name,
          {
            roleDefinitionId: assignment.roleDefinitionId,
            principalId: assignment.principalId,
            principalType: assignment.principalType,
          },
          // 201 creates; 200 means this very assignment existed (a run whose list came before
          // ARM's lists caught up with an earlier run's write).
          { abortSignal: signal, onResponse: (raw) => (status = raw.status) },
        );
        // The 201 body is the assignment: no read-back (it would answer nothing about when the
        // kubelet can pull, which is a propagation delay ARM does not report).
        return { created: toRoleAssignment(created), alreadyExisted: status === 200 };
      } catch (error) {
        if (errorCode(error) === "RoleAssignmentExists") {
          const name = existingAssignmentName(error instanceof Error ? error.message : "");
          return {
            conflict: {
              existingId: name
                ? `${assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`
                : undefined,
            },
          };
        }
        throw toActionError(error, {
          operation: "create the role assignment",
          scope: assignment.scope,
          permission: "Microsoft.Authorization/roleAssignments/write",
        });
      }
    },

    async delete(id, { signal }) {
      try {
        // ARM answers 200 with the deleted assignment, or 204 when it was already gone.
        await roleAssignments.deleteById(sdkScope(id), { abortSignal: signal });
      } catch (error) {
        throw toActionError(error, {
          operation: "delete the role assignment",
          scope: id,
          permission: "Microsoft.Authorization/roleAssignments/delete",
        });
      }
    },
  };
}

type SdkRoleDefinition = Awaited<ReturnType<RoleDefinitions["getById"]>>;

function toRoleDefinition(definition: SdkRoleDefinition): RoleDefinition {
  return {
    id: definition.id ?? "",
    name: definition.name ?? "",
    roleName: definition.roleName ?? definition.name ?? "",
    permissions: (definition.permissions ?? []).map((p) => ({
      actions: p.actions ?? [],
      notActions: p.notActions ?? [],
      dataActions: p.dataActions ?? [],
      notDataActions: p.notDataActions ?? [],
    })),
  };
}

export function createRoleDefinitionPort(roleDefinitions: RoleDefinitions): RoleDefinitionPort {
  return {
    async getRoleDefinition(id, { signal }) {
      try {
        return toRoleDefinition(
          await roleDefinitions.getById(sdkScope(id), { abortSignal: signal }),
        );
      } catch (error) {
        const code = errorCode(error);
        if (code === "RoleDefinitionDoesNotExist" || statusOf(error) === 404) return undefined;
        throw toActionError(error, {
          operation: "read the role definition",
          scope: id,
          permission: "Microsoft.Authorization/roleDefinitions/read",
        });
      }
    },

    async findRoleDefinitions(scope, roleName, { signal }) {
      const found: RoleDefinition[] = [];
      try {
        // OData string literals double their quotes.
        const filter = `roleName eq '${roleName.replaceAll("'", "''")}'`;
        for await (const definition of roleDefinitions.list(sdkScope(scope), {
          filter,
          abortSignal: signal,
        })) {
          found.push(toRoleDefinition(definition));
        }
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: `look up the role named '${roleName}'`,
          scope,
          permission: "Microsoft.Authorization/roleDefinitions/read",
        });
      }
    },
  };
}
