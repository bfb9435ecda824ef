import * as core from "@actions/core";
import type { PullIdentity, Registry, RegistryRef } from "./domain/ports.ts";
import { BuiltInRoles, isRole, type RoleChoice } from "./domain/roles.ts";
import { ActionError } from "./errors.ts";
import { Outputs } from "./names.ts";
import {
  describeScope,
  renderSummary,
  type AssignmentState,
  type SummaryFailure,
  type SummaryMode,
  type SummaryModel,
  type SummaryOutcome,
} from "./summary.ts";
import type { AttachOutcome, AttachResult } from "./workflows/attach.ts";
import type { CheckResult } from "./workflows/check.ts";
import type { DetachResult } from "./workflows/detach.ts";

/** What the summary needs beyond a workflow's result: the run's own settings. */
export interface ReportContext {
  readonly mode: SummaryMode;
  readonly dryRun: boolean;
  readonly clusterName: string;
  readonly resourceGroup: string;
  /** The cluster's subscription, when known: names the cluster's full id in the summary. */
  readonly subscriptionId?: string | undefined;
  /** The registry as the user named it, for a failure before it was read. */
  readonly registry?: RegistryRef | undefined;
  /** The role as the user chose it, for a failure before it was resolved. */
  readonly role?: RoleChoice | undefined;
}

/**
 * A failure the job summary already explains (check's "cannot pull", with its reasons and fix):
 * the step fails with it, and no second summary repeats it.
 */
export class ReportedFailure extends ActionError {}

const ATTACH_OUTCOMES: Readonly<Record<AttachOutcome, SummaryOutcome>> = {
  created: "granted",
  "already-assigned": "already-granted",
  inherited: "inherited",
  "created-concurrently": "granted-concurrently",
  planned: "would-grant",
};

const ATTACH_STATES: Readonly<Record<AttachOutcome, AssignmentState>> = {
  created: "created",
  "already-assigned": "found",
  inherited: "found",
  "created-concurrently": "found",
  planned: "would-create",
};

function clusterOf(context: ReportContext): SummaryModel["cluster"] {
  const id = context.subscriptionId
    ? `/subscriptions/${context.subscriptionId}/resourceGroups/${context.resourceGroup}` +
      `/providers/Microsoft.ContainerService/managedClusters/${context.clusterName}`
    : undefined;
  return { name: context.clusterName, id, resourceGroup: context.resourceGroup };
}

function identityOf(identity: PullIdentity): SummaryModel["identity"] {
  return { kind: identity.kind, objectId: identity.objectId, clientId: identity.clientId };
}

function registryOf(registry: Registry) {
  return { name: registry.name, loginServer: registry.loginServer, id: registry.id };
}

/** Writes the summary, when the runner gave the step a summary file. */
async function writeSummary(model: SummaryModel): Promise<void> {
  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  await core.summary.addRaw(renderSummary(model)).write();
}

/** The summary of an attach run, one registry. */
export function attachSummary(result: AttachResult, context: ReportContext): SummaryModel {
  return {
    mode: "attach",
    dryRun: context.dryRun || result.outcome === "planned",
    cluster: clusterOf(context),
    identity: identityOf(result.identity),
    registries: [
      {
        ...registryOf(result.registry),
        role: result.role.name,
        outcome: ATTACH_OUTCOMES[result.outcome],
        scope: result.assignmentScope,
        assignments: [
          {
            id: result.assignmentId,
            scope: result.assignmentScope,
            role: result.role.name,
            state: ATTACH_STATES[result.outcome],
          },
        ],
        reasons: [],
        notes: [],
        warnings: result.warnings,
      },
    ],
  };
}

/** The summary of a detach run, one registry. */
export function detachSummary(result: DetachResult, context: ReportContext): SummaryModel {
  const removed: AssignmentState = result.dryRun ? "would-remove" : "removed";
  const roleNames = result.roles.map((role) => role.name).join(" or ");
  const roleOf = (roleDefinitionId: string) =>
    result.roles.find((role) => isRole(roleDefinitionId, role))?.name ?? roleNames;
  let outcome: SummaryOutcome = "nothing-to-remove";
  if (result.removed.length > 0) outcome = result.dryRun ? "would-remove" : "removed";
  const removedRoles = [...new Set(result.removed.map((a) => roleOf(a.roleDefinitionId)))];
  return {
    mode: "detach",
    dryRun: result.dryRun,
    cluster: clusterOf(context),
    identity: identityOf(result.identity),
    registries: [
      {
        ...registryOf(result.registry),
        role: removedRoles.length > 0 ? removedRoles.join(", ") : roleNames,
        outcome,
        scope: result.registry.id,
        assignments: [
          ...result.removed.map((a) => ({
            id: a.id,
            scope: a.scope,
            role: roleOf(a.roleDefinitionId),
            state: removed,
            description: a.description,
          })),
          ...result.stillGranting.map(({ assignment, roleName }) => ({
            id: assignment.id,
            scope: assignment.scope,
            role: roleName,
            state: "left-in-place" as const,
            description: assignment.description,
          })),
        ],
        reasons: [],
        notes: [
          ...result.alreadyGone.map(
            (assignment) =>
              `Already gone (removed by someone else meanwhile, not by this run): ${assignment.id}.`,
          ),
          ...result.stillGranting.map(
            ({ roleName, assignment }) =>
              `Still grants pull (left in place): ${roleName} at ${describeScope(assignment.scope)}.`,
          ),
        ],
        warnings: [],
      },
    ],
  };
}

