import type {
  AzurePorts,
  CallOptions,
  PullIdentity,
  Registry,
  RoleAssignment,
} from "../domain/ports.ts";
import { isScopeAtOrAbove, sameScope } from "../domain/resource-id.ts";
import { BuiltInRoles, isRole, registryMode, type Role, type RoleChoice } from "../domain/roles.ts";
import { shown } from "../safe-text.ts";
import { judgeAssignments, type AssignmentVerdict } from "./access.ts";
import { resolveRole } from "./role.ts";
import {
  onlyResult,
  forEachRegistry,
  type ClusterContext,
  type PipelineRun,
  type RegistriesRequest,
  type RegistryTarget,
  type RunOptions,
} from "./pipeline.ts";
import type { TargetRequest } from "./target.ts";

export interface DetachChoice {
  readonly role: RoleChoice;
  readonly dryRun: boolean;
}

export interface DetachRegistriesRequest extends Omit<RegistriesRequest, "create">, DetachChoice {}

/** One registry, as the single-registry callers (and their tests) ask. */
export interface DetachRequest extends TargetRequest, DetachChoice {
  readonly subscriptionId: string;
}

export interface DetachResult {
  readonly registry: Registry;
  readonly identity: PullIdentity;
  /** The roles whose assignments at the registry are removed. */
  readonly roles: readonly Role[];
  /** Removed by this run (or, on a dry run, to be removed). */
  readonly removed: readonly RoleAssignment[];
  /** Listed, but already gone when this run deleted them (someone else removed them meanwhile). */
  readonly alreadyGone: readonly RoleAssignment[];
  /** Assignments left in place that still let the identity pull: inherited, or other roles. */
  readonly stillGranting: readonly AssignmentVerdict[];
  readonly changed: boolean;
  readonly plannedChanges: number;
  readonly dryRun: boolean;
}

/**
 * The pull-role assignments of the identity exactly at the registry: what attach grants. Other
 * principals, other roles and assignments inherited from above are never touched.
 */
export function planDetach(
  registry: Registry,
  identity: PullIdentity,
  roles: readonly Role[],
  existing: readonly RoleAssignment[],
): { remove: RoleAssignment[]; keep: RoleAssignment[] } {
  const applies = existing.filter(
    (a) =>
      a.principalId.toLowerCase() === identity.objectId.toLowerCase() &&
      isScopeAtOrAbove(a.scope, registry.id),
  );
  const remove = applies.filter(
    (a) =>
      sameScope(a.scope, registry.id) && roles.some((role) => isRole(a.roleDefinitionId, role)),
  );
  return { remove, keep: applies.filter((a) => !remove.includes(a)) };
}

/** ` (granted by ...)`: the assignment's description, when it has one, for the log. */
export function provenanceOf(assignment: RoleAssignment): string {
  return assignment.description ? ` (${shown(assignment.description, 400)})` : "";
}

/** Removes the cluster's pull-role assignments at one registry, and says what still grants pull. */
export async function detachFrom(
  { identity }: ClusterContext,
  { registry, assignments }: RegistryTarget,
  choice: DetachChoice,
  ports: AzurePorts,
  options: CallOptions & { log: RunOptions["log"] },
): Promise<DetachResult> {
  const { log } = options;
  // `auto` removes either pull role attach may have granted, whichever the registry's mode.
  const roles =
    choice.role.kind === "auto"
      ? [BuiltInRoles.AcrPull, BuiltInRoles.RepositoryReader]
      : [(await resolveRole(choice.role, registry, ports, options)).role];
  const plan = planDetach(registry, identity, roles, assignments);
  const roleNames = roles.map((role) => role.name).join(" or ");

  const judging = judgeAssignments(
    plan.keep,
    registryMode(registry.roleAssignmentMode),
    ports,
    options,
  );
  let deleting: Promise<readonly boolean[]> = Promise.resolve([]);
  if (plan.remove.length === 0) {
    log.info(`No ${roleNames} assignment of the identity at ${registry.name}: nothing to remove.`);
  } else if (choice.dryRun) {
    for (const a of plan.remove) log.info(`Dry run: would remove ${a.id}${provenanceOf(a)}.`);
  } else {
    deleting = Promise.all(
      plan.remove.map(async (assignment) => {
        log.info(`Removing ${assignment.id}${provenanceOf(assignment)}.`);
        const { deleted } = await ports.roleAssignments.delete(assignment.id, options);
        if (!deleted) {
          log.info(`${assignment.id} was already gone: removed by someone else meanwhile.`);
        }
        return deleted;
      }),
    );
  }
  const [verdicts, deletedFlags] = await Promise.all([judging, deleting]);
  const removed = choice.dryRun
    ? plan.remove
    : plan.remove.filter((_, index) => deletedFlags[index] === true);
  const alreadyGone = choice.dryRun ? [] : plan.remove.filter((a) => !removed.includes(a));
  const stillGranting = verdicts.filter((verdict) => verdict.grantsPull);
  for (const { assignment, roleName } of stillGranting) {
    log.warning(
      `The identity can still pull from ${registry.name}: ${roleName} at ${assignment.scope} ` +
        `(${assignment.id}) stays, as detach only removes the pull role at the registry itself.`,
    );
  }
  const removedCount = choice.dryRun ? 0 : removed.length;
  return {
    registry,
    identity,
    roles,
    removed,
    alreadyGone,
    stillGranting,
    changed: removedCount > 0,
    plannedChanges: choice.dryRun ? plan.remove.length : 0,
    dryRun: choice.dryRun,
  };
}

export function detachRegistries(
  request: DetachRegistriesRequest,
  ports: AzurePorts,
  options: RunOptions,
): Promise<PipelineRun<DetachResult>> {
  return forEachRegistry(request, ports, options, (context, target, runPorts) =>
    detachFrom(context, target, request, runPorts, options),
  );
}

/** Detach for one registry: its result, or its failure thrown. */
export async function detach(
  request: DetachRequest,
  ports: AzurePorts,
  options: RunOptions,
): Promise<DetachResult> {
  const run = await detachRegistries(
    { ...request, registries: [request.registry] },
    ports,
    options,
  );
  return onlyResult(run);
}
