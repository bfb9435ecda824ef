import { ActionError } from "../errors.ts";
import type {
  AzurePorts,
  CallOptions,
  NewRoleAssignment,
  PullIdentity,
  Registry,
  RoleAssignment,
} from "../domain/ports.ts";
import { isScopeAtOrAbove, sameScope, splitArmId } from "../domain/resource-id.ts";
import {
  BuiltInRoles,
  isRole,
  registryMode,
  roleDefinitionId,
  type Role,
  type RoleChoice,
} from "../domain/roles.ts";
import { Inputs } from "../names.ts";
import { grantsPull } from "../domain/access.ts";
import { privilegedPermissions } from "../domain/privilege.ts";
import { describeProvenance } from "../domain/provenance.ts";
import { shown } from "../safe-text.ts";
import { assignmentName } from "./assignment-name.ts";
import { resolveRole } from "./role.ts";
import {
  onlyResult,
  forEachRegistry,
  type ClusterContext,
  type PipelineRun,
  type RegistriesRequest,
  type RegistrySku,
  type RegistryTarget,
  type RunOptions,
} from "./pipeline.ts";
import { registryWarnings, type TargetRequest } from "./target.ts";

export interface AttachChoice {
  readonly role: RoleChoice;
  /** Plan only: read, decide, report, write nothing. */
  readonly dryRun: boolean;
  /** Grant a role that can write, delete or manage access (refused otherwise). */
  readonly allowPrivilegedRole?: boolean;
  /**
   * The description the new assignment carries: who made it and why. Asked for only when an
   * assignment is about to be written; a plain one is used without it.
   */
  readonly provenance?: (clusterId: string) => Promise<string>;
}

export interface AttachRegistriesRequest extends Omit<RegistriesRequest, "create">, AttachChoice {
  /** `create-registry`: create a registry found nowhere, with this SKU. */
  readonly createSku?: RegistrySku | undefined;
}

/** One registry, as the single-registry callers (and their tests) ask. */
export interface AttachRequest extends TargetRequest, AttachChoice {
  readonly subscriptionId: string;
}

/**
 * - `created`: this run created the assignment;
 * - `already-assigned`: the role was already assigned at the registry;
 * - `inherited`: the role is assigned above the registry (resource group, subscription, ...);
 * - `created-concurrently`: another writer created it between our read and our write;
 * - `planned`: a dry run found it missing and would create it.
 */
export type AttachOutcome =
  "created" | "already-assigned" | "inherited" | "created-concurrently" | "planned";

export interface AttachResult {
  readonly registry: Registry;
  readonly identity: PullIdentity;
  readonly role: Role;
  readonly outcome: AttachOutcome;
  /** The assignment that grants the role: the new one, the one found, or (dry run) the one to create. */
  readonly assignmentId: string;
  /** Where that assignment sits: the registry, or a scope above it. */
  readonly assignmentScope: string;
  /** That assignment's description (who granted it, from which run), when Azure gave one. */
  readonly assignmentDescription?: string | undefined;
  readonly changed: boolean;
  /** Writes a dry run would make (the registry, the assignment); 0 on a real run. */
  readonly plannedChanges: number;
  readonly warnings: readonly string[];
  /** Set when this run created the registry, or (dry run) would. */
  readonly registryCreation: RegistryTarget["creation"];
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

function assignmentIdOf(assignment: NewRoleAssignment): string {
  return `${assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`;
}

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
  return {
    kind: "create",
    assignment: {
      scope: registry.id,
      name: assignmentName(registry.id, identity.objectId, role.guid),
      roleDefinitionId: roleDefinitionId(splitArmId(registry.id).subscriptionId, role),
      principalId: identity.objectId,
      principalType: "ServicePrincipal",
    },
  };
}

/**
 * Gives the cluster's pull identity the pull role on one registry, unless it already has it.
 * `target.assignments` are the registry's assignments at and above it, every principal's.
 */
