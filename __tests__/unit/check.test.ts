/**
 * `mode: check` over the in-memory Azure: whether the cluster's pull identity can pull, judged
 * from the role assignments that apply to the registry, and why not when it cannot.
 */
import { describe, expect, it } from "@jest/globals";
import { check } from "../../src/workflows/check.ts";
import type { CheckRequest } from "../../src/workflows/check.ts";
import {
  ACR_PULL,
  ACR_PUSH,
  CONTRIBUTOR,
  OWNER,
  READER,
  REPOSITORY_READER,
  RecordingLog,
  type FakeAzure,
} from "../fakes/azure.ts";
import { ids, scopes } from "../fixtures.ts";
import { byName, clusterNamed, registryAt, target, world } from "../fakes/world.ts";

const signal = new AbortController().signal;

const IMAGE_PULLER = "d9e1f3a5-8b0c-4d2e-9f4a-6b7c8d9e0f15";
const LOG_READER = "e0f2a4b6-9c1d-4e3f-8a5b-7c8d9e0f1a26";

/** The world, with two custom roles: one that can pull, one that cannot. */
function customWorld(): FakeAzure {
  const azure = world();
  azure.addRoleDefinition({
    guid: IMAGE_PULLER,
    roleName: "Image Puller",
    assignableScopes: [scopes.subscription],
    actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
  });
  azure.addRoleDefinition({
    guid: LOG_READER,
    roleName: "Log Reader",
    assignableScopes: [scopes.subscription],
    actions: ["Microsoft.Insights/logs/read"],
  });
  return azure;
}

function run(azure: FakeAzure, request: CheckRequest = target) {
  return check(request, azure, { signal, log: new RecordingLog() });
}

const onAbac: CheckRequest = { ...target, registry: byName("abacacr") };

