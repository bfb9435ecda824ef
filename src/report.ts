import * as core from "@actions/core";
import { ActionError } from "./errors.ts";
import { Outputs } from "./names.ts";
import { describeIdentity } from "./workflows/target.ts";
import type { AttachOutcome, AttachResult } from "./workflows/attach.ts";
import type { CheckResult } from "./workflows/check.ts";
import type { DetachResult } from "./workflows/detach.ts";
import type { PipelineRun, RegistryItem } from "./workflows/pipeline.ts";

/**
 * A failure the job summary already explains (the registries that failed are in its table):
 * the step fails with it, and no second summary repeats it.
 */
export class ReportedFailure extends ActionError {}

const ATTACH_OUTCOMES: Readonly<Record<AttachOutcome, string>> = {
  created: "granted",
  "already-assigned": "already granted: no change",
  inherited: "already granted above the registry: no change",
  "created-concurrently": "granted by a concurrent run: no change",
  planned: "would grant (dry run): no change",
};

/** The `outcome` of each registry in the `registries` output. */
export type RegistryOutcome =
  | "granted"
  | "already-granted"
  | "inherited"
  | "granted-concurrently"
  | "would-grant"
  | "removed"
  | "nothing-to-remove"
  | "would-remove"
  | "can-pull"
  | "cannot-pull"
  | "failed";

const ATTACH_OUTPUT_OUTCOMES: Readonly<Record<AttachOutcome, RegistryOutcome>> = {
  created: "granted",
  "already-assigned": "already-granted",
  inherited: "inherited",
  "created-concurrently": "granted-concurrently",
  planned: "would-grant",
};

