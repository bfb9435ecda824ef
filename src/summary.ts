/**
 * The job summary, as a pure function of what the run did: a `SummaryModel` in, the summary's
 * markdown and HTML out. One headline line per registry, a Mermaid diagram of cluster → pull
 * identity → registries, a narrow table, then the reasons, warnings and failures with their fix.
 * Every value from Azure or the user goes through summary-text.ts.
 */
import {
  mermaidText,
  summaryAttribute,
  summaryId,
  summaryLines,
  summaryText,
} from "./summary-text.ts";

export type SummaryMode = "attach" | "detach" | "check";

/** What happened to one registry (the values of the `registries` output's `outcome`). */
export type SummaryOutcome =
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

/** What the run did with, or found about, one role assignment. */
export type AssignmentState =
  | "created"
  | "found"
  | "would-create"
  | "removed"
  | "would-remove"
  | "left-in-place"
  | "grants-pull"
  | "does-not-grant-pull";

export interface SummaryAssignment {
  /** The full role assignment id. */
  readonly id: string;
  /** Where it sits: the registry, or a scope above it. */
  readonly scope: string;
  /** The role's name. */
  readonly role: string;
  readonly state: AssignmentState;
  /** The assignment's `description` (who created it, from which run), when it has one. */
  readonly description?: string | undefined;
}

export interface SummaryFailure {
  /** What failed, and where. */
  readonly message: string;
  /** What the user can do about it. */
  readonly remedy?: string | undefined;
}

export interface SummaryRegistry {
  /** The registry's name (or, when it could not be read, what the user asked for). */
  readonly name: string;
  readonly loginServer?: string | undefined;
  /** The registry's full resource id, when known. */
  readonly id?: string | undefined;
  /** The role granted, removed or checked (its name). */
  readonly role?: string | undefined;
  readonly outcome: SummaryOutcome;
  /** Where the assignment that grants pull sits (the registry, or a scope above it). */
  readonly scope?: string | undefined;
  /** The assignments this registry's outcome is about: created, found, removed, judged. */
  readonly assignments: readonly SummaryAssignment[];
  /** Attach: the registry itself was created by this run, or would be (dry run). */
  readonly creation?: "created" | "would-create" | undefined;
  /** Check: why the cluster cannot pull. */
  readonly reasons: readonly string[];
  /** Facts worth knowing that are not problems (e.g. what still grants pull after a detach). */
  readonly notes: readonly string[];
  /** What may break pulls although the role assignments are right. */
  readonly warnings: readonly string[];
  /** Set when this registry failed. */
  readonly error?: SummaryFailure | undefined;
}

export interface SummaryModel {
  readonly mode: SummaryMode;
  readonly dryRun: boolean;
  readonly cluster: {
    readonly name: string;
    /** The cluster's full resource id, when known. */
    readonly id?: string | undefined;
    readonly resourceGroup?: string | undefined;
  };
  /** The identity the cluster's nodes pull with; undefined when the run failed before finding it. */
  readonly identity?:
    | {
        readonly kind: "kubelet-identity" | "service-principal";
        readonly objectId: string;
        readonly clientId?: string | undefined;
      }
    | undefined;
  readonly registries: readonly SummaryRegistry[];
  /** A failure of the whole run (not of one registry): what failed and how to fix it. */
  readonly failure?: SummaryFailure | undefined;
}

/** The diagram's styles: one class per kind of outcome. */
export type OutcomeClass =
  "granted" | "present" | "inherited" | "removed" | "missing" | "failed" | "planned";

const OUTCOME_CLASS: Readonly<Record<SummaryOutcome, OutcomeClass>> = {
  granted: "granted",
  "already-granted": "present",
  "granted-concurrently": "present",
  inherited: "inherited",
  "can-pull": "present",
  "would-grant": "planned",
  removed: "removed",
  "nothing-to-remove": "removed",
  "would-remove": "planned",
  "cannot-pull": "missing",
  failed: "failed",
};

/** Fill, stroke and text colours readable on GitHub's light and dark themes. */
const CLASS_DEFS: Readonly<Record<OutcomeClass | "cluster" | "identity", string>> = {
  cluster: "fill:#ddf4ff,stroke:#0969da,color:#0a3069",
  identity: "fill:#f6f8fa,stroke:#57606a,color:#24292f",
  granted: "fill:#dafbe1,stroke:#1a7f37,stroke-width:3px,color:#0f3d1e",
  present: "fill:#dafbe1,stroke:#1a7f37,color:#0f3d1e",
  inherited: "fill:#eef9f0,stroke:#1a7f37,stroke-dasharray:5 3,color:#0f3d1e",
  removed: "fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:5 3,color:#57606a",
  missing: "fill:#fff8c5,stroke:#9a6700,stroke-width:2px,color:#4d2d00",
  failed: "fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#82071e",
  planned: "fill:#fff1e5,stroke:#bc4c00,stroke-dasharray:6 4,color:#762c00",
};

