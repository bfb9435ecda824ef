/**
 * The job summary's renderer, from a model of ten registries with every outcome: the headline,
 * the diagram's nodes, edges and classes, the table, and hostile values rendered inert.
 */
import { describe, expect, it } from "@jest/globals";
import { marked } from "marked";
import {
  renderDiagram,
  renderSummary,
  runLink,
  type SummaryModel,
  type SummaryOutcome,
  type SummaryRegistry,
} from "../../src/summary.ts";

const SUBSCRIPTION = "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02";
const GROUP = `${SUBSCRIPTION}/resourceGroups/rg-acr`;

function registryId(name: string): string {
  return `${GROUP}/providers/Microsoft.ContainerRegistry/registries/${name}`;
}

function assignmentId(scope: string, name: string): string {
  return `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
}

const OUTCOMES: readonly [SummaryOutcome, string][] = [
  ["granted", "granted"],
  ["already-granted", "present"],
  ["granted-concurrently", "present"],
  ["inherited", "inherited"],
  ["would-grant", "planned"],
  ["removed", "removed"],
  ["nothing-to-remove", "removed"],
  ["would-remove", "planned"],
  ["cannot-pull", "missing"],
  ["failed", "failed"],
];

function registry(index: number, outcome: SummaryOutcome): SummaryRegistry {
  const name = `registry${index}`;
  const id = registryId(name);
  const scope = outcome === "inherited" ? GROUP : id;
  return {
    name,
    loginServer: `${name}.azurecr.io`,
    id,
    role: "AcrPull",
    outcome,
    scope,
    assignments: [
      {
        id: assignmentId(scope, `0d6f1c3e-2a4b-4c6d-8e7f-9a0b1c2d3e${index}f`),
        scope,
        role: "AcrPull",
        state: "created",
      },
    ],
    reasons: [],
    notes: [],
    warnings: [],
  };
}

const ten: SummaryModel = {
  mode: "attach",
  dryRun: false,
  cluster: {
    name: "aks-prod",
    id: `${SUBSCRIPTION}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod`,
    resourceGroup: "rg-aks",
  },
  identity: { kind: "kubelet-identity", objectId: "e4f6a8b0-3c5d-4e7f-8a9b-1c2d3e4f5a09" },
  registries: OUTCOMES.map(([outcome], index) => registry(index, outcome)),
};

/** The diagram's statements, parsed back: nodes with their class, and edges with their label. */
function parseDiagram(diagram: string) {
  const nodes = new Map<string, string>();
  const edges: { from: string; to: string; label: string }[] = [];
  const classDefs = new Set<string>();
  for (const line of diagram.split("\n").slice(1)) {
    const def = /^ {2}classDef (\w+) /.exec(line);
    if (def) {
      classDefs.add(def[1]!);
      continue;
    }
    const edge =
      /^ {2}(\w+)(?:\["[^"]*"\]:::\w+)? [-=.]+ "([^"]*)" [-=.]+[>x] (\w+)\["[^"]*"\]:::(\w+)$/.exec(
        line,
      );
    expect(edge).not.toBeNull();
    const [, from, label, to, cls] = edge!;
    edges.push({ from: from!, to: to!, label: label! });
    nodes.set(to!, cls!);
  }
  return { nodes, edges, classDefs };
}

describe("renderDiagram", () => {
  it("draws cluster → identity → each of ten registries, the role on each edge", () => {
    const { nodes, edges } = parseDiagram(renderDiagram(ten));

    expect(edges[0]).toEqual({ from: "c0", to: "i0", label: "pulls as" });
    const toRegistries = edges.slice(1);
    expect(toRegistries.map((e) => e.to)).toEqual(OUTCOMES.map((_, i) => `r${i}`));
    expect(toRegistries.every((e) => e.from === "i0" && e.label === "AcrPull")).toBe(true);
    expect(nodes.size).toBe(11);
  });

  it("styles each registry by its outcome, with a classDef for each class used", () => {
    const { nodes, classDefs } = parseDiagram(renderDiagram(ten));

    OUTCOMES.forEach(([, cls], index) => expect(nodes.get(`r${index}`)).toBe(cls));
    for (const cls of ["cluster", "identity", ...OUTCOMES.map(([, c]) => c)]) {
      expect(classDefs).toContain(cls);
    }
  });

  it("draws planned, removed and failed edges differently from grants", () => {
    const lines = renderDiagram(ten).split("\n");
    const edgeTo = (node: string) => lines.find((line) => line.includes(` ${node}["`)) ?? "";

    expect(edgeTo("r0")).toContain('== "AcrPull" ==>');
    expect(edgeTo("r4")).toContain('-. "AcrPull" .->');
    expect(edgeTo("r5")).toContain('-. "AcrPull" .-x');
    expect(edgeTo("r9")).toContain('-- "AcrPull" --x');
  });

  it("takes no id from Azure values, and keeps hostile names inside their labels", () => {
    const hostile = 'x"]; click r0 "javascript:alert(1)" %%\n\n# `pwn`';
    const diagram = renderDiagram({
      ...ten,
      cluster: { name: hostile },
      identity: { kind: "service-principal", objectId: hostile },
      registries: [
        { ...registry(0, "granted"), name: hostile, loginServer: hostile, role: hostile },
      ],
    });

    const { nodes, edges } = parseDiagram(diagram);
    expect([...nodes.keys()]).toEqual(["i0", "r0"]);
    expect(edges).toHaveLength(2);
    expect(diagram).not.toMatch(/%%|`|\bclick\b.*javascript:|\n\n/);
  });
});

describe("renderSummary", () => {
  it("leads with one headline per registry: cluster → identity → role → registry, outcome", () => {
    const text = renderSummary(ten);
    const headline = /<p>(.*?)<\/p>/.exec(text.split("\n\n")[1]!)![1]!.split("<br>");

    expect(headline).toHaveLength(10);
    expect(headline[0]).toMatch(
      /^✅ <b>aks-prod<\/b> → kubelet identity <code[^>]*>e4f6a8b0…<\/code> → AcrPull → <b>registry0\.azurecr\.io<\/b>: granted$/,
    );
    expect(headline[4]).toMatch(/^⏸ .*registry4\.azurecr\.io<\/b>: would grant/);
    expect(headline[8]).toMatch(/^❌ .*registry8\.azurecr\.io<\/b>: cannot pull/);
    expect(headline[3]).toMatch(/inherited from resource group rg-acr, no change$/);
  });

  it("names the cluster and the identity in full", () => {
    const text = renderSummary(ten);

    expect(text).toContain(`<b title="${ten.cluster.id!}">aks-prod</b>`);
    expect(text).toContain("<code>e4f6a8b0-3c5d-4e7f-8a9b-1c2d3e4f5a09</code>");
  });

  it("shortens ids in the table and keeps each full id in a title and a <details>", () => {
    const html = marked.parse(renderSummary(ten), { gfm: true, async: false });
    const row = /<tbody><tr>(.*?)<\/tr>/.exec(html)![1]!;
    const full = ten.registries[0]!.assignments[0]!.id;

    const visible = row
      .replace(/<details>.*?<\/summary>(.*?)<\/details>/g, "")
      .replace(/<[^>]+>/g, "");
    expect(visible).not.toContain("/subscriptions/");
    expect(row).toContain("0d6f1c3e…");
    const unescape = (s: string) => s.replaceAll("<wbr>", "");
    expect(unescape(row)).toContain(`title="${full}"`);
    expect(unescape(row)).toContain(`<code>${full}</code>`);
    expect(unescape(row)).toContain(`<code>${ten.registries[0]!.id}</code>`);
  });

  it("renders hostile values inert: no heading, link, image or script, one diagram", () => {
    const hostile =
      "\n\n# heading [link](https://example.invalid) ![i](x) <script>x</script> | `y`";
    const model: SummaryModel = {
      ...ten,
      cluster: { name: `aks${hostile}`, id: hostile },
      registries: [
        {
          ...registry(0, "cannot-pull"),
          name: `acr${hostile}`,
          loginServer: hostile,
          role: hostile,
          assignments: [
            {
              id: hostile,
              scope: hostile,
              role: hostile,
              state: "grants-pull",
              description: hostile,
            },
          ],
          reasons: [hostile],
          notes: [hostile],
          warnings: [hostile],
          error: { message: hostile, remedy: hostile },
        },
      ],
      failure: { message: `\r::error::x${hostile}`, remedy: `\n::add-mask::x${hostile}` },
    };

    const markdown = renderSummary(model);
    const html = marked.parse(markdown, { gfm: true, async: false });

    expect(html).not.toMatch(/<(h[1-2]|h4|a|img|script)\b/);
    expect(html.match(/<h3>/g)).toHaveLength(1);
    expect(html.match(/<table>/g)).toHaveLength(1);
    expect(html.match(/language-mermaid/g)).toHaveLength(1);
    expect(markdown).not.toMatch(/^::/m);
    expect(markdown.match(/```/g)).toHaveLength(2);
  });

  it("gives a failure its message and its fix, each on lines that wrap", () => {
    const text = renderSummary({
      ...ten,
      identity: undefined,
      registries: [],
      failure: {
        message: "Container registry 'nosuch' was not found.",
        remedy: "Check 'acr-name'.\nOr set 'acr-resource-id'.",
      },
    });

    expect(text).toContain("<h3>AKS ← ACR: attach failed</h3>");
    expect(text).toContain(
      "<p><b>What failed</b><br>Container registry &#39;nosuch&#39; was not found.</p>",
    );
    expect(text).toContain(
      "<p><b>How to fix</b><br>Check &#39;acr-name&#39;.<br>Or set &#39;acr-resource-id&#39;.</p>",
    );
    expect(text).not.toContain("<pre");
  });

  it("lists check's reasons once and the warnings as a list", () => {
    const reason = "No role is assigned to the kubelet identity.";
    const text = renderSummary({
      ...ten,
      mode: "check",
      registries: [
        {
          ...registry(0, "cannot-pull"),
          reasons: [reason],
          warnings: ["Public access off.", "Far."],
        },
      ],
    });

    expect(text.split(reason)).toHaveLength(2);
    expect(text).toContain(`<ul><li>${reason}</li></ul>`);
    expect(text).toContain("<ul><li>⚠️ Public access off.</li><li>⚠️ Far.</li></ul>");
  });
});

describe("the link to the run that granted an assignment", () => {
  it.each([
    [
      "granted by octo/app run 7 attempt 1 (workflow ci, https://github.com/octo/app/actions/runs/7/attempts/1) with aks-attach-acr",
      "workflow run 7 (attempt 1)",
    ],
    ["granted by aks-attach-acr for cluster /subscriptions/x", undefined],
    ["see javascript:alert(1)/octo/app/actions/runs/7/attempts/1", undefined],
    ['https://github.com/octo/app/actions/runs/7/attempts/1"onmouseover="x', undefined],
    ["http://github.com/octo/app/actions/runs/7/attempts/1", undefined],
  ])("%s", (description, text) => {
    const link = runLink(description);

    if (text === undefined) {
      expect(link).toBeUndefined();
    } else {
      expect(link).toContain(`>${text}</a>`);
      expect(link).not.toMatch(/["<>]\s*on/i);
    }
  });
});