describe("check", () => {
  it.each<[string, string, string, CheckRequest]>([
    ["AcrPull at the registry", scopes.registry, ACR_PULL, target],
    ["AcrPull at its resource group", scopes.registryGroup, ACR_PULL, target],
    ["AcrPull at its subscription", scopes.subscription, ACR_PULL, target],
    ["AcrPush at the registry", scopes.registry, ACR_PUSH, target],
    ["Owner at the resource group", scopes.registryGroup, OWNER, target],
    ["Contributor at the subscription", scopes.subscription, CONTRIBUTOR, target],
    ["Reader at the registry", scopes.registry, READER, target],
    ["a custom role with registries/pull/read", scopes.registry, IMAGE_PULLER, target],
    ["Repository Reader on an ABAC registry", scopes.abacRegistry, REPOSITORY_READER, onAbac],
    [
      "Repository Reader on an ABAC registry's group",
      scopes.registryGroup,
      REPOSITORY_READER,
      onAbac,
    ],
  ])("finds pull access through %s", async (_, scope, roleGuid, request) => {
    const azure = customWorld();
    const granting = azure.assign({ scope, principalId: ids.kubelet.objectId, roleGuid });

    const result = await run(azure, request);

    expect(result).toMatchObject({ hasPullAccess: true, reasons: [] });
    expect(result.verdicts).toEqual([
      expect.objectContaining({ assignment: granting, grantsPull: true }),
    ]);
  });

  it("names each applying assignment's role and verdict", async () => {
    const azure = customWorld();
    azure.assign({
      scope: scopes.registry,
      principalId: ids.kubelet.objectId,
      roleGuid: LOG_READER,
    });
    azure.assign({
      scope: scopes.subscription,
      principalId: ids.kubelet.objectId,
      roleGuid: ACR_PUSH,
    });

    const result = await run(azure);

    expect(result.hasPullAccess).toBe(true);
    expect(result.verdicts.map((v) => [v.roleName, v.assignment.scope, v.grantsPull])).toEqual([
      ["Log Reader", scopes.registry, false],
      ["AcrPush", scopes.subscription, true],
    ]);
  });

  it("finds the pull access of a service-principal cluster under the object id", async () => {
    const azure = world();
    azure.assign({
      scope: scopes.registry,
      principalId: ids.legacySp.objectId,
      roleGuid: ACR_PULL,
    });

    const result = await run(azure, { ...target, clusterName: "aks-legacy" });

    expect(result).toMatchObject({
      hasPullAccess: true,
      identity: { kind: "service-principal", objectId: ids.legacySp.objectId },
    });
  });

  it("refuses AcrPull on an ABAC registry, pointing at Repository Reader", async () => {
    const azure = world();
    azure.assign({
      scope: scopes.abacRegistry,
      principalId: ids.kubelet.objectId,
      roleGuid: ACR_PULL,
    });

    const result = await run(azure, onAbac);

    expect(result).toMatchObject({ hasPullAccess: false, mode: "abac" });
    expect(result.reasons).toEqual([
      expect.stringMatching(/^AcrPull at .*abacacr does not work on this registry: .*ABAC/),
    ]);
    expect(result.reasons[0]).toContain("'Container Registry Repository Reader'");
  });

  it("refuses Repository Reader on a legacy registry, pointing at AcrPull", async () => {
    const azure = world();
    azure.assign({
      scope: scopes.registry,
      principalId: ids.kubelet.objectId,
      roleGuid: REPOSITORY_READER,
    });

    const result = await run(azure);

    expect(result.hasPullAccess).toBe(false);
    expect(result.reasons).toEqual([
      expect.stringMatching(/Container Registry Repository Reader .* only ABAC .*needs AcrPull/),
    ]);
  });

  it("refuses a grant to the control-plane identity only, naming it", async () => {
    const azure = world();
    azure.assign({
      scope: scopes.registry,
      principalId: ids.controlPlane.objectId,
      roleGuid: ACR_PULL,
    });

    const result = await run(azure);

    expect(result).toMatchObject({ hasPullAccess: false, verdicts: [] });
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toMatch(/control-plane identity/);
    expect(result.reasons[0]).toContain(ids.controlPlane.objectId);
    expect(result.reasons[0]).toContain(`kubelet identity ${ids.kubelet.objectId}`);
  });

  it("ignores the control-plane identity's roles that do not grant pull", async () => {
    const azure = customWorld();
    azure.assign({
      scope: scopes.registry,
      principalId: ids.controlPlane.objectId,
      roleGuid: LOG_READER,
    });

    const result = await run(azure);

    expect(result.hasPullAccess).toBe(false);
    expect(result.reasons).toEqual([expect.stringMatching(/^No role is assigned to the kubelet/)]);
  });

  it.each<[string, { scope: string; principalId: string; roleGuid: string } | undefined]>([
    ["nothing at all", undefined],
    [
      "AcrPull to another principal",
      { scope: scopes.registry, principalId: ids.other.objectId, roleGuid: ACR_PULL },
    ],
    [
      "AcrPull on another registry",
      { scope: scopes.localRegistry, principalId: ids.kubelet.objectId, roleGuid: ACR_PULL },
    ],
    [
      "AcrPull on a child resource of the registry",
      {
        scope: `${scopes.registry}/replications/westus`,
        principalId: ids.kubelet.objectId,
        roleGuid: ACR_PULL,
      },
    ],
  ])("says nothing is assigned when there is %s", async (_, seeded) => {
    const azure = world();
    if (seeded) azure.assign(seeded);

    const result = await run(azure);

    expect(result).toMatchObject({ hasPullAccess: false, verdicts: [] });
    expect(result.reasons).toEqual([
      `No role is assigned to the kubelet identity ${ids.kubelet.objectId} on the registry or above it.`,
    ]);
  });

  it("refuses another role only, saying which permission is missing", async () => {
    const azure = customWorld();
    azure.assign({
      scope: scopes.registry,
      principalId: ids.kubelet.objectId,
      roleGuid: LOG_READER,
    });

    const result = await run(azure);

    expect(result.hasPullAccess).toBe(false);
    expect(result.reasons).toEqual([
      "The identity's roles on the registry (Log Reader) do not include " +
        "'Microsoft.ContainerRegistry/registries/pull/read'.",
    ]);
  });

  it("refuses Owner on an ABAC registry: its actions do not pull there", async () => {
    const azure = world();
    azure.assign({
      scope: scopes.abacRegistry,
      principalId: ids.kubelet.objectId,
      roleGuid: OWNER,
    });

    const result = await run(azure, onAbac);

    expect(result.hasPullAccess).toBe(false);
    expect(result.reasons).toEqual([
      expect.stringMatching(
        /^Owner at .*abacacr does not work on this registry: .*Repository Reader/,
      ),
    ]);
  });

  describe("warnings", () => {
    function warningsFor(registry: Parameters<typeof registryAt>[1], clusterLocation = "eastus") {
      const azure = world();
      azure.addCluster(clusterNamed("aks-here", { location: clusterLocation }));
      const id = `${scopes.registryGroup}/providers/Microsoft.ContainerRegistry/registries/hereacr`;
      azure.addRegistry(registryAt(id, registry));
      azure.assign({ scope: id, principalId: ids.kubelet.objectId, roleGuid: ACR_PULL });
      return run(azure, { ...target, clusterName: "aks-here", registry: byName("hereacr") });
    }

    it("warns that public network access is disabled, naming the login server", async () => {
      const result = await warningsFor({ publicNetworkAccess: "Disabled" });

      expect(result.hasPullAccess).toBe(true);
      expect(result.warnings).toEqual([
        expect.stringMatching(
          /public network access disabled.*private endpoint.*hereacr\.azurecr\.io/,
        ),
      ]);
    });

    it("warns that the registry is in another region, naming both", async () => {
      const result = await warningsFor({ location: "westeurope" });

      expect(result.hasPullAccess).toBe(true);
      expect(result.warnings).toEqual([
        expect.stringMatching(/is in westeurope, the cluster in eastus/),
      ]);
    });

    it("gives both warnings at once", async () => {
      const result = await warningsFor({ publicNetworkAccess: "disabled", location: "westus2" });

      expect(result.warnings).toHaveLength(2);
    });

    it.each<[string, Parameters<typeof registryAt>[1], string]>([
      ["the same region written differently", { location: "East US" }, "eastus"],
      ["the same region in upper case", { location: "EASTUS" }, "East US"],
      ["public access enabled", { publicNetworkAccess: "Enabled" }, "eastus"],
      ["public access not reported", { publicNetworkAccess: undefined }, "eastus"],
    ])("warns of nothing for %s", async (_, registry, clusterLocation) => {
      const result = await warningsFor(registry, clusterLocation);

      expect(result.warnings).toEqual([]);
    });

    it("warns even when the identity cannot pull", async () => {
      const azure = world();
      azure.addRegistry(
        registryAt(
          `${scopes.registryGroup}/providers/Microsoft.ContainerRegistry/registries/privacr`,
          { publicNetworkAccess: "Disabled" },
        ),
      );

      const result = await run(azure, { ...target, registry: byName("privacr") });

      expect(result.hasPullAccess).toBe(false);
      expect(result.warnings).toEqual([expect.stringMatching(/public network access disabled/)]);
    });
  });
});