/** The words under a registry's node, and in the table's "What happened" column. */
const OUTCOME_TEXT: Readonly<Record<SummaryOutcome, string>> = {
  granted: "granted",
  "already-granted": "already granted",
  "granted-concurrently": "granted by a concurrent run",
  inherited: "inherited",
  "can-pull": "can pull",
  "would-grant": "would grant (dry run)",
  removed: "removed",
  "nothing-to-remove": "nothing to remove",
  "would-remove": "would remove (dry run)",
  "cannot-pull": "cannot pull",
  failed: "failed",
};

/** ✅ done or already so, ❌ failed or cannot pull, ⏸ planned only (dry run). */
export function outcomeIcon(outcome: SummaryOutcome): string {
  switch (OUTCOME_CLASS[outcome]) {
    case "failed":
    case "missing":
      return "❌";
    case "planned":
      return "⏸";
    default:
      return "✅";
  }
}

export function outcomeClass(registry: SummaryRegistry): OutcomeClass {
  if (registry.outcome === "can-pull" && isAbove(registry)) return "inherited";
  return OUTCOME_CLASS[registry.outcome];
}

function isAbove(registry: SummaryRegistry): boolean {
  return (
    registry.scope !== undefined &&
    registry.id !== undefined &&
    registry.scope.toLowerCase() !== registry.id.toLowerCase()
  );
}

/** The last segment of an ARM id: a registry's, a cluster's, an assignment's name. */
function lastSegment(id: string): string {
  return id.replace(/\/+$/, "").split("/").at(-1) ?? id;
}

/** A scope in words: "resource group rg-acr", "subscription 5e0f3b52…", "management group x". */
export function describeScope(scope: string): string {
  const parts = scope.replace(/\/+$/, "").split("/").filter(Boolean);
  const lower = parts.map((part) => part.toLowerCase());
  const at = (label: string): string | undefined => {
    const index = lower.lastIndexOf(label);
    return index >= 0 ? parts[index + 1] : undefined;
  };
  if (lower.includes("providers") && lower.length > 4 && !lower.includes("managementgroups")) {
    const kind = lower.includes("microsoft.containerregistry") ? "registry" : "resource";
    return `${kind} ${lastSegment(scope)}`;
  }
  const group = at("resourcegroups");
  if (group) return `resource group ${group}`;
  const managementGroup = at("managementgroups");
  if (managementGroup) return `management group ${managementGroup}`;
  const subscription = at("subscriptions");
  if (subscription) return `subscription ${subscription}`;
  return scope;
}

function identityWords(model: SummaryModel): string {
  if (!model.identity) return "pull identity";
  return model.identity.kind === "kubelet-identity" ? "kubelet identity" : "service principal";
}

function shortGuid(value: string): string {
  return value.length > 13 ? `${value.slice(0, 8)}…` : value;
}

function registryHost(registry: SummaryRegistry): string {
  return registry.loginServer || registry.name;
}

function happened(registry: SummaryRegistry): string {
  const count = registry.assignments.filter(
    (a) => a.state === (registry.outcome === "removed" ? "removed" : "would-remove"),
  ).length;
  const plural = (n: number) => `${n} assignment${n === 1 ? "" : "s"}`;
  let text: string;
  switch (registry.outcome) {
    case "inherited":
      text = registry.scope
        ? `inherited from ${describeScope(registry.scope)}`
        : "inherited from above the registry";
      break;
    case "can-pull":
      text = isAbove(registry)
        ? `can pull (via ${describeScope(registry.scope ?? "")})`
        : "can pull";
      break;
    case "removed":
      text = `removed ${plural(count)}`;
      break;
    case "would-remove":
      text = `would remove ${plural(count)} (dry run)`;
      break;
    default:
      text = OUTCOME_TEXT[registry.outcome];
  }
  if (registry.creation === "created") text = `registry created; ${text}`;
  if (registry.creation === "would-create") text = `would create the registry; ${text}`;
  const unchanged: readonly SummaryOutcome[] = [
    "already-granted",
    "granted-concurrently",
    "inherited",
    "nothing-to-remove",
  ];
  return unchanged.includes(registry.outcome) ? `${text}, no change` : text;
}

// ---------------------------------------------------------------------------------------------
// The headline

