/**
 * The committed bundle, run as a runner runs it, against the emulator: real sign-in, real SDK
 * clients, real HTTPS. Assertions are on the emulator's state and request log, the step's
 * outputs, its log and its job summary.
 */
import { describe, expect, it } from "@jest/globals";
import { ACR_PUSH, ids, names, scopes, secrets } from "../fixtures.ts";
import { errorText, useEmulator, visibleLog } from "./harness.ts";

const harness = useEmulator();
const { run, armWrites } = harness;

describe("attach, end to end", () => {
  it("grants AcrPull once, to the kubelet identity, as a ServicePrincipal, and says so", async () => {
    const result = await run();

    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const granted = harness.kubeletPullAssignments();
    expect(granted).toHaveLength(1);
    expect(granted[0]!.scope.toLowerCase()).toBe(scopes.registry.toLowerCase());
    expect(granted[0]!.principalType).toBe("ServicePrincipal");
    expect(armWrites()).toHaveLength(1);
    expect(JSON.parse(result.outputs["registries"]!)).toEqual([
      {
        name: names.registry,
        loginServer: `${names.registry}.azurecr.io`,
        id: scopes.registry,
        role: "AcrPull",
        outcome: "granted",
        changed: true,
        roleAssignmentId: granted[0]!.id,
      },
    ]);
    expect(result.outputs).toEqual({
      registries: result.outputs["registries"],
      "login-server": `${names.registry}.azurecr.io`,
      "registry-id": scopes.registry,
      "principal-id": ids.kubelet.objectId,
      "role-assignment-id": granted[0]!.id,
      changed: "true",
      "planned-changes": "0",
    });
    expect(result.summary).toContain("<table>");
    expect(result.summary).toContain("AcrPull");
    expect(result.summary).toContain("granted");
  });

  it("writes nothing on a re-run and reports changed=false with the same assignment", async () => {
    const first = await run();
    // The first run's reads, less its one write: the re-run reads the same and writes nothing.
    const firstReads = harness.emulator.requests.filter(
      (r) => r.service === "arm" && r.method !== "PUT",
    );
    harness.emulator.clearRequests();

    const second = await run();

    expect(second.exitCode).toBe(0);
    expect(armWrites()).toEqual([]);
    expect(harness.emulator.requests.filter((r) => r.service === "arm")).toHaveLength(
      firstReads.length,
    );
    expect(second.outputs["changed"]).toBe("false");
    expect(second.outputs["role-assignment-id"]).toBe(first.outputs["role-assignment-id"]);
    expect(harness.kubeletPullAssignments()).toHaveLength(1);
    expect(second.summary).toContain("already granted");
  });

  it("keeps an AcrPull inherited from the registry's resource group and writes nothing", async () => {
    const inherited = harness.emulator.addRoleAssignment({
      scope: scopes.registryGroup,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
      principalType: "ServicePrincipal",
    });

    const result = await run();

    expect(result.exitCode).toBe(0);
    expect(armWrites()).toEqual([]);
    expect(result.outputs["changed"]).toBe("false");
    expect(result.outputs["role-assignment-id"]).toBe(inherited.id);
    expect(result.summary).toContain("inherited from resource group");
  });

  it("does not count another role or another principal's AcrPull", async () => {
    harness.emulator.addRoleAssignment({
      scope: scopes.registry,
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${ACR_PUSH}`,
      principalId: ids.kubelet.objectId,
      principalType: "ServicePrincipal",
    });
    harness.emulator.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.other.objectId,
      principalType: "ServicePrincipal",
    });

    const result = await run();

    expect(result.exitCode).toBe(0);
    expect(result.outputs["changed"]).toBe("true");
    expect(harness.kubeletPullAssignments()).toHaveLength(1);
  });

  it("finds a registry by login server, and by resource id", async () => {
    const byLoginServer = await run({ "acr-name": `${names.localRegistry}.azurecr.io` });
    const byId = await run({ "acr-name": undefined, "acr-resource-id": scopes.registry });

    expect(byLoginServer.exitCode).toBe(0);
    expect(byLoginServer.outputs["registry-id"]).toBe(scopes.localRegistry);
    expect(byId.exitCode).toBe(0);
    expect(byId.outputs["registry-id"]).toBe(scopes.registry);
    expect(harness.kubeletPullAssignments()).toHaveLength(2);
  });

  it("fails clearly on a wrong secret, writes nothing, and never prints the secret", async () => {
    const wrongSecret = "wrong-Secret~value.DO-NOT-PRINT-4242";

    const result = await run({ "client-secret": wrongSecret });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/AADSTS7000215.*client-secret/s);
    expect(harness.emulator.requests.filter((r) => r.service === "arm")).toEqual([]);
    expect(
      harness.emulator.roleAssignments().filter((a) => a.principalId === ids.kubelet.objectId),
    ).toEqual([]);
    for (const text of [visibleLog(result), result.summary, JSON.stringify(result.outputs)]) {
      expect(text).not.toContain(wrongSecret);
      expect(text).not.toContain(secrets.deployer);
    }
    expect(result.stdout).toContain(`::add-mask::${wrongSecret}`);
  });

  it("fails with the fix when the signed-in principal may not write role assignments", async () => {
    const result = await run({ "client-id": ids.reader.appId, "client-secret": secrets.reader });

    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain("AuthorizationFailed");
    expect(error).toContain(scopes.registry);
    expect(error).toContain("az role assignment create");
    expect(harness.kubeletPullAssignments()).toEqual([]);
    expect(result.summary).toContain("failed");
  });

  it("fails on a cluster without a kubelet identity before any write", async () => {
    const result = await run({ "cluster-name": "aks-noidentity" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain("kubelet identity");
    expect(armWrites()).toEqual([]);
  });

  it.each([
    ["no cluster-name", { "cluster-name": undefined }, "'cluster-name'"],
    ["no resource-group", { "resource-group": undefined }, "'resource-group'"],
    ["no registry", { "acr-name": undefined }, "'acr-name'"],
    [
      "51 registries",
      { "acr-name": Array.from({ length: 51 }, (_, i) => `registry${i}`).join(",") },
      "at most 50",
    ],
    [
      "a storage account id",
      {
        "acr-name": undefined,
        "acr-resource-id": `/subscriptions/${ids.subscription}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x`,
      },
      "Microsoft.Storage/storageAccounts",
    ],
    [
      "a subscription id that is not a GUID",
      { "subscription-id": "not-a-guid" },
      "'subscription-id'",
    ],
    ["a secret without a client id", { "client-id": undefined }, "'client-id'"],
    ["a secret without a tenant", { "tenant-id": undefined }, "'tenant-id'"],
  ])("refuses %s before any request", async (_, inputs, named) => {
    const result = await run(inputs);

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain(named);
    expect(harness.emulator.requests).toEqual([]);
    expect(visibleLog(result)).not.toContain(secrets.deployer);
  });
});