export async function attachTo(
  { cluster, identity }: ClusterContext,
  target: RegistryTarget,
  choice: AttachChoice,
  ports: AzurePorts,
  options: CallOptions & { log: RunOptions["log"] },
): Promise<AttachResult> {
  const { log } = options;
  const { registry, creation } = target;
  const { role, definition } = await resolveRole(choice.role, registry, ports, options);
  const privileged = definition ? privilegedPermissions(definition) : [];
  if (privileged.length > 0 && choice.allowPrivilegedRole !== true) {
    throw new ActionError(
      `Input '${Inputs.Role}': ${shown(role.name)} (${role.guid}) can do more than pull: it ` +
        `allows ${privileged.map((p) => shown(p, 120)).join(", ")}. Granted to the cluster's ` +
        `pull identity, every pod on its nodes could do that on ${registry.name}.`,
      {
        remedy:
          `Use '${Inputs.Role}: auto' (${BuiltInRoles.AcrPull.name}, or ${BuiltInRoles.RepositoryReader.name} ` +
          `on ABAC registries), or a role that only reads. To grant it anyway, set ` +
          `'${Inputs.AllowPrivilegedRole}: true'.`,
      },
    );
  }
  const warnings: string[] = creation ? [] : registryWarnings({ cluster, registry });
  const mode = registryMode(registry.roleAssignmentMode);
  if (definition && !grantsPull(definition, mode)) {
    warnings.push(
      `Role '${role.name}' does not allow pulling from ${registry.name}` +
        (mode === "abac"
          ? `: the registry uses ABAC repository permissions, which ignore AcrPull-style roles. Use '${Inputs.Role}: auto'.`
          : `. Use '${Inputs.Role}: auto' for AcrPull.`),
    );
  }
  for (const warning of warnings) log.warning(warning);

  const plan = planAttach(registry, identity, role, target.assignments);
  const created = creation !== undefined && !creation.planned;
  const result = {
    registry,
    identity,
    role,
    warnings,
    plannedChanges: creation?.planned ? 1 : 0,
    registryCreation: creation,
  };

  if (plan.kind === "keep") {
    log.info(
      plan.inherited
        ? `${role.name} is already granted above ${registry.name}, at ${plan.assignment.scope}: nothing to do.`
        : `${role.name} is already granted at ${registry.name}: nothing to do.`,
    );
    return {
      ...result,
      outcome: plan.inherited ? "inherited" : "already-assigned",
      assignmentId: plan.assignment.id,
      assignmentScope: plan.assignment.scope,
      assignmentDescription: plan.assignment.description,
      changed: created,
    };
  }

  if (choice.dryRun) {
    log.info(
      `Dry run: would grant ${role.name} on ${registry.id} (role assignment ${plan.assignment.name}).`,
    );
    return {
      ...result,
      outcome: "planned",
      assignmentId: assignmentIdOf(plan.assignment),
      assignmentScope: registry.id,
      changed: false,
      plannedChanges: result.plannedChanges + 1,
    };
  }

  log.info(`Granting ${role.name} on ${registry.id} (role assignment ${plan.assignment.name}).`);
  const description = choice.provenance
    ? await choice.provenance(cluster.id)
    : describeProvenance(cluster.id, undefined);
  const outcome = await ports.roleAssignments.create({ ...plan.assignment, description }, options);
  if ("created" in outcome && outcome.alreadyExisted) {
    log.info(
      `${role.name} was already granted under this very name, before this run (another run, ` +
        `or ARM's lists lag): no change.`,
    );
    return {
      ...result,
      outcome: "already-assigned",
      assignmentId: outcome.created.id,
      assignmentScope: registry.id,
      assignmentDescription: outcome.created.description,
      changed: created,
    };
  }
  if ("created" in outcome) {
    return {
      ...result,
      outcome: "created",
      assignmentId: outcome.created.id,
      assignmentScope: registry.id,
      assignmentDescription: outcome.created.description ?? description,
      changed: true,
    };
  }

  // 409 RoleAssignmentExists: someone else assigned the same role meanwhile. Their assignment
  // is as good as ours; find it to report its id.
  log.info(`${role.name} was assigned by another writer meanwhile; reading it back.`);
  const reread = await ports.roleAssignments.listAtScope(registry.id, options);
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
    changed: created,
  };
}

/** Attach for every registry of the request (creating those found nowhere, when asked). */
export function attachRegistries(
  request: AttachRegistriesRequest,
  ports: AzurePorts,
  options: RunOptions,
): Promise<PipelineRun<AttachResult>> {
  const create = request.createSku ? { sku: request.createSku, dryRun: request.dryRun } : undefined;
  return forEachRegistry({ ...request, create }, ports, options, (context, target, runPorts) =>
    attachTo(context, target, request, runPorts, options),
  );
}

/** Attach for one registry: its result, or its failure thrown. */
export async function attach(
  request: AttachRequest,
  ports: AzurePorts,
  options: RunOptions,
): Promise<AttachResult> {
  const run = await attachRegistries(
    { ...request, registries: [request.registry] },
    ports,
    options,
  );
  return onlyResult(run);
}
