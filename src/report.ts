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
  type SummaryRegistry,
} from "./summary.ts";
import type { AttachOutcome, AttachResult } from "./workflows/attach.ts";
import type { CheckResult, CheckRun } from "./workflows/check.ts";
import type { DetachResult } from "./workflows/detach.ts";
import type { PipelineRun, RegistryItem } from "./workflows/pipeline.ts";

/** What the summary needs beyond a workflow's result: the run's own settings. */
export interface ReportContext {
  readonly mode: SummaryMode;
  readonly dryRun: boolean;
  readonly clusterName: string;
  readonly resourceGroup: string;
  /** The cluster's subscription, when known: names the cluster's full id in the summary. */
  readonly subscriptionId?: string | undefined;
  /** The registries as the user named them, for a failure before they were read. */
  readonly registries?: readonly RegistryRef[] | undefined;
  /** The role as the user chose it, for a failure before it was resolved. */
  readonly role?: RoleChoice | undefined;
}

/**
 * A failure the job summary already explains (a registry that failed, check's "cannot pull",
 * each with its reasons and fix): the step fails with it, and no second summary repeats it.
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

/**
 * A single-value output about the first registry, set only when that registry was read: a
 * registry that failed (or an answer that was refused) leaves it unset, not empty.
 */
function setKnown(name: (typeof Outputs)[keyof typeof Outputs], value: string | undefined): void {
  if (value !== undefined && value !== "") core.setOutput(name, value);
}

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

/** One registry of an attach run. */
function attachRegistry(result: AttachResult): SummaryRegistry {
  const creation = result.registryCreation;
  return {
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
        description: result.assignmentDescription,
      },
    ],
    ...(creation ? { creation: creation.planned ? "would-create" : "created" } : {}),
    reasons: [],
    notes: creation
      ? [
          `${creation.planned ? "Would create" : "Created"} the registry ${result.registry.name} ` +
            `in ${result.registry.location}, SKU ${creation.sku}.`,
        ]
      : [],
    warnings: result.warnings,
  };
}

/** One registry of a detach run. */
function detachRegistry(result: DetachResult): SummaryRegistry {
  const removed: AssignmentState = result.dryRun ? "would-remove" : "removed";
  const roleNames = result.roles.map((role) => role.name).join(" or ");
  const roleOf = (roleDefinitionId: string) =>
    result.roles.find((role) => isRole(roleDefinitionId, role))?.name ?? roleNames;
  let outcome: SummaryOutcome = "nothing-to-remove";
  if (result.removed.length > 0) outcome = result.dryRun ? "would-remove" : "removed";
  const removedRoles = [...new Set(result.removed.map((a) => roleOf(a.roleDefinitionId)))];
  return {
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
  };
}

/** One registry of a check run; `fix` is set when the step fails because it cannot pull. */
function checkRegistry(result: CheckResult, fix: string | undefined): SummaryRegistry {
  const granting = result.verdicts.filter((v) => v.grantsPull);
  const atRegistry = granting.find(
    (v) => v.assignment.scope.toLowerCase() === result.registry.id.toLowerCase(),
  );
  const shown = atRegistry ?? granting[0];
  return {
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
      fix === undefined || result.hasPullAccess
        ? undefined
        : { message: `The cluster cannot pull from ${result.registry.loginServer}.`, remedy: fix },
  };
}

/** A registry that failed: what the user named (and what was found of it), and the error. */
function failedRegistry(item: RegistryItem<unknown>): SummaryRegistry {
  const entry = item.entry;
  return {
    name: item.registry?.name ?? (entry.kind === "id" ? entry.name : item.label),
    loginServer: item.registry?.loginServer,
    id: item.registry?.id ?? (entry.kind === "id" ? entry.id : undefined),
    outcome: "failed",
    assignments: [],
    reasons: [],
    notes: [],
    warnings: [],
    error: item.error && {
      message: item.error.message,
      ...(item.error.remedy === undefined ? {} : { remedy: item.error.remedy }),
    },
  };
}

