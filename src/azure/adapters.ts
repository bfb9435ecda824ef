import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import { ActionError } from "../errors.ts";
import { errorCode, statusOf, toActionError } from "./errors.ts";
import type {
  CallOptions,
  Cluster,
  ClusterPort,
  NewRoleAssignment,
  Registry,
  RegistryPort,
  RegistryRef,
  RoleAssignment,
  RoleAssignmentPort,
  RoleDefinition,
  RoleDefinitionPort,
} from "./ports.ts";
import { splitArmId } from "./resource-id.ts";
import { backoffMs, type RetryBudget } from "./retry.ts";
import { Inputs } from "../names.ts";

type ManagedClusters = Pick<ContainerServiceClient["managedClusters"], "get">;
type Registries = Pick<ContainerRegistryManagementClient["registries"], "get" | "list">;
type RoleAssignments = Pick<
  AuthorizationManagementClient["roleAssignments"],
  "create" | "listForScope" | "deleteById" | "getById"
>;
type RoleDefinitions = Pick<AuthorizationManagementClient["roleDefinitions"], "getById" | "list">;

function clusterScope(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

export function createClusterPort(
  managedClusters: ManagedClusters,
  subscriptionId: string,
): ClusterPort {
  return {
    async getCluster(resourceGroup, name, { signal }) {
      const scope = clusterScope(subscriptionId, resourceGroup, name);
      try {
        const cluster = await managedClusters.get(resourceGroup, name, { abortSignal: signal });
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
        } satisfies Cluster;
      } catch (error) {
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

/**
 * Registries of one subscription client. A registry given by id may live in another
 * subscription of the tenant, so the factory is asked for that subscription's client.
 */
export function createRegistryPort(
  registriesFor: (subscriptionId: string) => Registries,
  subscriptionId: string,
): RegistryPort {
  async function getById(ref: Extract<RegistryRef, { kind: "id" }>, signal: AbortSignal) {
    const { resourceGroup } = splitArmId(ref.id);
    const name = ref.id.split("/").at(-1) ?? "";
    try {
      return toRegistry(
        await registriesFor(ref.subscriptionId).get(resourceGroup, name, { abortSignal: signal }),
      );
    } catch (error) {
      throw toActionError(error, {
        operation: "read the container registry",
        scope: ref.id,
        permission: "Microsoft.ContainerRegistry/registries/read",
      });
    }
  }

  /**
   * The cluster's resource group first, then the whole subscription, asked at the same time so
   * that a registry elsewhere costs no extra round trip. (Registry names are unique in Azure, so
   * the two answers cannot disagree; the group's answer also serves a caller who may read that
   * group but not list the subscription.)
   */
  async function findByName(name: string, preferredResourceGroup: string, signal: AbortSignal) {
    const registries = registriesFor(subscriptionId);
    const subscriptionScope = `/subscriptions/${subscriptionId}`;
    const inGroup = registries
      .get(preferredResourceGroup, name, { abortSignal: signal })
      .then(toRegistry, (error: unknown) => {
        const code = errorCode(error);
        if (code === "ResourceNotFound" || code === "ResourceGroupNotFound") return undefined;
        throw toActionError(error, {
          operation: `read the container registry '${name}'`,
          scope: `${subscriptionScope}/resourceGroups/${preferredResourceGroup}`,
          permission: "Microsoft.ContainerRegistry/registries/read",
        });
      });
    const inSubscription = (async () => {
      try {
        for await (const registry of registries.list({ abortSignal: signal })) {
          if (registry.name?.toLowerCase() === name.toLowerCase()) return toRegistry(registry);
        }
        return undefined;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the container registries",
          scope: subscriptionScope,
          permission: "Microsoft.ContainerRegistry/registries/read",
        });
      }
    })();
    // Both settle before deciding, so neither leaves an unhandled rejection behind.
    const [group, subscription] = await Promise.allSettled([inGroup, inSubscription]);
    if (group.status === "fulfilled" && group.value) return group.value;
    if (subscription.status === "fulfilled" && subscription.value) return subscription.value;
    if (group.status === "rejected") throw group.reason;
    if (subscription.status === "rejected") throw subscription.reason;
    throw new ActionError(
      `Container registry '${name}' was not found in subscription ${subscriptionId} ` +
        `(looked in resource group '${preferredResourceGroup}' and in the whole subscription).`,
      {
        remedy:
          `Check '${Inputs.AcrName}'. For a registry in another subscription, set '${Inputs.AcrResourceId}' to its ` +
          "full resource id instead.",
      },
    );
  }

  return {
    getRegistry(ref, preferredResourceGroup, { signal }) {
      return ref.kind === "id"
        ? getById(ref, signal)
        : findByName(ref.name, preferredResourceGroup, signal);
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

/**
 * Reads a just-created assignment back until ARM serves it, so success is only reported for an
 * assignment that can be seen (a read right after a write can miss it for a moment).
 */
async function confirmReadable(
  roleAssignments: RoleAssignments,
  id: string,
  budget: RetryBudget,
): Promise<SdkRoleAssignment> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await roleAssignments.getById(sdkScope(id), { abortSignal: budget.signal });
    } catch (error) {
      const wait = backoffMs(attempt, budget.clock.random());
      if (statusOf(error) !== 404 || budget.clock.now() + wait >= budget.deadline) throw error;
      await budget.clock.sleep(wait, budget.signal);
    }
  }
}

export function createRoleAssignmentPort(
  roleAssignments: RoleAssignments,
  budget: RetryBudget,
): RoleAssignmentPort {
  return {
    async listForPrincipal(scope, principalId, { signal }: CallOptions) {
      try {
        const found: RoleAssignment[] = [];
        const pages = roleAssignments.listForScope(sdkScope(scope), {
          filter: `principalId eq '${principalId}'`,
          abortSignal: signal,
        });
        for await (const assignment of pages) found.push(toRoleAssignment(assignment));
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the role assignments of the cluster's identity",
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
        return {
          created: toRoleAssignment(
            await confirmReadable(roleAssignments, created.id ?? "", budget),
          ),
          alreadyExisted: status === 200,
        };
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