/** One element of the `registries` output. */
export interface RegistryReport {
  readonly name: string;
  readonly loginServer: string;
  readonly id: string;
  readonly role: string;
  readonly outcome: RegistryOutcome;
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

/** The summary is HTML: escape whatever came from Azure or the user. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface SummaryRow {
  readonly registry: string;
  readonly identity: string;
  readonly role: string;
  readonly scope: string;
  readonly happened: string;
}

/** One table (registry, identity, role, scope, what happened) and notes below it. */
async function writeSummary(title: string, rows: readonly SummaryRow[], notes: readonly string[]) {
  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  const header = ["Registry", "Identity", "Role", "Scope", "What happened"].map((data) => ({
    data,
    header: true,
  }));
  const cells = rows.map((row) =>
    [row.registry, row.identity, row.role, row.scope, row.happened].map(escapeHtml),
  );
  const summary = core.summary.addHeading(`AKS ← ACR: ${title}`, 3).addTable([header, ...cells]);
  if (notes.length > 0) summary.addList(notes.map(escapeHtml));
  await summary.write();
}

function registryCell(item: RegistryItem<unknown>): string {
  const registry = item.registry;
  if (!registry) return item.label;
  return registry.loginServer ? `${registry.name} (${registry.loginServer})` : registry.name;
}

/** The outputs every mode sets: the first registry's, the identity, and the JSON array. */
function setCommonOutputs(run: PipelineRun<unknown>, reports: readonly RegistryReport[]) {
  const first = run.items[0]?.registry;
  core.setOutput(Outputs.LoginServer, first?.loginServer ?? "");
  core.setOutput(Outputs.RegistryId, first?.id ?? "");
  core.setOutput(Outputs.PrincipalId, run.identity.objectId);
  core.setOutput(Outputs.Registries, JSON.stringify(reports));
}

function failedReport(item: RegistryItem<unknown>): RegistryReport {
  return {
    name:
      item.registry?.name ??
      (item.entry.kind === "id" ? (item.entry.id.split("/").at(-1) ?? "") : item.label),
    loginServer: item.registry?.loginServer ?? "",
    id: item.registry?.id ?? (item.entry.kind === "id" ? item.entry.id : ""),
    role: "",
    outcome: "failed",
    changed: false,
    roleAssignmentId: "",
    error: item.error?.message ?? "",
  };
}

function failedRow(item: RegistryItem<unknown>, identity: string): SummaryRow {
  return {
    registry: registryCell(item),
    identity,
    role: "",
    scope: item.registry?.id ?? "",
    happened: `❌ failed: ${item.error?.message ?? ""}`,
  };
}

function failureNotes(items: readonly RegistryItem<unknown>[]): string[] {
  return items.flatMap((item) =>
    item.error?.remedy ? [`How to fix ${item.label}: ${item.error.remedy}`] : [],
  );
}

function describeCreation(result: AttachResult): string {
  const creation = result.registryCreation;
  if (!creation) return "";
  const where = `in ${result.registry.location}, SKU ${creation.sku}`;
  return creation.planned
    ? `would create registry ${result.registry.name} ${where} (dry run); `
    : `created registry ${result.registry.name} ${where}; `;
}

export async function reportAttach(run: PipelineRun<AttachResult>): Promise<void> {
  const identity = describeIdentity(run.identity);
  const reports = run.items.map((item): RegistryReport => {
    const result = item.result;
    if (!result) return failedReport(item);
    const creation = result.registryCreation;
    return {
      name: result.registry.name,
      loginServer: result.registry.loginServer,
      id: result.registry.id,
      role: result.role.name,
      outcome: ATTACH_OUTPUT_OUTCOMES[result.outcome],
      changed: result.changed,
      roleAssignmentId: result.assignmentId,
      ...(creation ? { registry: creation.planned ? "would-create" : "created" } : {}),
    };
  });
  setCommonOutputs(run, reports);
  const results = run.items.flatMap((item) => (item.result ? [item.result] : []));
  core.setOutput(Outputs.RoleAssignmentId, run.items[0]?.result?.assignmentId ?? "");
  core.setOutput(Outputs.Changed, String(results.some((r) => r.changed)));
  core.setOutput(
    Outputs.PlannedChanges,
    String(results.reduce((sum, r) => sum + r.plannedChanges, 0)),
  );
  const dryRun = results.some((r) => r.outcome === "planned" || r.registryCreation?.planned);
  const rows = run.items.map((item): SummaryRow => {
    const result = item.result;
    if (!result) return failedRow(item, identity);
    return {
      registry: registryCell(item),
      identity,
      role: result.role.name,
      scope: result.assignmentScope,
      happened: describeCreation(result) + ATTACH_OUTCOMES[result.outcome],
    };
  });
  await writeSummary(dryRun ? "attach (dry run)" : "attach", rows, [
    ...results.flatMap((r) => r.warnings.map((w) => `⚠️ ${w}`)),
    ...failureNotes(run.items),
  ]);
}

export async function reportDetach(run: PipelineRun<DetachResult>): Promise<void> {
  const identity = describeIdentity(run.identity);
  const reports = run.items.map((item): RegistryReport => {
    const result = item.result;
    if (!result) return failedReport(item);
    const outcome: RegistryOutcome =
      result.removed.length === 0
        ? "nothing-to-remove"
        : result.dryRun
          ? "would-remove"
          : "removed";
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
  const results = run.items.flatMap((item) => (item.result ? [item.result] : []));
  core.setOutput(Outputs.RoleAssignmentId, run.items[0]?.result?.removed[0]?.id ?? "");
  core.setOutput(Outputs.Changed, String(results.some((r) => r.changed)));
  core.setOutput(
    Outputs.PlannedChanges,
    String(results.reduce((sum, r) => sum + r.plannedChanges, 0)),
  );
  core.setOutput(
    Outputs.RemovedAssignmentIds,
    JSON.stringify(results.flatMap((r) => (r.dryRun ? [] : r.removed.map((a) => a.id)))),
  );
  const dryRun = results.some((r) => r.dryRun);
  const rows = run.items.map((item): SummaryRow => {
    const result = item.result;
    if (!result) return failedRow(item, identity);
    const names = result.removed.map((a) => a.name).join(", ");
    const count = `${result.removed.length} assignment${result.removed.length === 1 ? "" : "s"}`;
    return {
      registry: registryCell(item),
      identity,
      role: result.roles.map((role) => role.name).join(" or "),
      scope: result.registry.id,
      happened:
        result.removed.length === 0
          ? "nothing to remove: no change"
          : result.dryRun
            ? `would remove ${count} (dry run): ${names}`
            : `removed ${count}: ${names}`,
    };
  });
  const notes = results.flatMap((result) =>
    result.stillGranting.map(
      ({ roleName, assignment }) =>
        `Still grants pull on ${result.registry.name} (left in place): ${roleName} at ` +
        `${assignment.scope} (${assignment.id}).`,
    ),
  );
  await writeSummary(dryRun ? "detach (dry run)" : "detach", rows, [
    ...notes,
    ...failureNotes(run.items),
  ]);
}

/** The `reasons` output: each reason once, led by its registry when there are several. */
function reasonsOf(run: PipelineRun<CheckResult>): string[] {
  const several = run.items.length > 1;
  return run.items.flatMap((item) => {
    const lead = several ? `${registryCell(item)}: ` : "";
    if (item.error) return [`${lead}${item.error.message}`];
    return (item.result?.reasons ?? []).map((reason) => `${lead}${reason}`);
  });
}

export async function reportCheck(run: PipelineRun<CheckResult>): Promise<void> {
  const identity = describeIdentity(run.identity);
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
  // One row per registry: the role that grants pull, or the roles that do not.
  const rows = run.items.map((item): SummaryRow => {
    const result = item.result;
    if (!result) return failedRow(item, identity);
    const granting = result.verdicts.find((v) => v.grantsPull);
    const roles = result.verdicts.map((v) => v.roleName).join(", ");
    return {
      registry: registryCell(item),
      identity,
      role: granting?.roleName ?? (roles || "none"),
      scope: granting?.assignment.scope ?? result.registry.id,
      happened: granting
        ? "✅ grants pull"
        : result.verdicts.length === 0
          ? "❌ no role assigned"
          : "❌ does not grant pull",
    };
  });
  const notes = run.items.flatMap((item) => {
    const result = item.result;
    if (!result) return [];
    const server = result.registry.loginServer;
    return [
      result.hasPullAccess
        ? `✅ The cluster can pull from ${server}.`
        : `❌ The cluster cannot pull from ${server}: ${result.reasons.join(" ")}`,
      ...result.warnings.map((w) => `⚠️ ${w}`),
    ];
  });
  await writeSummary("check", rows, [...notes, ...failureNotes(run.items)]);
}

/** A failed run still leaves a summary that says what went wrong. */
export async function reportFailure(message: string): Promise<void> {
  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  await core.summary.addHeading("AKS ← ACR: failed", 3).addCodeBlock(escapeHtml(message)).write();
}
