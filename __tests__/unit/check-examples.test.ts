/**
 * The check of the workflows and the README's examples: which blocks it finds, how it wraps
 * fragments into workflows, and that a `with:` key action.yml does not declare, or a broken
 * expression, fails at the README line where it is written.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "@jest/globals";
import { readActionMetadata, ROOT } from "../../scripts/action-metadata.ts";
import {
  checkActionSteps,
  checkPinnedActions,
  extractYamlBlocks,
  lintMarkdownExamples,
  lintWorkflow,
  wrapExample,
} from "../../scripts/check-examples.ts";

const INPUTS = ["resource-group", "cluster-name", "acr-name", "mode"];

const fence = "```";
const markdown = [
  "# Example", // 1
  "", // 2
  `${fence}sh`, // 3
  "npm test", // 4
  fence, // 5
  "", // 6
  `${fence}yaml`, // 7
  "- uses: your-org/aks-attach-acr@v1", // 8
  "  with:", // 9
  "    resource-group: rg", // 10
  "    acr: myregistry", // 11
  fence, // 12
  "", // 13
  `${fence}yml`, // 14
  "jobs:", // 15
  "  deploy:", // 16
  "    runs-on: ubuntu-latest", // 17
  "    steps:", // 18
  "      - run: echo ${{ github.nope }}", // 19
  fence, // 20
].join("\n");

describe("extractYamlBlocks", () => {
  it("finds the yaml and yml blocks, not the others, with their first line", () => {
    const blocks = extractYamlBlocks(markdown);
    expect(blocks.map((b) => b.line)).toEqual([8, 15]);
    expect(blocks[0]?.text.split("\n")).toHaveLength(4);
    expect(blocks[1]?.text).toMatch(/^jobs:/);
  });
});

describe("wrapExample", () => {
  it.each([
    ["steps", "- run: echo hi\n"],
    ["job", "runs-on: ubuntu-latest\nsteps:\n  - run: echo hi\n"],
    ["jobs", "build:\n  runs-on: ubuntu-latest\n  steps:\n    - run: echo hi\n"],
    ["workflow", "permissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps: []\n"],
  ])("wraps %s into a workflow with on: and jobs:", (kind, text) => {
    const wrapped = wrapExample(text);
    expect(wrapped.kind).toBe(kind);
    const workflow = parse(wrapped.workflow) as Record<string, unknown>;
    expect(Object.keys(workflow)).toEqual(expect.arrayContaining(["on", "jobs"]));
    // The example's first line sits right after the lines the wrapper added, indented.
    const first = wrapped.workflow.split("\n")[wrapped.linesBefore] ?? "";
    expect(first).toBe(" ".repeat(wrapped.indent) + text.split("\n")[0]);
  });

  it("refuses YAML that is not a workflow, jobs, a job or steps", () => {
    expect(() => wrapExample("resource-group: rg\nmode: check\n")).toThrow(/must be a workflow/);
  });
});

describe("checkActionSteps", () => {
  const workflow = (uses: string, withBlock: string) =>
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ${uses}\n        with:\n${withBlock}`;

  it("accepts the inputs action.yml declares", () => {
    const text = workflow("./", "          resource-group: rg\n          mode: check\n");
    expect(checkActionSteps(text, INPUTS)).toEqual([]);
  });

  it.each(["./", "your-org/aks-attach-acr@v1"])(
    "fails on a key action.yml does not declare (%s), at its line, with the closest input",
    (uses) => {
      const text = workflow(uses, "          resource-group: rg\n          cluster: aks\n");
      const problems = checkActionSteps(text, INPUTS);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ line: 9, column: 11 });
      expect(problems[0]?.message).toMatch(/input "cluster" .* not declared .*"cluster-name"/);
    },
  );

  it("leaves other actions' inputs to actionlint", () => {
    const text = workflow("actions/checkout@v7", "          anything: 1\n");
    expect(checkActionSteps(text, INPUTS)).toEqual([]);
  });

  it("asks for the placeholder owner and a v1 or SHA pin", () => {
    const text = workflow("someone/aks-attach-acr@main", "          mode: check\n");
    const messages = checkActionSteps(text, INPUTS).map((p) => p.message);
    expect(messages).toEqual([
      expect.stringMatching(/write the owner as your-org\/aks-attach-acr/),
      expect.stringMatching(/pin v1 .* not "main"/),
    ]);
  });
});

describe("checkPinnedActions", () => {
  const sha = "3d3c42e5aac5ba805825da76410c181273ba90b1";

  it("accepts a SHA with its release in a comment, and local actions", () => {
    const text = `steps:\n  - uses: actions/checkout@${sha} # v7.0.1\n  - uses: ./\n`;
    expect(checkPinnedActions(text)).toEqual([]);
  });

  it.each([
    ["a tag", "  - uses: actions/checkout@v7", /pin a full commit SHA/],
    ["a SHA without its release", `  - uses: actions/checkout@${sha}`, /# vX\.Y\.Z/],
  ])("fails on %s", (_, line, message) => {
    const problems = checkPinnedActions(`steps:\n${line}\n`);
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, column: 11, message: expect.stringMatching(message) }),
    ]);
  });
});

describe("lintMarkdownExamples", () => {
  it("reports a bad key and an actionlint finding at their README lines", async () => {
    const problems = await lintMarkdownExamples(markdown, "README.md", INPUTS);
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [11, 5],
      [19, 23],
    ]);
    expect(problems[0]?.message).toMatch(/input "acr" .* "acr-name"/);
    expect(problems[1]?.message).toMatch(/"nope" is not defined .*\[expression\]/);
  });

  it("reports a block that is no workflow fragment", async () => {
    const text = `${fence}yaml\nfoo: bar\n${fence}\n`;
    const problems = await lintMarkdownExamples(text, "README.md", INPUTS);
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringMatching(/must be a workflow/) }),
    ]);
  });
});

describe("the repository", () => {
  const inputs = readActionMetadata().inputs.map((input) => input.name);
  const workflows = readdirSync(join(ROOT, ".github/workflows")).filter((name) =>
    /\.ya?ml$/.test(name),
  );

  it("has the CI, dist, example and release workflows", () => {
    expect(workflows).toEqual(
      expect.arrayContaining(["ci.yml", "check-dist.yml", "attach-example.yml", "release.yml"]),
    );
  });

  it.each(workflows)("workflow %s passes actionlint and the input check", async (name) => {
    const path = join(ROOT, ".github/workflows", name);
    const text = readFileSync(path, "utf8");
    expect(await lintWorkflow(text, path, inputs)).toEqual([]);
    expect(checkPinnedActions(text)).toEqual([]);
  });

  it("README examples pass actionlint and the input check", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(extractYamlBlocks(readme).length).toBeGreaterThan(0);
    expect(await lintMarkdownExamples(readme, "README.md", inputs)).toEqual([]);
  });
});
