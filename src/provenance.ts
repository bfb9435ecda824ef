/**
 * The workflow run behind a grant, from `@actions/github`'s context. Loaded only when an
 * assignment is about to be written (main.ts imports this module lazily), so a re-run that
 * finds the role in place, a check and a dry run never load `@actions/github`.
 */
import { context } from "@actions/github";
import { describeProvenance, type WorkflowRun } from "./domain/provenance.ts";

/** `@actions/github` reads the environment as it is: a variable the runner did not set is undefined. */
function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The run, or undefined outside a runner (no run id or repository: the demo, a local run). */
function currentRun(): WorkflowRun | undefined {
  const repository = process.env["GITHUB_REPOSITORY"] ?? "";
  if (!Number.isSafeInteger(context.runId) || context.runId <= 0 || repository === "") {
    return undefined;
  }
  return {
    serverUrl: text(context.serverUrl),
    repository,
    runId: context.runId,
    runAttempt: Number.isSafeInteger(context.runAttempt) ? context.runAttempt : 1,
    workflow: text(context.workflow),
    ref: text(context.ref),
    actor: text(context.actor),
  };
}

export function grantDescription(clusterId: string): string {
  return describeProvenance(clusterId, currentRun());
}