function runSummary<R>(
  mode: SummaryMode,
  run: PipelineRun<R>,
  context: ReportContext,
  dryRun: boolean,
  ofResult: (result: R) => SummaryRegistry,
): SummaryModel {
  return {
    mode,
    dryRun,
    cluster: { name: run.cluster.name, id: run.cluster.id, resourceGroup: context.resourceGroup },
    identity: identityOf(run.identity),
    registries: run.items.map((item) =>
      item.result === undefined ? failedRegistry(item) : ofResult(item.result),
    ),
  };
}

/** The summary of an attach run: one registry each. */
export function attachSummary(
  run: PipelineRun<AttachResult>,
  context: ReportContext,
): SummaryModel {
  const planned = run.items.some(
    (item) => item.result?.outcome === "planned" || item.result?.registryCreation?.planned,
  );
  return runSummary("attach", run, context, context.dryRun || planned, attachRegistry);
}

/** The summary of a detach run: one registry each. */
export function detachSummary(
  run: PipelineRun<DetachResult>,
  context: ReportContext,
): SummaryModel {
  const dryRun = context.dryRun || run.items.some((item) => item.result?.dryRun === true);
  return runSummary("detach", run, context, dryRun, detachRegistry);
}

/** The summary of a check run: one registry each, with the fix when the step fails. */
export function checkSummary(run: CheckRun, context: ReportContext): SummaryModel {
  const fix = run.failure?.remedy;
  return runSummary("check", run, context, false, (result) => checkRegistry(result, fix));
}

/** "message\nHow to fix: remedy" (as errors.ts describes a failure) back into its two parts. */
function splitFailure(message: string): SummaryFailure {
  const marker = "\nHow to fix: ";
  const at = message.indexOf(marker);
  return at < 0
    ? { message }
    : { message: message.slice(0, at), remedy: message.slice(at + marker.length) };
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
    registries: (context?.registries ?? []).map((ref) => ({
      name: ref.name,
      id: ref.kind === "id" ? ref.id : undefined,
      role: requestedRole(context?.role),
      outcome: "failed" as const,
      assignments: [],
      reasons: [],
      notes: [],
      warnings: [],
    })),
    failure,
  };
}

/** One element of the `registries` output. */
export interface RegistryReport {
  readonly name: string;
  readonly loginServer: string;
  readonly id: string;
  readonly role: string;
  readonly outcome: SummaryOutcome;
  readonly changed: boolean;
  readonly roleAssignmentId: string;
  /** Attach: `created` when this run created the registry, `would-create` on a dry run. */
  readonly registry?: "created" | "would-create";
  /** Detach: the assignments removed (on a dry run: that would be removed). */
  readonly assignmentIds?: readonly string[];
  /** Check: why the cluster cannot pull. */
  readonly reasons?: readonly string[];
  readonly error?: string;
}

function failedReport(item: RegistryItem<unknown>): RegistryReport {
  const entry = item.entry;
  return {
    name: item.registry?.name ?? (entry.kind === "id" ? entry.name : item.label),
    loginServer: item.registry?.loginServer ?? "",
    id: item.registry?.id ?? (entry.kind === "id" ? entry.id : ""),
    role: "",
    outcome: "failed",
    changed: false,
    roleAssignmentId: "",
    error: item.error?.message ?? "",
  };
}

/** The outputs every mode sets: the first registry's, the identity, and the JSON array. */
function setCommonOutputs(run: PipelineRun<unknown>, reports: readonly RegistryReport[]) {
  const first = run.items[0]?.registry;
  setKnown(Outputs.LoginServer, first?.loginServer);
  setKnown(Outputs.RegistryId, first?.id);
  core.setOutput(Outputs.PrincipalId, run.identity.objectId);
  core.setOutput(Outputs.Registries, JSON.stringify(reports));
}

function resultsOf<R>(run: PipelineRun<R>): R[] {
  return run.items.flatMap((item) => (item.result === undefined ? [] : [item.result]));
}

