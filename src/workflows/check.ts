import { ActionError } from "../errors.ts";
import type { AzurePorts, Cluster, PullIdentity, Registry } from "../domain/ports.ts";
import { isScopeAtOrAbove } from "../domain/resource-id.ts";
import { BuiltInRoles, registryMode, type RegistryMode } from "../domain/roles.ts";
import { Inputs } from "../names.ts";
import { judgeAssignments, type AssignmentVerdict } from "./access.ts";
import { PULL_PERMISSION } from "../domain/access.ts";
import { provenanceOf } from "./detach.ts";
import {
  describeIdentity,
  registryWarnings,
  resolveTarget,
  type TargetRequest,
  type WorkflowOptions,
} from "./target.ts";

export interface CheckRequest extends TargetRequest {
  /** Fail the step when the cluster cannot pull (the input's default), or only warn. */
  readonly failOnMissing?: boolean;
}

export interface CheckResult {
  readonly cluster: Cluster;
  readonly registry: Registry;
  readonly identity: PullIdentity;
  readonly mode: RegistryMode;
  readonly hasPullAccess: boolean;
  /** The pull identity's assignments that apply to the registry, with their verdicts. */
  readonly verdicts: readonly AssignmentVerdict[];
  /** Why the identity cannot pull (empty when it can). */
  readonly reasons: readonly string[];
  /** What breaks pulls although the role assignments are right. */
  readonly warnings: readonly string[];
  /**
   * Set when the cluster cannot pull and `failOnMissing` holds: the step's failure, raised by the
   * report once the outputs and the summary are written.
   */
  readonly failure?: ActionError;
}

/**
 * Can the cluster's pull identity pull from the registry? Every assignment of that identity at
 * the registry or above is judged by its role's permissions against what pulling needs in the
 * registry's mode; when none grants it, the reasons say why, as a warning or (`failOnMissing`)
 * as the run's failure.
 */
export async function check(
  request: CheckRequest,
  ports: AzurePorts,
  options: WorkflowOptions,
): Promise<CheckResult> {
  const { cluster, registry, identity } = await resolveTarget(request, ports, options);
  const mode = registryMode(registry.roleAssignmentMode);
  const controlPlaneId = cluster.controlPlanePrincipalId;
  const applying = (principalId: string) => async () =>
    (await ports.roleAssignments.listForPrincipal(registry.id, principalId, options)).filter(
      (a) =>
        a.principalId.toLowerCase() === principalId.toLowerCase() &&
        isScopeAtOrAbove(a.scope, registry.id),
    );
  const [own, controlPlane] = await Promise.all([
    applying(identity.objectId)(),
    controlPlaneId && controlPlaneId.toLowerCase() !== identity.objectId.toLowerCase()
      ? applying(controlPlaneId)()
      : [],
  ]);
  const judged = await judgeAssignments([...own, ...controlPlane], mode, ports, options);
  const verdicts = judged.slice(0, own.length);
  const controlPlaneVerdicts = judged.slice(own.length);
  const granting = verdicts.filter((v) => v.grantsPull);

  for (const v of verdicts) {
    options.log.info(
      `${v.roleName} at ${v.assignment.scope}: ${v.grantsPull ? "grants pull" : "does not grant pull"}` +
        `${provenanceOf(v.assignment)}.`,
    );
  }
  const reasons =
    granting.length > 0 ? [] : explainNoAccess(identity, mode, verdicts, controlPlaneVerdicts);
  const warnings = registryWarnings({ cluster, registry });
  for (const warning of warnings) options.log.warning(warning);
  const hasPullAccess = granting.length > 0;
  let failure: ActionError | undefined;
  if (!hasPullAccess) {
    const message =
      `Cluster '${request.clusterName}' cannot pull from ${registry.loginServer}: ` +
      reasons.join(" ");
    if (request.failOnMissing ?? true) {
      failure = new ActionError(message, {
        remedy: `Run this action with '${Inputs.Mode}: attach', or set '${Inputs.FailOnMissing}: false' to only report.`,
      });
    } else {
      options.log.warning(message);
    }
  }
  return {
    cluster,
    registry,
    identity,
    mode,
    hasPullAccess,
    verdicts,
    reasons,
    warnings,
    ...(failure ? { failure } : {}),
  };
}

function explainNoAccess(
  identity: PullIdentity,
  mode: RegistryMode,
  verdicts: readonly AssignmentVerdict[],
  controlPlaneVerdicts: readonly AssignmentVerdict[],
): string[] {
  const reasons: string[] = [];
  const needed = PULL_PERMISSION[mode].operation;
  for (const v of verdicts.filter((verdict) => verdict.grantsPullInOtherMode)) {
    reasons.push(
      mode === "abac"
        ? `${v.roleName} at ${v.assignment.scope} does not work on this registry: it uses ABAC ` +
            `repository permissions, which ignore AcrPull-style roles. Grant ` +
            `'${BuiltInRoles.RepositoryReader.name}' instead (${Inputs.Mode}: attach, ${Inputs.Role}: auto).`
        : `${v.roleName} at ${v.assignment.scope} grants repository data actions, which only ABAC ` +
            `registries honour; this registry needs ${BuiltInRoles.AcrPull.name}.`,
    );
  }
  for (const v of controlPlaneVerdicts.filter((verdict) => verdict.grantsPull)) {
    reasons.push(
      `${v.roleName} at ${v.assignment.scope} is granted to the cluster's control-plane identity ` +
        `(${v.assignment.principalId}), but nodes pull as the ${describeIdentity(identity)}.`,
    );
  }
  const unrelated = verdicts.filter((v) => !v.grantsPullInOtherMode);
  if (unrelated.length > 0) {
    reasons.push(
      `The identity's roles on the registry (${unrelated.map((v) => v.roleName).join(", ")}) ` +
        `do not include '${needed}'.`,
    );
  }
  if (verdicts.length === 0 && controlPlaneVerdicts.every((v) => !v.grantsPull)) {
    reasons.push(
      `No role is assigned to the ${describeIdentity(identity)} on the registry or above it.`,
    );
  }
  return reasons;
}
