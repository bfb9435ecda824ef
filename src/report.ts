import * as core from "@actions/core";
import type { AttachOutcome, AttachResult } from "./workflows/attach.ts";

/** Every output the action sets, by its name in action.yml. */
export const Outputs = {
  LoginServer: "login-server",
  RegistryId: "registry-id",
  PrincipalId: "principal-id",
  RoleAssignmentId: "role-assignment-id",
  Changed: "changed",
} as const;

const WHAT_HAPPENED: Readonly<Record<AttachOutcome, string>> = {
  created: "granted",
  "already-assigned": "already granted: no change",
  inherited: "already granted above the registry: no change",
  "created-concurrently": "granted by a concurrent run: no change",
};

/** The summary's table cells are HTML: escape what came from Azure or the user. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function describeOutcome(result: AttachResult): string {
  return WHAT_HAPPENED[result.outcome];
}

/** Sets the step's outputs and writes the job summary of an attach (when there is one to write). */
export async function reportAttach(result: AttachResult): Promise<void> {
  core.setOutput(Outputs.LoginServer, result.registry.loginServer);
  core.setOutput(Outputs.RegistryId, result.registry.id);
  core.setOutput(Outputs.PrincipalId, result.identity.objectId);
  core.setOutput(Outputs.RoleAssignmentId, result.assignmentId);
  core.setOutput(Outputs.Changed, String(result.changed));

  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  const header = ["Registry", "Identity", "Role", "Scope", "What happened"].map((data) => ({
    data,
    header: true,
  }));
  const row = [
    `${result.registry.name} (${result.registry.loginServer})`,
    `kubelet identity ${result.identity.objectId}`,
    result.role.name,
    result.assignmentScope,
    describeOutcome(result),
  ].map(escapeHtml);
  await core.summary.addHeading("AKS ← ACR: attach", 3).addTable([header, row]).write();
}

/** A failed run still leaves a summary that says what went wrong. */
export async function reportFailure(message: string): Promise<void> {
  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  await core.summary.addHeading("AKS ← ACR: failed", 3).addCodeBlock(message).write();
}