/** The summary of a check run, one registry; `fix` is set when the step fails for it. */
export function checkSummary(
  result: CheckResult,
  context: ReportContext,
  fix?: string,
): SummaryModel {
  const granting = result.verdicts.filter((v) => v.grantsPull);
  const atRegistry = granting.find(
    (v) => v.assignment.scope.toLowerCase() === result.registry.id.toLowerCase(),
  );
  const shown = atRegistry ?? granting[0];
  return {
    mode: "check",
    dryRun: false,
    cluster: {
      name: result.cluster.name,
      id: result.cluster.id,
      resourceGroup: context.resourceGroup,
    },
    identity: identityOf(result.identity),
    registries: [
      {
        ...registryOf(result.registry),
        role: shown
          ? shown.roleName
          : result.mode === "abac"
            ? BuiltInRoles.RepositoryReader.name
            : BuiltInRoles.AcrPull.name,
        outcome: result.hasPullAccess ? "can-pull" : "cannot-pull",
        scope: shown?.assignment.scope,
        assignments: result.verdicts.map((v) => ({
          id: v.assignment.id,
          scope: v.assignment.scope,
          role: v.roleName,
          state: v.grantsPull ? "grants-pull" : "does-not-grant-pull",
          description: v.assignment.description,
        })),
        reasons: result.reasons,
        notes: [],
        warnings: result.warnings,
        error:
          fix === undefined
            ? undefined
            : {
                message: `The cluster cannot pull from ${result.registry.loginServer}.`,
                remedy: fix,
              },
      },
    ],
  };
}

/** "message\nHow to fix: remedy" (as errors.ts describes a failure) back into its two parts. */
function splitFailure(message: string): SummaryFailure {
  const marker = "\nHow to fix: ";
  const at = message.indexOf(marker);
  return at < 0
    ? { message }
    : { message: message.slice(0, at), remedy: message.slice(at + marker.length) };
}

function requestedRegistryName(ref: RegistryRef): string {
  return ref.kind === "name" ? ref.name : (ref.id.split("/").at(-1) ?? ref.id);
}

function requestedRole(role: RoleChoice | undefined): string | undefined {
  if (!role || role.kind === "auto") return undefined;
  return role.kind === "name" ? role.name : role.guid;
}

/** The summary of a failed run: what was asked, what failed, and how to fix it. */
export function failureSummary(message: string, context?: ReportContext): SummaryModel {
  const failure = splitFailure(message);
  return {
    mode: context?.mode ?? "attach",
    dryRun: context?.dryRun ?? false,
    cluster: context ? clusterOf(context) : { name: "the cluster" },
    identity: undefined,
    registries: context?.registry
      ? [
          {
            name: requestedRegistryName(context.registry),
            id: context.registry.kind === "id" ? context.registry.id : undefined,
            role: requestedRole(context.role),
            outcome: "failed",
            assignments: [],
            reasons: [],
            notes: [],
            warnings: [],
          },
        ]
      : [],
    failure,
  };
}

function setCommonOutputs(result: {
  registry: AttachResult["registry"];
  identity: AttachResult["identity"];
}) {
  core.setOutput(Outputs.LoginServer, result.registry.loginServer);
  core.setOutput(Outputs.RegistryId, result.registry.id);
  core.setOutput(Outputs.PrincipalId, result.identity.objectId);
}

export async function reportAttach(result: AttachResult, context: ReportContext): Promise<void> {
  setCommonOutputs(result);
  core.setOutput(Outputs.RoleAssignmentId, result.assignmentId);
  core.setOutput(Outputs.Changed, String(result.changed));
  core.setOutput(Outputs.PlannedChanges, String(result.plannedChanges));
  await writeSummary(attachSummary(result, context));
}

export async function reportDetach(result: DetachResult, context: ReportContext): Promise<void> {
  setCommonOutputs(result);
  core.setOutput(Outputs.Changed, String(result.changed));
  core.setOutput(Outputs.PlannedChanges, String(result.plannedChanges));
  core.setOutput(
    Outputs.RemovedAssignmentIds,
    JSON.stringify(result.dryRun ? [] : result.removed.map((a) => a.id)),
  );
  await writeSummary(detachSummary(result, context));
}

/** Outputs and summary of a check; then the run fails when the check says it must. */
export async function reportCheck(result: CheckResult, context: ReportContext): Promise<void> {
  setCommonOutputs(result);
  const granting = result.verdicts.find((v) => v.grantsPull);
  core.setOutput(Outputs.HasPullAccess, String(result.hasPullAccess));
  core.setOutput(Outputs.RoleAssignmentId, granting?.assignment.id ?? "");
  core.setOutput(Outputs.Changed, "false");
  await writeSummary(checkSummary(result, context, result.failure?.remedy));
  // The summary already gives the reasons and the fix: the failure does not repeat them there.
  if (result.failure) {
    throw new ReportedFailure(result.failure.message, {
      ...(result.failure.remedy === undefined ? {} : { remedy: result.failure.remedy }),
    });
  }
}

/** A failed run still leaves a summary that says what went wrong and how to fix it. */
export async function reportFailure(message: string, context?: ReportContext): Promise<void> {
  await writeSummary(failureSummary(message, context));
}
