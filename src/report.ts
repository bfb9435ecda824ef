import * as core from "@actions/core";
import { Outputs } from "./names.ts";
import { describeIdentity } from "./workflows/target.ts";
import type { AttachOutcome, AttachResult } from "./workflows/attach.ts";
import type { CheckResult } from "./workflows/check.ts";
import type { DetachResult } from "./workflows/detach.ts";

const ATTACH_OUTCOMES: Readonly<Record<AttachOutcome, string>> = {
  created: "granted",
  "already-assigned": "already granted: no change",
  inherited: "already granted above the registry: no change",
  "created-concurrently": "granted by a concurrent run: no change",
  planned: "would grant (dry run): no change",
};

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

function setCommonOutputs(result: {
  registry: AttachResult["registry"];
  identity: AttachResult["identity"];
}) {
  core.setOutput(Outputs.LoginServer, result.registry.loginServer);
  core.setOutput(Outputs.RegistryId, result.registry.id);
  core.setOutput(Outputs.PrincipalId, result.identity.objectId);
}

function registryCell(result: { registry: AttachResult["registry"] }): string {
  return `${result.registry.name} (${result.registry.loginServer})`;
}

export async function reportAttach(result: AttachResult): Promise<void> {
  setCommonOutputs(result);
  core.setOutput(Outputs.RoleAssignmentId, result.assignmentId);
  core.setOutput(Outputs.Changed, String(result.changed));
  core.setOutput(Outputs.PlannedChanges, String(result.plannedChanges));
  const title = result.outcome === "planned" ? "attach (dry run)" : "attach";
  await writeSummary(
    title,
    [
      {
        registry: registryCell(result),
        identity: describeIdentity(result.identity),
        role: result.role.name,
        scope: result.assignmentScope,
        happened: ATTACH_OUTCOMES[result.outcome],
      },
    ],
    result.warnings.map((w) => `⚠️ ${w}`),
  );
}

export async function reportDetach(result: DetachResult): Promise<void> {
  setCommonOutputs(result);
  core.setOutput(Outputs.Changed, String(result.changed));
  core.setOutput(Outputs.PlannedChanges, String(result.plannedChanges));
  core.setOutput(
    Outputs.RemovedAssignmentIds,
    JSON.stringify(result.dryRun ? [] : result.removed.map((a) => a.id)),
  );
  const roleNames = result.roles.map((role) => role.name).join(" or ");
  const rows: SummaryRow[] = result.removed.map((assignment) => ({
    registry: registryCell(result),
    identity: describeIdentity(result.identity),
    role: roleNames,
    scope: assignment.scope,
    happened: result.dryRun
      ? `would remove ${assignment.id} (dry run)`
      : `removed ${assignment.id}`,
  }));
  if (rows.length === 0) {
    rows.push({
      registry: registryCell(result),
      identity: describeIdentity(result.identity),
      role: roleNames,
      scope: result.registry.id,
      happened: "nothing to remove: no change",
    });
  }
  const notes = result.stillGranting.map(
    ({ roleName, assignment }) =>
      `Still grants pull (left in place): ${roleName} at ${assignment.scope} (${assignment.id}).`,
  );
  await writeSummary(result.dryRun ? "detach (dry run)" : "detach", rows, notes);
}

/** Outputs and summary of a check; then the run fails when the check says it must. */
export async function reportCheck(result: CheckResult): Promise<void> {
  setCommonOutputs(result);
  const granting = result.verdicts.find((v) => v.grantsPull);
  core.setOutput(Outputs.HasPullAccess, String(result.hasPullAccess));
  core.setOutput(Outputs.RoleAssignmentId, granting?.assignment.id ?? "");
  core.setOutput(Outputs.Changed, "false");
  const identity = describeIdentity(result.identity);
  const rows: SummaryRow[] = result.verdicts.map((v) => ({
    registry: registryCell(result),
    identity,
    role: v.roleName,
    scope: v.assignment.scope,
    happened: v.grantsPull ? "grants pull" : "does not grant pull",
  }));
  if (rows.length === 0) {
    rows.push({
      registry: registryCell(result),
      identity,
      role: "none",
      scope: result.registry.id,
      happened: "no role assigned",
    });
  }
  const verdict = result.hasPullAccess
    ? `✅ The cluster can pull from ${result.registry.loginServer}.`
    : `❌ The cluster cannot pull from ${result.registry.loginServer}.`;
  const notes = [
    verdict,
    ...result.reasons.map((r) => `Why: ${r}`),
    ...result.warnings.map((w) => `⚠️ ${w}`),
  ];
  await writeSummary("check", rows, notes);
  if (result.failure) throw result.failure;
}

/** A failed run still leaves a summary that says what went wrong. */
export async function reportFailure(message: string): Promise<void> {
  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  await core.summary.addHeading("AKS ← ACR: failed", 3).addCodeBlock(escapeHtml(message)).write();
}
