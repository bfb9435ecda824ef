/**
 * What a run leaves behind: the step's outputs and its job summary, read from the files the
 * runner hands the step (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`), as the next step would.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as core from "@actions/core";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from "@jest/globals";
import type { PullIdentity, Registry, RoleAssignment } from "../../src/domain/ports.ts";
import { BuiltInRoles } from "../../src/domain/roles.ts";
import {
  reportAttach as reportAttachRun,
  reportCheck as reportCheckRun,
  reportDetach as reportDetachRun,
  ReportedFailure,
  reportFailure,
  type ReportContext,
} from "../../src/report.ts";
import { ActionError } from "../../src/errors.ts";
import type { AssignmentVerdict } from "../../src/workflows/access.ts";
import type { AttachResult } from "../../src/workflows/attach.ts";
import type { CheckResult } from "../../src/workflows/check.ts";
import type { DetachResult } from "../../src/workflows/detach.ts";
import type { PipelineRun } from "../../src/workflows/pipeline.ts";
import {
  ACR_PULL,
  ACR_PUSH,
  REPOSITORY_READER,
  assignmentIdFor,
  roleDefinitionIdFor,
} from "../fakes/azure.ts";
import { ids, scopes } from "../fixtures.ts";
import { clusterNamed, registryAt } from "../fakes/world.ts";

let directory: string;
let outputFile: string;
let summaryFile: string;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "report-test-"));
  outputFile = join(directory, "output");
  summaryFile = join(directory, "summary");
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  savedEnv = { ...process.env };
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  process.env["GITHUB_OUTPUT"] = outputFile;
  // @actions/core settles the summary's path on its first write, so every test uses this file.
  process.env["GITHUB_STEP_SUMMARY"] = summaryFile;
  core.summary.emptyBuffer();
  jest.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const key of Object.keys(process.env)) {
    if (!(key in savedEnv)) delete process.env[key];
  }
  Object.assign(process.env, savedEnv);
});

/** The outputs as the runner parses `name<<delimiter … delimiter` blocks. */
function outputs(): Record<string, string> {
  const text = readFileSync(outputFile, "utf8");
  const found: Record<string, string> = {};
  for (const [, name, delimiter, value] of text.matchAll(/^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) {
    expect(delimiter).toMatch(/^ghadelimiter_/);
    found[name!] = value!;
  }
  return found;
}

function summary(): string {
  return readFileSync(summaryFile, "utf8");
}

/** The summary's text as a reader sees it: tags dropped, entities and break hints undone. */
function shown(): string {
  return summary()
    .replace(/<wbr>/g, "")
    .replace(/<br>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}

/** The table's rows, each as the text of its cells. */
function rows(): string[][] {
  const body = /<tbody>(.*?)<\/tbody>/s.exec(summary())?.[1] ?? "";
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map(([, row]) =>
    [...row!.matchAll(/<td>(.*?)<\/td>/gs)].map(([, cell]) =>
      cell!
        .replace(/<wbr>/g, "")
        .replace(
          /<details>.*?<\/details>/gs,
          (details) => ` [${details.replace(/<[^>]+>/g, " ")}] `,
        )
        .replace(/<[^>]+>/g, " ")
        .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
        .replace(/\s+/g, " ")
        .trim(),
    ),
  );
}

const registry: Registry = registryAt(scopes.registry);
const kubelet: PullIdentity = {
  kind: "kubelet-identity",
  objectId: ids.kubelet.objectId,
  clientId: ids.kubelet.clientId,
};

function held(scope: string, roleGuid: string, name: string): RoleAssignment {
  return {
    id: assignmentIdFor(scope, name),
    name,
    scope,
    roleDefinitionId: roleDefinitionIdFor(ids.subscription, roleGuid),
    principalId: ids.kubelet.objectId,
    principalType: "ServicePrincipal",
  };
}

function verdict(assignment: RoleAssignment, roleName: string, grants: boolean): AssignmentVerdict {
  return { assignment, roleName, grantsPull: grants, grantsPullInOtherMode: false };
}

const context: ReportContext = {
  mode: "attach",
  dryRun: false,
  clusterName: "aks-demo",
  resourceGroup: "rg-aks",
  subscriptionId: ids.subscription,
};

const created = held(scopes.registry, ACR_PULL, "0d6f1c3e-2a4b-5c6d-8e7f-9a0b1c2d3e4f");

/** A run over one registry, with this result. */
function runOf<R extends { registry: Registry }>(result: R): PipelineRun<R> {
  return {
    cluster: clusterNamed("aks-demo"),
    identity: kubelet,
    items: [
      {
        entry: { kind: "name", name: result.registry.name },
        label: result.registry.name,
        registry: result.registry,
        result,
        error: undefined,
      },
    ],
  };
}

const reportAttach = (result: AttachResult, reportContext: ReportContext) =>
  reportAttachRun(runOf(result), reportContext);
const reportDetach = (result: DetachResult, reportContext: ReportContext) =>
  reportDetachRun(runOf(result), reportContext);
/** A check of one registry; `failure` is the run's, when the step fails for it. */
const reportCheck = (
  { failure, ...result }: CheckResult & { failure?: ActionError },
  reportContext: ReportContext,
) => reportCheckRun({ ...runOf(result), ...(failure ? { failure } : {}) }, reportContext);

/** The outputs but the JSON arrays (their own tests read them). */
function singleOutputs(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(outputs()).filter(([name]) => name !== "registries" && name !== "reasons"),
  );
}

describe("reportAttach", () => {
  const result: AttachResult = {
    registry,
    identity: kubelet,
    role: BuiltInRoles.AcrPull,
    outcome: "created",
    assignmentId: created.id,
    assignmentScope: scopes.registry,
    changed: true,
    plannedChanges: 0,
    warnings: [],
    registryCreation: undefined,
  };

  it("sets every attach output", async () => {
    await reportAttach(result, context);

    expect(singleOutputs()).toEqual({
      "login-server": "demoacr.azurecr.io",
      "registry-id": scopes.registry,
      "principal-id": ids.kubelet.objectId,
      "role-assignment-id": created.id,
      changed: "true",
      "planned-changes": "0",
    });
  });

  it("summarises what happened in one row", async () => {
    await reportAttach(result, context);

    const text = summary();
    expect(text).toContain("<h3>AKS ← ACR: attach</h3>");
    expect(shown()).toContain(
      "✅ aks-demo → kubelet identity e4f6a8b0… → AcrPull → demoacr.azurecr.io: granted",
    );
    expect(shown()).toContain(
      `Cluster aks-demo (resource group rg-aks) pulls as the kubelet identity ${ids.kubelet.objectId}.`,
    );
    expect(text).toContain("```mermaid\nflowchart LR\n");
    expect(text).toMatch(
      /i0 == "AcrPull" ==> r0\["✅ demoacr<br\/>demoacr\.azurecr\.io<br\/>granted"\]:::granted/,
    );
    const [row] = rows();
    expect(row!.slice(0, 3)).toEqual(["demoacr demoacr.azurecr.io", "AcrPull", "✅ granted"]);
    expect(row![3]).toContain(created.id);
    expect(row![3]).toContain(scopes.registry);
    expect(text).not.toContain("<ul>");
  });

  it("reports a dry run's plan: no change, one planned", async () => {
    await reportAttach(
      { ...result, outcome: "planned", changed: false, plannedChanges: 1 },
      context,
    );

    expect(outputs()).toMatchObject({
      changed: "false",
      "planned-changes": "1",
      "role-assignment-id": created.id,
    });
    expect(summary()).toContain("<h3>AKS ← ACR: attach (dry run)</h3>");
    expect(shown()).toContain("⏸ aks-demo → kubelet identity");
    expect(rows()[0]![2]).toBe("⏸ would grant (dry run)");
    expect(summary()).toContain(":::planned");
  });

  it("lists the warnings below the table, escaped", async () => {
    await reportAttach(
      {
        ...result,
        role: { name: `Puller <b>"A" & 'B'</b>`, guid: ACR_PUSH },
        warnings: [`Role 'Puller <b>' does not allow pulling from demoacr.`],
      },
      context,
    );

    const text = summary();
    expect(text).toContain("<td>Puller &#60;b&#62;&#34;A&#34; &#38; &#39;B&#39;&#60;/b&#62;</td>");
    expect(text).toContain(
      "<p><b>Warnings</b></p>\n<ul><li>⚠️ Role &#39;Puller &#60;b&#62;&#39; does not allow pulling from demoacr.</li></ul>",
    );
    expect(text).not.toContain("Puller <b>");
  });

  it("sets the outputs but writes no summary outside a runner", async () => {
    delete process.env["GITHUB_STEP_SUMMARY"];

    await reportAttach(result, context);

    expect(outputs()["changed"]).toBe("true");
    expect(summary()).toBe("");
  });
});

describe("reportDetach", () => {
  const acrPull = held(scopes.registry, ACR_PULL, "1a2b3c4d-0000-4000-8000-000000000001");
  const reader = held(scopes.registry, REPOSITORY_READER, "1a2b3c4d-0000-4000-8000-000000000002");
  const inherited = held(scopes.registryGroup, ACR_PUSH, "1a2b3c4d-0000-4000-8000-000000000003");
  const result: DetachResult = {
    registry,
    identity: kubelet,
    roles: [BuiltInRoles.AcrPull, BuiltInRoles.RepositoryReader],
    alreadyGone: [],
    removed: [acrPull, reader],
    stillGranting: [verdict(inherited, "AcrPush", true)],
    changed: true,
    plannedChanges: 0,
    dryRun: false,
  };

  it("sets the removed ids as a JSON array", async () => {
    await reportDetach(result, context);

    const set = outputs();
    expect(set).toMatchObject({
      changed: "true",
      "planned-changes": "0",
      "principal-id": ids.kubelet.objectId,
    });
    expect(JSON.parse(set["removed-assignment-ids"]!)).toEqual([acrPull.id, reader.id]);
  });

  it("summarises one row per removed assignment and what still grants pull", async () => {
    await reportDetach(result, context);

    const text = summary();
    expect(text).toContain("<h3>AKS ← ACR: detach</h3>");
    expect(shown()).toContain(
      "✅ aks-demo → kubelet identity e4f6a8b0… → AcrPull, Container Registry Repository Reader → demoacr.azurecr.io: removed 2 assignments",
    );
    const [row] = rows();
    expect(row![2]).toBe("✅ removed 2 assignments");
    // The ids are in the row, whole, but never in its visible text.
    for (const id of [acrPull.id, reader.id, inherited.id]) expect(row![3]).toContain(id);
    expect(/<td>[^<]*\/subscriptions\//.test(text)).toBe(false);
    expect(shown()).toContain(
      "Still grants pull (left in place): AcrPush at resource group rg-acr.",
    );
    expect(text).toContain(":::removed");
  });

  it("reports a dry run: nothing removed, the count planned", async () => {
    await reportDetach({ ...result, changed: false, plannedChanges: 2, dryRun: true }, context);

    expect(outputs()).toMatchObject({
      changed: "false",
      "planned-changes": "2",
      "removed-assignment-ids": "[]",
    });
    expect(summary()).toContain("<h3>AKS ← ACR: detach (dry run)</h3>");
    expect(rows()[0]![2]).toBe("⏸ would remove 2 assignments (dry run)");
    expect(rows()[0]![3]).toContain(`would be removed ${acrPull.name.slice(0, 8)}…`);
    expect(rows()[0]![3]).toContain(acrPull.id);
  });

  it("says plainly when there was nothing to remove", async () => {
    await reportDetach({ ...result, removed: [], stillGranting: [], changed: false }, context);

    expect(outputs()).toMatchObject({ changed: "false", "removed-assignment-ids": "[]" });
    expect(rows()[0]![2]).toBe("✅ nothing to remove, no change");
    expect(rows()[0]![3]).toContain(scopes.registry);
  });
});

describe("reportCheck", () => {
  const pull = held(scopes.registryGroup, ACR_PULL, "2b3c4d5e-0000-4000-8000-000000000001");
  const result: CheckResult = {
    cluster: clusterNamed("aks-demo"),
    registry,
    identity: kubelet,
    mode: "legacy",
    hasPullAccess: true,
    verdicts: [
      verdict(held(scopes.registry, ACR_PUSH, "x"), "Log <Reader>", false),
      verdict(pull, "AcrPull", true),
    ],
    reasons: [],
    warnings: [],
  };

  it("sets has-pull-access and the granting assignment", async () => {
    await reportCheck(result, { ...context, mode: "check" });

    expect(singleOutputs()).toEqual({
      "login-server": "demoacr.azurecr.io",
      "registry-id": scopes.registry,
      "principal-id": ids.kubelet.objectId,
      "has-pull-access": "true",
      "role-assignment-id": pull.id,
      changed: "false",
    });
  });

  it("summarises each assignment's verdict, escaped, and the conclusion", async () => {
    await reportCheck(result, { ...context, mode: "check" });

    const text = summary();
    expect(text).toContain("<h3>AKS ← ACR: check</h3>");
    expect(shown()).toContain(
      "✅ aks-demo → kubelet identity e4f6a8b0… → AcrPull → demoacr.azurecr.io: can pull (via resource group rg-acr)",
    );
    const [row] = rows();
    expect(row![3]).toContain("Log <Reader> at registry demoacr: does not grant pull");
    expect(row![3]).toContain("AcrPull at resource group rg-acr: grants pull");
    expect(text).toContain(":::inherited");
    expect(text).not.toContain("<Reader>");
  });

  it("gives the reasons and warnings when the cluster cannot pull", async () => {
    await reportCheck(
      {
        ...result,
        hasPullAccess: false,
        verdicts: [],
        reasons: [`No role is assigned to the kubelet identity ${ids.kubelet.objectId} & co.`],
        warnings: ["Registry demoacr has public network access disabled."],
      },
      { ...context, mode: "check" },
    );

    expect(outputs()).toMatchObject({ "has-pull-access": "false", "role-assignment-id": "" });
    const text = summary();
    expect(rows()[0]![2]).toBe("❌ cannot pull");
    expect(text).toContain(":::missing");
    const reason = `No role is assigned to the kubelet identity ${ids.kubelet.objectId} &#38; co.`;
    // Each reason once, in the list of reasons.
    expect(text.split(reason)).toHaveLength(2);
    expect(text).toContain(
      `<p><b>Why the cluster cannot pull from demoacr</b></p>\n<ul><li>${reason}</li></ul>`,
    );
    expect(text).toContain("<li>⚠️ Registry demoacr has public network access disabled.</li>");
  });

  it("gives the fix when the step fails for it", async () => {
    await reportCheck(
      {
        ...result,
        hasPullAccess: false,
        verdicts: [],
        reasons: ["No role."],
        failure: new ReportedFailure("Cluster 'aks-demo' cannot pull.", {
          remedy: "Run this action with 'mode: attach'.",
        }),
      },
      { ...context, mode: "check" },
    );

    expect(shown()).toContain(
      "demoacr: what failed\nThe cluster cannot pull from demoacr.azurecr.io.",
    );
    expect(shown()).toContain("How to fix\nRun this action with 'mode: attach'.");
  });
});

describe("reportFailure", () => {
  it("says what failed and how to fix it, on lines that wrap, naming what was asked", async () => {
    await reportFailure(
      "Container registry 'nosuch' was not found in subscription x.\nHow to fix: Check 'acr-name'.",
      { ...context, registries: [{ kind: "name", name: "nosuch" }], role: { kind: "auto" } },
    );

    const text = summary();
    expect(text).toContain("<h3>AKS ← ACR: attach failed</h3>");
    expect(shown()).toContain("❌ aks-demo → pull identity → pull role → nosuch: failed");
    expect(shown()).toContain(
      "What failed\nContainer registry 'nosuch' was not found in subscription x.",
    );
    expect(shown()).toContain("How to fix\nCheck 'acr-name'.");
    expect(text).toContain(":::failed");
    expect(text).not.toContain("<pre");
  });

  it("writes a summary even when the inputs could not be read", async () => {
    await reportFailure("Input 'mode' is not valid.\nHow to fix: Use attach.");

    expect(shown()).toContain("What failed\nInput 'mode' is not valid.");
    expect(summary()).not.toContain("mermaid");
  });
});