function headline(model: SummaryModel, registry: SummaryRegistry): string {
  const identity = model.identity
    ? `${identityWords(model)} <code title="${summaryAttribute(model.identity.objectId)}">${summaryText(shortGuid(model.identity.objectId))}</code>`
    : "pull identity";
  const role = registry.role ? summaryText(registry.role) : "pull role";
  return (
    `${outcomeIcon(registry.outcome)} <b>${summaryText(model.cluster.name)}</b> → ${identity} → ` +
    `${role} → <b>${summaryText(registryHost(registry))}</b>: ${summaryText(happened(registry))}`
  );
}

function title(model: SummaryModel): string {
  const failed = model.failure || model.registries.some((r) => r.outcome === "failed");
  const what = model.dryRun ? `${model.mode} (dry run)` : model.mode;
  return `AKS ← ACR: ${what}${failed ? " failed" : ""}`;
}

// ---------------------------------------------------------------------------------------------
// The diagram

/** The edge from the identity to a registry: solid for a grant, dotted when planned or gone. */
function edge(registry: SummaryRegistry, label: string): string {
  switch (outcomeClass(registry)) {
    case "planned":
      return `-. "${label}" .->`;
    case "removed":
    case "missing":
      return `-. "${label}" .-x`;
    case "failed":
      return `-- "${label}" --x`;
    case "inherited":
      return `-. "${label}" .->`;
    default:
      return `== "${label}" ==>`;
  }
}

/**
 * A Mermaid flowchart: cluster → pull identity → each registry, the role on each edge, each
 * registry's node styled by its outcome. Node ids are generated (c0, i0, r0, r1…); labels are
 * escaped by `mermaidText`.
 */
