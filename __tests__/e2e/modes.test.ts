/**
 * Detach, check and dry-run; ABAC registries; service-principal clusters. The committed bundle
 * against the emulator, judged by the emulator's state before and after each run.
 */
import { describe, expect, it } from "@jest/globals";
import type { RoleAssignmentInput } from "../../emulator/index.ts";
import { ACR_PULL, ACR_PUSH, REPOSITORY_READER, ids, names, scopes } from "../fixtures.ts";
import { errorText, shownSummary, useEmulator, visibleLog, warningText } from "./harness.ts";

const harness = useEmulator();
const { run, armWrites } = harness;

function definition(guid: string): string {
  return `/subscriptions/${ids.subscription}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

function grant(
  scope: string,
  roleDefinitionId: string,
  principalId: string = ids.kubelet.objectId,
) {
  const input: RoleAssignmentInput = {
    scope,
    roleDefinitionId,
    principalId,
    principalType: "ServicePrincipal",
  };
  return harness.emulator.addRoleAssignment(input);
}

function stateIds(): string[] {
  return harness.emulator
    .roleAssignments()
    .map((a) => a.id)
    .sort();
}

describe("mode: detach", () => {
  it("removes exactly the identity's pull role at the registry, and nothing else", async () => {
    const target = grant(scopes.registry, definition(ACR_PULL));
    const inherited = grant(scopes.registryGroup, definition(ACR_PULL));
    const otherRole = grant(scopes.registry, definition(ACR_PUSH));
    const otherPrincipal = grant(scopes.registry, definition(ACR_PULL), ids.other.objectId);
    const otherRegistry = grant(scopes.localRegistry, definition(ACR_PULL));
    const before = stateIds();

    const result = await run({ mode: "detach" });

    expect(result.exitCode).toBe(0);
    expect(stateIds()).toEqual(before.filter((id) => id !== target.id));
    for (const kept of [inherited, otherRole, otherPrincipal, otherRegistry]) {
      expect(stateIds()).toContain(kept.id);
    }
    expect(JSON.parse(result.outputs["removed-assignment-ids"]!)).toEqual([target.id]);
    expect(result.outputs["changed"]).toBe("true");
    // What still lets the identity pull is named in the summary and the log.
    expect(result.summary).toContain("Still grants pull");
    expect(result.summary).toContain(inherited.id);
    expect(result.summary).toContain(otherRole.id);
    expect(warningText(result)).toContain(inherited.id);
  });

  it("says plainly when there is nothing to remove, and writes nothing", async () => {
    const result = await run({ mode: "detach" });

    expect(result.exitCode).toBe(0);
    expect(armWrites()).toEqual([]);
    expect(result.outputs["changed"]).toBe("false");
    expect(result.outputs["removed-assignment-ids"]).toBe("[]");
    expect(visibleLog(result)).toContain("nothing to remove");
  });

  it("undoes an attach: attach then detach leaves the state as it was", async () => {
    const before = stateIds();

    const attached = await run();
    const detached = await run({ mode: "detach" });

    expect(attached.outputs["changed"]).toBe("true");
    expect(detached.outputs["removed-assignment-ids"]).toBe(
      JSON.stringify([attached.outputs["role-assignment-id"]]),
    );
    expect(stateIds()).toEqual(before);
  });

  it("plans without writing on a dry run", async () => {
    const target = grant(scopes.registry, definition(ACR_PULL));
    const before = stateIds();
    harness.emulator.clearRequests();

    const result = await run({ mode: "detach", "dry-run": "true" });

    expect(result.exitCode).toBe(0);
    expect(armWrites()).toEqual([]);
    expect(stateIds()).toEqual(before);
    expect(result.outputs["planned-changes"]).toBe("1");
    expect(result.outputs["changed"]).toBe("false");
    expect(shownSummary(result)).toContain("would remove 1 assignment (dry run)");
    expect(shownSummary(result)).toContain(`would be removed ${target.name.slice(0, 8)}…`);
    expect(shownSummary(result)).toContain(target.id);
    expect(JSON.parse(result.outputs["registries"]!)[0]).toMatchObject({
      outcome: "would-remove",
      assignmentIds: [target.id],
    });
  });
});

describe("mode: check", () => {
  it.each([
    ["AcrPull at the registry", scopes.registry, ACR_PULL],
    ["AcrPull at the resource group", scopes.registryGroup, ACR_PULL],
    ["AcrPush at the registry", scopes.registry, ACR_PUSH],
    ["a custom role with registries/pull/read", scopes.subscription, ids.imagePullerRole],
  ])("reports access through %s", async (_, scope, role) => {
    const granting = grant(scope, definition(role));

    const result = await run({ mode: "check" });

    expect(result.exitCode).toBe(0);
    expect(result.outputs["has-pull-access"]).toBe("true");
    expect(result.outputs["role-assignment-id"]).toBe(granting.id);
    expect(result.summary).toContain("grants pull");
    expect(armWrites()).toEqual([]);
  });

  it.each([
    [
      "AcrPull on an ABAC registry",
      () => grant(scopes.abacRegistry, definition(ACR_PULL)),
      names.abacRegistry,
      /ABAC repository permissions.*Container Registry Repository Reader/,
    ],
    [
      "a grant to the control-plane identity",
      () => grant(scopes.registry, definition(ACR_PULL), ids.controlPlane.objectId),
      names.registry,
      new RegExp(`control-plane identity \\(${ids.controlPlane.objectId}\\)`),
    ],
    ["no grant at all", () => undefined, names.registry, /No role is assigned/],
  ])(
    "reports no access for %s, with the reason, and fails the step",
    async (_, arrange, registry, reason) => {
      arrange();

      const result = await run({ mode: "check", "acr-name": registry });

      expect(result.exitCode).toBe(1);
      expect(result.outputs["has-pull-access"]).toBe("false");
      expect(shownSummary(result)).toMatch(reason);
      // The reasons output has it; no second summary repeats the failure.
      expect(result.summary).not.toContain("failed</h3>");
      expect(JSON.parse(result.outputs["reasons"]!).join("\n")).toMatch(reason);
      expect(errorText(result)).toMatch(reason);
      expect(errorText(result)).toContain("fail-on-missing");
      expect(armWrites()).toEqual([]);
    },
  );

  it("only reports missing access with fail-on-missing: false", async () => {
    const result = await run({ mode: "check", "fail-on-missing": "false" });

    expect(result.exitCode).toBe(0);
    expect(result.outputs["has-pull-access"]).toBe("false");
    expect(warningText(result)).toContain("cannot pull");
  });

  it("says that dry-run is not needed with check, and checks", async () => {
    grant(scopes.registry, definition(ACR_PULL));

    const result = await run({ mode: "check", "dry-run": "true" });

    expect(result.exitCode).toBe(0);
    expect(warningText(result)).toContain(
      "Input 'dry-run' is not needed with 'mode: check': check never writes.",
    );
    expect(result.outputs["has-pull-access"]).toBe("true");
  });

  it("warns on attach, as check does, about what breaks pulls although RBAC is right", async () => {
    const result = await run({ "acr-name": names.farRegistry });

    expect(result.exitCode).toBe(0);
    expect(warningText(result)).toContain("public network access disabled");
    expect(warningText(result)).toMatch(/westeurope.*eastus/);
    expect(result.summary).toContain("public network access disabled");
  });

  it("warns about what breaks pulls although RBAC is right", async () => {
    grant(scopes.farRegistry, definition(ACR_PULL));

    const result = await run({ mode: "check", "acr-name": names.farRegistry });

    expect(result.exitCode).toBe(0);
    expect(result.outputs["has-pull-access"]).toBe("true");
    expect(warningText(result)).toContain("public network access disabled");
    expect(warningText(result)).toMatch(/westeurope.*eastus/);
    expect(result.summary).toContain("public network access disabled");
  });
});

describe("ABAC registries, the role input, service-principal clusters", () => {
  it("grants Container Registry Repository Reader on an ABAC registry, and check agrees", async () => {
    const attached = await run({ "acr-name": names.abacRegistry });
    const checked = await run({ "acr-name": names.abacRegistry, mode: "check" });

    expect(attached.exitCode).toBe(0);
    const granted = harness.emulator
      .roleAssignments()
      .filter((a) => a.principalId === ids.kubelet.objectId);
    expect(granted).toHaveLength(1);
    expect(granted[0]!.roleDefinitionId.toLowerCase()).toContain(REPOSITORY_READER);
    expect(attached.summary).toContain("Container Registry Repository Reader");
    expect(checked.outputs["has-pull-access"]).toBe("true");
  });

  it.each([
    ["a role name", "AcrPush"],
    ["a role GUID", ACR_PUSH],
  ])("grants the role given by %s (a privileged one, when allowed)", async (_, role) => {
    const result = await run({ role, "allow-privileged-role": "true" });

    expect(result.exitCode).toBe(0);
    const granted = harness.emulator
      .roleAssignments()
      .filter((a) => a.principalId === ids.kubelet.objectId);
    expect(granted.map((a) => a.roleName)).toEqual(["AcrPush"]);
  });

  it("refuses a role name that does not exist, before any write", async () => {
    const result = await run({ role: "Acr Puller" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/'role'.*Acr Puller/);
    expect(armWrites()).toEqual([]);
  });

  it("grants a service-principal cluster's object id, never its client id", async () => {
    const result = await run({ "cluster-name": names.legacyCluster });

    expect(result.exitCode).toBe(0);
    expect(result.outputs["principal-id"]).toBe(ids.legacySp.objectId);
    const principals = harness.emulator.roleAssignments().map((a) => a.principalId);
    expect(principals).toContain(ids.legacySp.objectId);
    expect(principals).not.toContain(ids.legacySp.appId);
    const graph = harness.emulator.requests.filter((r) => r.service === "graph");
    expect(graph.map((r) => r.path)).toEqual([
      `/v1.0/servicePrincipals(appId='${ids.legacySp.appId}')`,
    ]);
  });

  it("says which Graph permission is missing when Graph refuses, and writes nothing", async () => {
    harness.emulator.inject({
      path: "/v1.0/servicePrincipals",
      status: 403,
      body: {
        error: {
          code: "Authorization_RequestDenied",
          message: "Insufficient privileges to complete the operation.",
        },
      },
    });

    const result = await run({ "cluster-name": names.legacyCluster });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain("Authorization_RequestDenied");
    expect(errorText(result)).toContain("Application.Read.All");
    expect(errorText(result)).toContain(`--assignee ${ids.legacySp.appId}`);
    expect(armWrites()).toEqual([]);
  });

  it("plans an attach on a dry run: nothing written, the plan reported", async () => {
    harness.emulator.clearRequests();

    const planned = await run({ "dry-run": "true" });
    const writesDuringDryRun = armWrites();
    const applied = await run();

    expect(planned.exitCode).toBe(0);
    expect(writesDuringDryRun).toEqual([]);
    expect(planned.outputs["planned-changes"]).toBe("1");
    expect(planned.outputs["changed"]).toBe("false");
    expect(shownSummary(planned)).toContain("would grant (dry run)");
    // The id a dry run announces is the one a real run then creates.
    expect(applied.outputs["role-assignment-id"]).toBe(planned.outputs["role-assignment-id"]);
  });
});