export async function reportAttach(
  run: PipelineRun<AttachResult>,
  context: ReportContext,
): Promise<void> {
  const reports = run.items.map((item): RegistryReport => {
    const result = item.result;
    if (!result) return failedReport(item);
    const creation = result.registryCreation;
    return {
      name: result.registry.name,
      loginServer: result.registry.loginServer,
      id: result.registry.id,
      role: result.role.name,
      outcome: ATTACH_OUTCOMES[result.outcome],
      changed: result.changed,
      roleAssignmentId: result.assignmentId,
      ...(creation ? { registry: creation.planned ? "would-create" : "created" } : {}),
    };
  });
  setCommonOutputs(run, reports);
  const results = resultsOf(run);
  setKnown(Outputs.RoleAssignmentId, run.items[0]?.result?.assignmentId);
  core.setOutput(Outputs.Changed, String(results.some((r) => r.changed)));
  core.setOutput(
    Outputs.PlannedChanges,
    String(results.reduce((sum, r) => sum + r.plannedChanges, 0)),
  );
  await writeSummary(attachSummary(run, context));
}

export async function reportDetach(
  run: PipelineRun<DetachResult>,
  context: ReportContext,
): Promise<void> {
  const reports = run.items.map((item): RegistryReport => {
    const result = item.result;
    if (!result) return failedReport(item);
    let outcome: SummaryOutcome = "nothing-to-remove";
    if (result.removed.length > 0) outcome = result.dryRun ? "would-remove" : "removed";
    return {
      name: result.registry.name,
      loginServer: result.registry.loginServer,
      id: result.registry.id,
      role: result.roles.map((role) => role.name).join(" or "),
      outcome,
      changed: result.changed,
      roleAssignmentId: result.removed[0]?.id ?? "",
      assignmentIds: result.removed.map((a) => a.id),
    };
  });
  setCommonOutputs(run, reports);
  const results = resultsOf(run);
  setKnown(Outputs.RoleAssignmentId, run.items[0]?.result?.removed[0]?.id);
  core.setOutput(Outputs.Changed, String(results.some((r) => r.changed)));
  core.setOutput(
    Outputs.PlannedChanges,
    String(results.reduce((sum, r) => sum + r.plannedChanges, 0)),
  );
  core.setOutput(
    Outputs.RemovedAssignmentIds,
    JSON.stringify(results.flatMap((r) => (r.dryRun ? [] : r.removed.map((a) => a.id)))),
  );
  await writeSummary(detachSummary(run, context));
}

/** The `reasons` output: each reason once, led by its registry when there are several. */
function reasonsOf(run: PipelineRun<CheckResult>): string[] {
  const several = run.items.length > 1;
  return run.items.flatMap((item) => {
    const server = item.registry?.loginServer;
    const name = item.registry?.name ?? item.label;
    const lead = several ? `${server ? `${name} (${server})` : name}: ` : "";
    if (item.error) return [`${lead}${item.error.message}`];
    return (item.result?.reasons ?? []).map((reason) => `${lead}${reason}`);
  });
}

/** Outputs and summary of a check. */
export async function reportCheck(run: CheckRun, context: ReportContext): Promise<void> {
  const reports = run.items.map((item): RegistryReport => {
    const result = item.result;
    if (!result) return failedReport(item);
    const granting = result.verdicts.find((v) => v.grantsPull);
    return {
      name: result.registry.name,
      loginServer: result.registry.loginServer,
      id: result.registry.id,
      role: granting?.roleName ?? "",
      outcome: result.hasPullAccess ? "can-pull" : "cannot-pull",
      changed: false,
      roleAssignmentId: granting?.assignment.id ?? "",
      reasons: result.reasons,
    };
  });
  setCommonOutputs(run, reports);
  const allCanPull = run.items.every((item) => item.result?.hasPullAccess === true);
  core.setOutput(Outputs.HasPullAccess, String(allCanPull));
  core.setOutput(
    Outputs.RoleAssignmentId,
    run.items[0]?.result?.verdicts.find((v) => v.grantsPull)?.assignment.id ?? "",
  );
  core.setOutput(Outputs.Changed, "false");
  core.setOutput(Outputs.Reasons, JSON.stringify(reasonsOf(run)));
  await writeSummary(checkSummary(run, context));
}

/** A failed run still leaves a summary that says what went wrong and how to fix it. */
export async function reportFailure(message: string, context?: ReportContext): Promise<void> {
  await writeSummary(failureSummary(message, context));
}