export function renderDiagram(model: SummaryModel): string {
  const lines = ["flowchart LR"];
  const clusterLabel = `AKS cluster<br/>${mermaidText(model.cluster.name)}`;
  const identityLabel = model.identity
    ? `${identityWords(model)}<br/>${mermaidText(shortGuid(model.identity.objectId))}`
    : "pull identity<br/>not resolved";
  lines.push(
    `  c0["${clusterLabel}"]:::cluster -- "pulls as" --> i0["${identityLabel}"]:::identity`,
  );
  model.registries.forEach((registry, index) => {
    const node = `r${index}`;
    const name = mermaidText(registry.name, 40);
    const host =
      registry.loginServer && registry.loginServer !== registry.name
        ? `<br/>${mermaidText(registry.loginServer, 40)}`
        : "";
    const label = `${outcomeIcon(registry.outcome)} ${name}${host}<br/>${mermaidText(happened(registry), 60)}`;
    const role = mermaidText(registry.role ?? "pull role", 40);
    lines.push(`  i0 ${edge(registry, role)} ${node}["${label}"]:::${outcomeClass(registry)}`);
  });
  const used = new Set<string>(["cluster", "identity", ...model.registries.map(outcomeClass)]);
  for (const [name, style] of Object.entries(CLASS_DEFS)) {
    if (used.has(name)) lines.push(`  classDef ${name} ${style}`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// The table

const STATE_TEXT: Readonly<Record<AssignmentState, string>> = {
  created: "created",
  found: "found",
  "would-create": "would be created",
  removed: "removed",
  "would-remove": "would be removed",
  "left-in-place": "left in place",
  "grants-pull": "grants pull",
  "does-not-grant-pull": "does not grant pull",
};

function assignmentDetails(assignment: SummaryAssignment): string {
  const name = lastSegment(assignment.id);
  const lines = [
    `<b>${summaryText(assignment.role)}</b> at ${summaryText(describeScope(assignment.scope))}: ${summaryText(STATE_TEXT[assignment.state])}`,
    `<code>${summaryId(assignment.id)}</code>`,
  ];
  if (assignment.description) {
    const run = runLink(assignment.description);
    lines.push(`<i>${summaryText(assignment.description)}</i>${run ? ` ${run}` : ""}`);
  }
  return (
    `<details><summary>${summaryText(STATE_TEXT[assignment.state])} <code title="${summaryAttribute(assignment.id)}">${summaryText(shortGuid(name))}</code></summary>` +
    lines.join("<br>") +
    `</details>`
  );
}

/**
 * A link to the workflow run a provenance description names (`…/owner/repo/actions/runs/N/attempts/M`),
 * only when the URL has exactly that form: nothing else in a description becomes markup.
 */
export function runLink(description: string): string | undefined {
  const url =
    /(?:^|[\s(,])(https:\/\/[a-z0-9.-]+(?::\d+)?\/[\w.-]+\/[\w.-]+\/actions\/runs\/\d+\/attempts\/\d+)(?=$|[\s),])/i.exec(
      description,
    )?.[1];
  if (url === undefined) return undefined;
  const run = /\/runs\/(\d+)\/attempts\/(\d+)$/.exec(url);
  return `<a href="${summaryAttribute(url)}">workflow run ${run?.[1] ?? ""} (attempt ${run?.[2] ?? ""})</a>`;
}

function registryCell(registry: SummaryRegistry): string {
  const titled = registry.id ? ` title="${summaryAttribute(registry.id)}"` : "";
  const name = `<b${titled}>${summaryText(registry.name)}</b>`;
  const host =
    registry.loginServer && registry.loginServer !== registry.name
      ? `<br><code>${summaryText(registry.loginServer)}</code>`
      : "";
  return name + host;
}

function detailsCell(registry: SummaryRegistry): string {
  const parts = registry.assignments.map(assignmentDetails);
  if (registry.id) {
    parts.push(
      `<details><summary>registry id</summary><code>${summaryId(registry.id)}</code></details>`,
    );
  }
  return parts.join("") || "–";
}

function renderTable(model: SummaryModel): string {
  const header = ["Registry", "Role", "What happened", "Role assignments and ids"]
    .map((h) => `<th>${h}</th>`)
    .join("");
  const rows = model.registries.map((registry) => {
    const cells = [
      registryCell(registry),
      registry.role ? summaryText(registry.role) : "–",
      `${outcomeIcon(registry.outcome)} ${summaryText(happened(registry))}`,
      detailsCell(registry),
    ];
    return `<tr>${cells.map((cell) => `<td>${cell}</td>`).join("")}</tr>`;
  });
  return `<table><thead><tr>${header}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------
// Reasons, warnings, failures

function list(items: readonly string[]): string {
  return `<ul>${items.map((item) => `<li>${item}</li>`).join("")}</ul>`;
}

function failureBlock(heading: string, failure: SummaryFailure): string {
  const parts = [`<p><b>${heading}</b><br>${summaryLines(failure.message)}</p>`];
  if (failure.remedy) parts.push(`<p><b>How to fix</b><br>${summaryLines(failure.remedy)}</p>`);
  return parts.join("\n");
}

function identityLine(model: SummaryModel): string {
  const cluster = model.cluster.id
    ? `<b title="${summaryAttribute(model.cluster.id)}">${summaryText(model.cluster.name)}</b>`
    : `<b>${summaryText(model.cluster.name)}</b>`;
  const group = model.cluster.resourceGroup
    ? ` (resource group <code>${summaryText(model.cluster.resourceGroup)}</code>)`
    : "";
  if (!model.identity) return `<p>Cluster ${cluster}${group}.</p>`;
  const client =
    model.identity.kind === "service-principal" && model.identity.clientId
      ? ` (client id <code>${summaryText(model.identity.clientId)}</code>)`
      : "";
  return (
    `<p>Cluster ${cluster}${group} pulls as the ${identityWords(model)} ` +
    `<code>${summaryText(model.identity.objectId)}</code>${client}.</p>`
  );
}

/**
 * The summary's markdown: HTML blocks (none containing a blank line) and one fenced Mermaid
 * block. Values are escaped by summary-text.ts, so nothing in them can end a block.
 */
export function renderSummary(model: SummaryModel): string {
  // The title is the action's own words (the mode), not a value.
  const blocks: string[] = [`<h3>${title(model)}</h3>`];
  if (model.registries.length > 0) {
    blocks.push(`<p>${model.registries.map((r) => headline(model, r)).join("<br>")}</p>`);
  }
  blocks.push(identityLine(model));
  if (model.failure) blocks.push(failureBlock("What failed", model.failure));
  if (model.registries.length > 0) {
    blocks.push("```mermaid\n" + renderDiagram(model) + "\n```");
    blocks.push(renderTable(model));
  }
  for (const registry of model.registries) {
    const name = summaryText(registry.name);
    if (registry.error) blocks.push(failureBlock(`${name}: what failed`, registry.error));
    if (registry.reasons.length > 0) {
      blocks.push(
        `<p><b>Why the cluster cannot pull from ${name}</b></p>\n` +
          list(registry.reasons.map(summaryText)),
      );
    }
    if (registry.notes.length > 0) {
      blocks.push(`<p><b>${name}</b></p>\n` + list(registry.notes.map(summaryText)));
    }
  }
  const warnings = [...new Set(model.registries.flatMap((r) => r.warnings))];
  if (warnings.length > 0) {
    blocks.push(`<p><b>Warnings</b></p>\n` + list(warnings.map((w) => `⚠️ ${summaryText(w)}`)));
  }
  return blocks.join("\n\n") + "\n";
}
