import { ActionError } from "../errors.ts";
import type {
  AzurePorts,
  CallOptions,
  Cluster,
  Log,
  NewRoleAssignment,
  PullIdentity,
  Registry,
  RegistryRef,
  RoleAssignment,
} from "../azure/ports.ts";
import { isScopeAtOrAbove, sameScope } from "../azure/resource-id.ts";
import { BuiltInRoles, isRole, roleDefinitionId, type Role } from "../azure/roles.ts";
import { assignmentName } from "./assignment-name.ts";

export interface AttachRequest {
  readonly resourceGroup: string;
  readonly clusterName: string;
  readonly registry: RegistryRef;
}

/**
 * - `created`: this run created the assignment;
 * - `already-assigned`: the role was already assigned at the registry;
 * - `inherited`: the role is assigned above the registry (resource group, subscription, ...);
 * - `created-concurrently`: another writer created it between our read and our write.
 */
export type AttachOutcome = "created" | "already-assigned" | "inherited" | "created-concurrently";

export interface AttachResult {
  readonly registry: Registry;
  readonly identity: PullIdentity;
  readonly role: Role;
  readonly outcome: AttachOutcome;
  /** The assignment that grants the role: the new one, or the one found. */
  readonly assignmentId: string;
  /** Where that assignment sits: the registry, or a scope above it. */
  readonly assignmentScope: string;
  readonly changed: boolean;
}

/** The identity the cluster's nodes pull with, or an error that says why there is none. */
export function resolvePullIdentity(cluster: Cluster): PullIdentity {
  if (cluster.kubeletIdentity) {
    return {
      kind: "kubelet-identity",
      objectId: cluster.kubeletIdentity.objectId,
      clientId: cluster.kubeletIdentity.clientId,
    };
  }
  const clientId = cluster.servicePrincipalClientId;
  if (clientId && clientId.toLowerCase() !== "msi") {
    throw new ActionError(
      `Cluster '${cluster.name}' pulls images with a service principal (client id ${clientId}), ` +
        `not a managed identity; this version attaches managed-identity clusters only.`,
      {
        remedy:
          `Move the cluster to managed identity (az aks update --enable-managed-identity), or grant ` +
          `the service principal AcrPull on the registry yourself (az role assignment create ` +
          `--assignee ${clientId} --role AcrPull --scope <registry id>).`,
      },
    );
  }
  throw new ActionError(`Cluster '${cluster.name}' has no kubelet identity to pull images with.`, {
    remedy:
      `Check that the cluster has finished provisioning (az aks show --query identityProfile); a ` +
      `cluster without one needs 'az aks update --enable-managed-identity'.`,
  });
}

function grants(
  assignment: RoleAssignment,
  principalId: string,
  role: Role,
  scope: string,
): boolean {
  return (
    assignment.principalId.toLowerCase() === principalId.toLowerCase() &&
    isRole(assignment.roleDefinitionId, role) &&
    isScopeAtOrAbove(assignment.scope, scope)
  );
}

export type AttachPlan =
  | { readonly kind: "keep"; readonly assignment: RoleAssignment; readonly inherited: boolean }
  | { readonly kind: "create"; readonly assignment: NewRoleAssignment };

/**
 * Decides what attach must do, from the principal's current assignments: nothing when the role
 * already applies to the registry (at its scope or inherited), else create one assignment with
 * a name derived from what it grants.
 */
export function planAttach(
  registry: Registry,
  identity: PullIdentity,
  role: Role,
  existing: readonly RoleAssignment[],
): AttachPlan {
  const matching = existing.filter((a) => grants(a, identity.objectId, role, registry.id));
  const atRegistry = matching.find((a) => sameScope(a.scope, registry.id));
  const found = atRegistry ?? matching[0];
  if (found) return { kind: "keep", assignment: found, inherited: atRegistry === undefined };
  const subscriptionId = registry.id.split("/")[2] ?? "";
  return {
    kind: "create",
    assignment: {
      scope: registry.id,
      name: assignmentName(registry.id, identity.objectId, role.guid),
      roleDefinitionId: roleDefinitionId(subscriptionId, role),
      principalId: identity.objectId,
      principalType: "ServicePrincipal",
    },
  };
}

/** Gives the cluster's pull identity the pull role on the registry, unless it already has it. */
export async function attach(
  request: AttachRequest,
  ports: AzurePorts,
  options: CallOptions & { readonly log: Log },
): Promise<AttachResult> {
  const { log } = options;
  const role = BuiltInRoles.AcrPull;
  const [cluster, registry] = await Promise.all([
    ports.clusters.getCluster(request.resourceGroup, request.clusterName, options),
    ports.registries.getRegistry(request.registry, request.resourceGroup, options),
  ]);
  const identity = resolvePullIdentity(cluster);
  log.info(`Cluster ${cluster.id} pulls as kubelet identity ${identity.objectId}.`);
  log.info(`Registry ${registry.id} (${registry.loginServer}).`);

  const existing = await ports.roleAssignments.listForPrincipal(
    registry.id,
    identity.objectId,
    options,
  );
  const plan = planAttach(registry, identity, role, existing);
  const result = { registry, identity, role };

  if (plan.kind === "keep") {
    log.info(
      plan.inherited
        ? `${role.name} is already granted above the registry, at ${plan.assignment.scope}: nothing to do.`
        : `${role.name} is already granted at the registry: nothing to do.`,
    );
    return {
      ...result,
      outcome: plan.inherited ? "inherited" : "already-assigned",
      assignmentId: plan.assignment.id,
      assignmentScope: plan.assignment.scope,
      changed: false,
    };
  }

  log.info(`Granting ${role.name} on ${registry.id} (role assignment ${plan.assignment.name}).`);
  const outcome = await ports.roleAssignments.create(plan.assignment, options);
  if ("created" in outcome) {
    return {
      ...result,
      outcome: "created",
      assignmentId: outcome.created.id,
      assignmentScope: registry.id,
      changed: true,
    };
  }

  // 409 RoleAssignmentExists: someone else assigned the same role meanwhile. Their assignment
  // is as good as ours; find it to report its id.
  log.info(`${role.name} was assigned by another writer meanwhile; reading it back.`);
  const reread = await ports.roleAssignments.listForPrincipal(
    registry.id,
    identity.objectId,
    options,
  );
  const concurrent = planAttach(registry, identity, role, reread);
  const assignmentId =
    concurrent.kind === "keep" ? concurrent.assignment.id : outcome.conflict.existingId;
  if (!assignmentId) {
    throw new ActionError(
      `Azure says ${role.name} is already assigned to ${identity.objectId} on ${registry.id}, ` +
        `but the assignment cannot be read back.`,
      {
        remedy: "Re-run the job in a minute: role assignments can take a moment to become visible.",
      },
    );
  }
  return {
    ...result,
    outcome: "created-concurrently",
    assignmentId,
    assignmentScope: concurrent.kind === "keep" ? concurrent.assignment.scope : registry.id,
    changed: false,
  };
}
