/**
 * The description every role assignment the action creates carries: who made it and why (the
 * action, the cluster, the workflow run that granted it), so whoever finds the assignment later
 * (`az role assignment list`, the portal, this action's detach and check) can trace it back.
 */

/** The workflow run that grants, as GitHub describes it (`github.context`). */
export interface WorkflowRun {
  readonly serverUrl: string;
  readonly repository: string;
  readonly runId: number;
  readonly runAttempt: number;
  readonly workflow: string;
  readonly ref: string;
  readonly actor: string;
}

/** Far below what ARM accepts for a description, so nothing is ever refused for its length. */
export const MAX_DESCRIPTION = 512;

/**
 * A field made harmless wherever the description is shown later (a log line, a table cell, a
 * terminal): letters, digits and a few separators only, at most `max` characters.
 */
function clean(value: string, max: number): string {
  const text = value
    .replace(/[^\p{L}\p{N} ._\-/@+]/gu, " ")
    .replace(/ {2,}/g, " ")
    .trim();
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The run's own page, when the server and repository look like GitHub's. */
function runUrl(run: WorkflowRun): string | undefined {
  let server: URL;
  try {
    server = new URL(run.serverUrl);
  } catch {
    return undefined;
  }
  if (server.protocol !== "https:" || !/^[\w.-]+\/[\w.-]+$/.test(run.repository)) return undefined;
  return `${server.origin}/${run.repository}/actions/runs/${run.runId}/attempts/${run.runAttempt}`;
}

/**
 * `granted by octo/app run 123 attempt 1 (workflow deploy, ref refs/heads/main, actor octocat,
 * https://github.com/octo/app/actions/runs/123/attempts/1) with aks-attach-acr for cluster /subscriptions/...`,
 * or without a run (a local run, the demo) `granted by aks-attach-acr for cluster ...`.
 */
export function describeProvenance(clusterId: string, run: WorkflowRun | undefined): string {
  const cluster = clean(clusterId, 300);
  if (!run) return `granted by aks-attach-acr for cluster ${cluster}`;
  const url = runUrl(run);
  const details = [
    `workflow ${clean(run.workflow, 60)}`,
    `ref ${clean(run.ref, 80)}`,
    `actor ${clean(run.actor, 40)}`,
    ...(url ? [url] : []),
  ].join(", ");
  const text =
    `granted by ${clean(run.repository, 100)} run ${run.runId} attempt ${run.runAttempt} ` +
    `(${details}) with aks-attach-acr for cluster ${cluster}`;
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}
