import { ActionError } from "../errors.ts";
import type { AzurePorts, CallOptions, Cluster, PullIdentity, Registry } from "../domain/ports.ts";
import { PULL_PERMISSION } from "../domain/access.ts";
import { isScopeAtOrAbove } from "../domain/resource-id.ts";
import { BuiltInRoles, registryMode, type RegistryMode } from "../domain/roles.ts";
import { Inputs } from "../names.ts";
import { judgeAssignments, type AssignmentVerdict } from "./access.ts";
import { provenanceOf } from "./detach.ts";
import {
  onlyResult,
  forEachRegistry,
  type ClusterContext,
  type PipelineRun,
  type RegistriesRequest,
  type RegistryTarget,
  type RunOptions,
} from "./pipeline.ts";
import { describeIdentity, registryWarnings, type TargetRequest } from "./target.ts";

export interface CheckRegistriesRequest extends Omit<RegistriesRequest, "create"> {
  /** Fail the step when the cluster cannot pull (the input's default), or only warn. */
  readonly failOnMissing?: boolean;
}

/** One registry, as the single-registry callers (and their tests) ask. */
export interface CheckRequest extends TargetRequest {
  readonly subscriptionId: string;
  readonly failOnMissing?: boolean;
}

/** A check of every registry, and the run's failure when the cluster cannot pull from one. */
export interface CheckRun extends PipelineRun<CheckResult> {
  /** Set (with `failOnMissing`) when the cluster cannot pull from some registry. */
  readonly failure?: ActionError;
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
}

/**
 * Can the cluster's pull identity pull from the registry? Every assignment of that identity at
 * the registry or above is judged by its role's permissions against what pulling needs in the
 * registry's mode; when none grants it, the reasons say why. The assignments were read with the
 * cluster (every principal's), so this costs only the role definitions, read at once.
 */
export async function checkAgainst(
  { cluster, identity }: ClusterContext,
  { registry, assignments }: RegistryTarget,
  ports: AzurePorts,
  options: CallOptions & { log: RunOptions["log"] },
): Promise<CheckResult> {
  const mode = registryMode(registry.roleAssignmentMode);
  const controlPlaneId = cluster.controlPlanePrincipalId;
  const applying = (principalId: string) =>
    assignments.filter(
      (a) =>
        a.principalId.toLowerCase() === principalId.toLowerCase() &&
        isScopeAtOrAbove(a.scope, registry.id),
    );
  const own = applying(identity.objectId);
  const controlPlane =
    controlPlaneId && controlPlaneId.toLowerCase() !== identity.objectId.toLowerCase()
      ? applying(controlPlaneId)
      : [];
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
  return {
    cluster,
    registry,
    identity,
    mode,
    hasPullAccess: granting.length > 0,
    verdicts,
    reasons,
    warnings,
  };
}

export async function checkRegistries(
  request: CheckRegistriesRequest,
  ports: AzurePorts,
  options: RunOptions,
): Promise<CheckRun> {
  const run = await forEachRegistry(request, ports, options, (context, target, runPorts) =>
    checkAgainst(context, target, runPorts, options),
  );
  const cannot = run.items.flatMap((item) =>
    item.result && !item.result.hasPullAccess ? [item.result] : [],
  );
  if (cannot.length === 0) return run;
  const message = cannot
    .map(
      (result) =>
        `Cluster '${request.clusterName}' cannot pull from ${result.registry.loginServer}: ` +
        result.reasons.join(" "),
    )
    .join("\n");
  if (!(request.failOnMissing ?? true)) {
    options.log.warning(message);
    return run;
  }
  return {
    ...run,
    failure: new ActionError(message, {
      remedy: `Run this action with '${Inputs.Mode}: attach', or set '${Inputs.FailOnMissing}: false' to only report.`,
    }),
  };
}

/** Check for one registry: its result, or its failure thrown. */
export async function check(
  request: CheckRequest,
  ports: AzurePorts,
  options: RunOptions,
): Promise<CheckResult> {
  const run = await checkRegistries({ ...request, registries: [request.registry] }, ports, options);
  return onlyResult(run);
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
