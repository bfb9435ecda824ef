/**
 * The job summary of real runs: the committed bundle against the emulator, its summary file
 * read back and judged by what a reader sees: the headline, the diagram and the table, for
 * attach, a re-run, detach, check with its reasons, a dry run and a failure.
 */
import { describe, expect, it } from "@jest/globals";
import { ACR_PULL, ids, names, scopes } from "../fixtures.ts";
import { useEmulator } from "./harness.ts";

const harness = useEmulator();
const { run } = harness;

/** The summary's text as a reader sees it: tags dropped, entities and break hints undone. */
function shown(summary: string): string {
  return summary
    .replace(/<wbr>/g, "")
    .replace(/<br>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}

/** The lines of the Mermaid block. */
function diagram(summary: string): string[] {
  const block = /```mermaid\n([\s\S]*?)\n```/.exec(summary);
  expect(block).not.toBeNull();
  return block![1]!.split("\n");
}

/** The cells of the table's first row, as text. */
function firstRow(summary: string): string[] {
  const row = /<tbody><tr>(.*?)<\/tr>/s.exec(summary)?.[1] ?? "";
  return [...row.matchAll(/<td>(.*?)<\/td>/gs)].map(([, cell]) =>
    shown(cell!.replace(/<br>/g, " ")).replace(/\s+/g, " ").trim(),
  );
}

const headlineOf = (outcome: string) =>
  `${names.cluster} → kubelet identity ${ids.kubelet.objectId.slice(0, 8)}… → AcrPull → ` +
  `${names.registry}.azurecr.io: ${outcome}`;

describe("the job summary of a run", () => {
  it("attach: the headline, a granted registry in the diagram, the assignment in the table", async () => {
    const result = await run();

    expect(result.exitCode).toBe(0);
    const text = shown(result.summary);
    expect(text).toContain(`✅ ${headlineOf("granted")}`);
    expect(text).toContain(
      `Cluster ${names.cluster} (resource group ${names.clusterGroup}) pulls as the kubelet identity ${ids.kubelet.objectId}.`,
    );
    const lines = diagram(result.summary);
    expect(lines[0]).toBe("flowchart LR");
    expect(lines[1]).toMatch(
      /^ {2}c0\["AKS cluster<br\/>aks-demo"\]:::cluster -- "pulls as" --> i0\[/,
    );
    expect(lines[2]).toMatch(
      /^ {2}i0 == "AcrPull" ==> r0\["✅ demoacr<br\/>demoacr\.azurecr\.io<br\/>granted"\]:::granted$/,
    );
    const row = firstRow(result.summary);
    expect(row.slice(0, 3)).toEqual(["demoacr demoacr.azurecr.io", "AcrPull", "✅ granted"]);
    expect(row[3]).toContain(result.outputs["role-assignment-id"]!);
    expect(row[3]).toContain(scopes.registry);
  });

  it("re-run: already granted, no change", async () => {
    await run();
    const rerun = await run();

    expect(rerun.outputs["changed"]).toBe("false");
    expect(shown(rerun.summary)).toContain(`✅ ${headlineOf("already granted, no change")}`);
    expect(diagram(rerun.summary)[2]).toMatch(/:::present$/);
    expect(firstRow(rerun.summary)[2]).toBe("✅ already granted, no change");
  });

  it("detach: the removed assignment, named short, its id kept whole", async () => {
    await run();
    const detached = await run({ mode: "detach" });

    expect(detached.exitCode).toBe(0);
    const [removed] = JSON.parse(detached.outputs["removed-assignment-ids"]!) as string[];
    expect(shown(detached.summary)).toContain(`✅ ${headlineOf("removed 1 assignment")}`);
    expect(diagram(detached.summary)[2]).toMatch(/ -\. "AcrPull" \.-x r0\[.*\]:::removed$/);
    const row = firstRow(detached.summary);
    expect(row[2]).toBe("✅ removed 1 assignment");
    expect(row[3]).toContain(`removed ${removed!.split("/").at(-1)!.slice(0, 8)}…`);
    expect(row[3]).toContain(removed!);
    // The table's visible cells carry no long id: it is in a <details>.
    expect(detached.summary).not.toMatch(/<td>[^<]*\/subscriptions\//);
  });

  it("check: the reasons once, the fix, and a missing registry in the diagram", async () => {
    harness.emulator.addRoleAssignment({
      scope: scopes.registry,
      roleDefinitionId: `/subscriptions/${ids.subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
      principalId: ids.controlPlane.objectId,
      principalType: "ServicePrincipal",
    });

    const checked = await run({ mode: "check" });

    expect(checked.exitCode).toBe(1);
    const text = shown(checked.summary);
    expect(text).toContain(`❌ ${headlineOf("cannot pull")}`);
    expect(diagram(checked.summary)[2]).toMatch(/:::missing$/);
    expect(firstRow(checked.summary)[2]).toBe("❌ cannot pull");
    expect(text).toContain("Why the cluster cannot pull from demoacr");
    const reason = `granted to the cluster's control-plane identity (${ids.controlPlane.objectId})`;
    expect(text.split(reason)).toHaveLength(2);
    expect(text).toContain("How to fix\nRun this action with 'mode: attach'");
    // One summary: the step's failure does not add a second one that repeats the reasons.
    expect(checked.summary.match(/<h3>/g)).toHaveLength(1);
  });

  it("dry run: ⏸ would grant, a planned registry, nothing written", async () => {
    const planned = await run({ "dry-run": "true" });

    expect(harness.armWrites()).toEqual([]);
    expect(planned.summary).toContain("<h3>AKS ← ACR: attach (dry run)</h3>");
    expect(shown(planned.summary)).toContain(`⏸ ${headlineOf("would grant (dry run)")}`);
    expect(diagram(planned.summary)[2]).toMatch(/ -\. "AcrPull" \.-> r0\[.*\]:::planned$/);
    expect(firstRow(planned.summary)[3]).toContain("would be created");
  });

  it("a failure: what failed and the fix, on lines that wrap, and a failed registry", async () => {
    const failed = await run({ "acr-name": "nosuchregistry" });

    expect(failed.exitCode).toBe(1);
    expect(failed.summary).toContain("<h3>AKS ← ACR: attach failed</h3>");
    const text = shown(failed.summary);
    // The cluster and its identity were read: only the registry failed.
    expect(text).toMatch(/❌ aks-demo → kubelet identity \S+ → pull role → nosuchregistry: failed/);
    expect(text).toMatch(/what failed\nContainer registry 'nosuchregistry' was not found/);
    expect(text).toMatch(/How to fix\nCheck the name in 'acr-name'/);
    expect(diagram(failed.summary)[2]).toMatch(/r0\["❌ nosuchregistry<br\/>failed"\]:::failed$/);
    expect(failed.summary).not.toContain("<pre");
  });
});

describe("the job summary of a several-registry run", () => {
  it("draws one cluster, one identity and an edge to each registry, styled by its outcome", async () => {
    const result = await run({
      "acr-name": `${names.registry}, missingacr, ${names.localRegistry}`,
    });

    expect(result.exitCode).toBe(1);
    const lines = diagram(result.summary);
    expect(lines.filter((line) => /\bc0\[/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /\bi0\[/.test(line))).toHaveLength(1);
    const edges = lines
      .map((line) => /^ {2}i0 .*?(r\d+)\["(.*?)"\]:::(\w+)$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1], match[2]!.split("<br/>")[0], match[3]]);
    expect(edges).toEqual([
      ["r0", `✅ ${names.registry}`, "granted"],
      ["r1", "❌ missingacr", "failed"],
      ["r2", `✅ ${names.localRegistry}`, "granted"],
    ]);
    const classDefs = lines.filter((line) => line.trimStart().startsWith("classDef "));
    expect(classDefs.map((line) => line.trim().split(" ")[1]).sort()).toEqual(
      expect.arrayContaining(["failed", "granted"]),
    );
    const text = shown(result.summary);
    expect(text).toContain(`✅ ${headlineOf("granted")}`);
    expect(text).toMatch(/❌ .*missingacr/);
  });
});
