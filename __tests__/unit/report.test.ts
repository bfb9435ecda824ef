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
import { reportAttach, reportCheck, reportDetach } from "../../src/report.ts";
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

function registriesOutput(): Record<string, unknown>[] {
  return JSON.parse(outputs()["registries"]!);
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
    await reportAttach(runOf(result));

    expect(registriesOutput()).toEqual([
      {
        name: "demoacr",
        loginServer: "demoacr.azurecr.io",
        id: scopes.registry,
        role: "AcrPull",
        outcome: "granted",
        changed: true,
        roleAssignmentId: created.id,
      },
    ]);
    expect(outputs()).toEqual({
      registries: outputs()["registries"],
      "login-server": "demoacr.azurecr.io",
      "registry-id": scopes.registry,
      "principal-id": ids.kubelet.objectId,
      "role-assignment-id": created.id,
      changed: "true",
      "planned-changes": "0",
    });
  });

  it("summarises what happened in one row", async () => {
    await reportAttach(runOf(result));

    const text = summary();
    expect(text).toContain("<h3>AKS ← ACR: attach</h3>");
    expect(text).toContain("<td>demoacr (demoacr.azurecr.io)</td>");
    expect(text).toContain(`<td>kubelet identity ${ids.kubelet.objectId}</td>`);
    expect(text).toContain("<td>AcrPull</td>");
    expect(text).toContain(`<td>${scopes.registry}</td>`);
    expect(text).toContain("<td>granted</td>");
    expect(text).not.toContain("<ul>");
  });

  it("reports a dry run's plan: no change, one planned", async () => {
    await reportAttach(runOf({ ...result, outcome: "planned", changed: false, plannedChanges: 1 }));

    expect(outputs()).toMatchObject({
      changed: "false",
      "planned-changes": "1",
      "role-assignment-id": created.id,
    });
    expect(summary()).toContain("<h3>AKS ← ACR: attach (dry run)</h3>");
    expect(summary()).toContain("<td>would grant (dry run): no change</td>");
  });

  it("lists the warnings below the table, escaped", async () => {
    await reportAttach(
      runOf({
        ...result,
        role: { name: `Puller <b>"A" & 'B'</b>`, guid: ACR_PUSH },
        warnings: [`Role 'Puller <b>' does not allow pulling from demoacr.`],
      }),
    );

    const text = summary();
    expect(text).toContain("<td>Puller &#60;b&#62;&#34;A&#34; &#38; &#39;B&#39;&#60;/b&#62;</td>");
    expect(text).toContain(
      "<li>⚠️ Role &#39;Puller &#60;b&#62;&#39; does not allow pulling from demoacr.</li>",
    );
    expect(text).not.toContain("<b>");
  });

  it("sets the outputs but writes no summary outside a runner", async () => {
    delete process.env["GITHUB_STEP_SUMMARY"];

    await reportAttach(runOf(result));

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
    removed: [acrPull, reader],
    stillGranting: [verdict(inherited, "AcrPush", true)],
    changed: true,
    plannedChanges: 0,
    dryRun: false,
  };

  it("sets the removed ids as a JSON array", async () => {
    await reportDetach(runOf(result));

    const set = outputs();
    expect(set).toMatchObject({
      changed: "true",
      "planned-changes": "0",
      "principal-id": ids.kubelet.objectId,
    });
    expect(JSON.parse(set["removed-assignment-ids"]!)).toEqual([acrPull.id, reader.id]);
  });

  it("summarises the registry in one row, and what still grants pull", async () => {
    await reportDetach(runOf(result));

    const text = summary();
    expect(text).toContain("<h3>AKS ← ACR: detach</h3>");
    expect(text).toContain(`<td>removed 2 assignments: ${acrPull.name}, ${reader.name}</td>`);
    expect(text.match(/<tr>/g)).toHaveLength(2);
    expect(text).toContain("<td>AcrPull or Container Registry Repository Reader</td>");
    expect(text).toContain(
      `<li>Still grants pull on demoacr (left in place): AcrPush at ${scopes.registryGroup} (${inherited.id}).</li>`,
    );
    expect(registriesOutput()[0]).toMatchObject({
      outcome: "removed",
      changed: true,
      assignmentIds: [acrPull.id, reader.id],
    });
  });

  it("reports a dry run: nothing removed, the count planned", async () => {
    await reportDetach(runOf({ ...result, changed: false, plannedChanges: 2, dryRun: true }));

    expect(outputs()).toMatchObject({
      changed: "false",
      "planned-changes": "2",
      "removed-assignment-ids": "[]",
    });
    expect(summary()).toContain("<h3>AKS ← ACR: detach (dry run)</h3>");
    expect(summary()).toContain(
      `<td>would remove 2 assignments (dry run): ${acrPull.name}, ${reader.name}</td>`,
    );
    // The assignments a dry run would remove are in the registries output.
    expect(registriesOutput()[0]).toMatchObject({
      outcome: "would-remove",
      changed: false,
      assignmentIds: [acrPull.id, reader.id],
    });
  });

  it("says plainly when there was nothing to remove", async () => {
    await reportDetach(runOf({ ...result, removed: [], stillGranting: [], changed: false }));

    expect(outputs()).toMatchObject({ changed: "false", "removed-assignment-ids": "[]" });
    expect(summary()).toContain("<td>nothing to remove: no change</td>");
    expect(summary()).toContain(`<td>${scopes.registry}</td>`);
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
    await reportCheck(runOf(result));

    expect(outputs()).toEqual({
      registries: outputs()["registries"],
      reasons: "[]",
      "login-server": "demoacr.azurecr.io",
      "registry-id": scopes.registry,
      "principal-id": ids.kubelet.objectId,
      "has-pull-access": "true",
      "role-assignment-id": pull.id,
      changed: "false",
    });
  });

  it("summarises the registry in one row, escaped, and the conclusion", async () => {
    await reportCheck(runOf(result));

    const text = summary();
    expect(text).toContain("<h3>AKS ← ACR: check</h3>");
    // One row for the registry: the role that grants pull, where it is assigned.
    expect(text.match(/<tr>/g)).toHaveLength(2);
    expect(text).toContain("<td>AcrPull</td>");
    expect(text).toContain(`<td>${scopes.registryGroup}</td>`);
    expect(text).toContain("<td>✅ grants pull</td>");
    expect(text).toContain("<li>✅ The cluster can pull from demoacr.azurecr.io.</li>");
    expect(text).not.toContain("<Reader>");
  });

  it("names the roles that do not grant pull, escaped", async () => {
    await reportCheck(
      runOf({
        ...result,
        hasPullAccess: false,
        verdicts: [verdict(held(scopes.registry, ACR_PUSH, "x"), "Log <Reader>", false)],
        reasons: ["The identity's roles on the registry (Log <Reader>) do not include pull."],
      }),
    );

    const text = summary();
    expect(text).toContain("<td>Log &#60;Reader&#62;</td>");
    expect(text).toContain("<td>❌ does not grant pull</td>");
    expect(text).not.toContain("<Reader>");
  });

  it("gives the reasons and warnings when the cluster cannot pull", async () => {
    await reportCheck(
      runOf({
        ...result,
        hasPullAccess: false,
        verdicts: [],
        reasons: [`No role is assigned to the kubelet identity ${ids.kubelet.objectId} & co.`],
        warnings: ["Registry demoacr has public network access disabled."],
      }),
    );

    expect(outputs()).toMatchObject({ "has-pull-access": "false", "role-assignment-id": "" });
    expect(JSON.parse(outputs()["reasons"]!)).toEqual([
      `No role is assigned to the kubelet identity ${ids.kubelet.objectId} & co.`,
    ]);
    const text = summary();
    expect(text).toContain("<td>none</td>");
    expect(text).toContain("<td>❌ no role assigned</td>");
    // The reason, once.
    expect(text).toContain(
      `<li>❌ The cluster cannot pull from demoacr.azurecr.io: No role is assigned to the kubelet identity ${ids.kubelet.objectId} &#38; co.</li>`,
    );
    expect(text.split("No role is assigned")).toHaveLength(2);
    expect(text).toContain("<li>⚠️ Registry demoacr has public network access disabled.</li>");
  });
});
