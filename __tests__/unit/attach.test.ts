import { describe, expect, it } from "@jest/globals";
import type { PullIdentity, RoleAssignment } from "../../src/domain/ports.ts";
import { BuiltInRoles } from "../../src/domain/roles.ts";
import { ActionError } from "../../src/errors.ts";
import { assignmentName } from "../../src/workflows/assignment-name.ts";
import { attach, planAttach, type AttachRequest } from "../../src/workflows/attach.ts";
import {
  ACR_PULL,
  ACR_PUSH,
  FakeAzure,
  RecordingLog,
  assignmentIdFor,
  rejection,
  roleDefinitionIdFor,
} from "../fakes/azure.ts";
import { ids, scopes as fixtureScopes } from "../fixtures.ts";
import { clusterId, registryAt, world } from "../fakes/world.ts";

const subscription = ids.subscription;
const otherSubscription = ids.otherSubscription;
const kubelet = ids.kubelet;
const someoneElse = ids.other.objectId;

const scopes = {
  ...fixtureScopes,
  managementGroup: "/providers/Microsoft.Management/managementGroups/platform",
};

const signal = new AbortController().signal;

const request: AttachRequest = {
  subscriptionId: subscription,
  resourceGroup: "rg-aks",
  clusterName: "aks-demo",
  registry: { kind: "name", name: "demoacr" },
  role: { kind: "auto" },
  dryRun: false,
};

function run(azure: FakeAzure, req: AttachRequest = request) {
  return attach(req, azure, { signal, log: new RecordingLog() });
}

function pullAssignmentsOf(azure: FakeAzure, principalId: string): RoleAssignment[] {
  return azure.assignments.filter(
    (a) => a.principalId === principalId && a.roleDefinitionId.toLowerCase().endsWith(ACR_PULL),
  );
}

describe("attach", () => {
  it("grants AcrPull once, at the registry, to the kubelet identity, under the derived name", async () => {
    const azure = world();

    const result = await run(azure);

    const name = assignmentName(scopes.registry, kubelet.objectId, ACR_PULL);
    expect(azure.assignments).toEqual([
      {
        id: assignmentIdFor(scopes.registry, name),
        name,
        scope: scopes.registry,
        roleDefinitionId: roleDefinitionIdFor(subscription, ACR_PULL),
        principalId: kubelet.objectId,
        principalType: "ServicePrincipal",
        description: expect.stringMatching(
          /^granted by aks-attach-acr for cluster \/subscriptions\//,
        ),
      },
    ]);
    expect(result).toMatchObject({
      outcome: "created",
      changed: true,
      assignmentId: assignmentIdFor(scopes.registry, name),
      assignmentScope: scopes.registry,
      role: BuiltInRoles.AcrPull,
      identity: {
        kind: "kubelet-identity",
        objectId: kubelet.objectId,
        clientId: kubelet.clientId,
      },
      registry: { id: scopes.registry, loginServer: "demoacr.azurecr.io" },
    });
  });

  it("changes nothing on a second run", async () => {
    const azure = world();
    const first = await run(azure);

    const second = await run(azure);

    expect(pullAssignmentsOf(azure, kubelet.objectId)).toHaveLength(1);
    expect(second).toMatchObject({
      outcome: "already-assigned",
      changed: false,
      assignmentId: first.assignmentId,
    });
  });

  it("keeps an AcrPull someone already assigned at the registry, whatever its name", async () => {
    const azure = world();
    const existing = azure.assign({
      scope: scopes.registry,
      principalId: kubelet.objectId,
      roleGuid: ACR_PULL,
    });

    const result = await run(azure);

    expect(azure.assignments).toEqual([existing]);
    expect(result).toMatchObject({
      outcome: "already-assigned",
      changed: false,
      assignmentId: existing.id,
      assignmentScope: existing.scope,
    });
  });

  it("reports no change when its own assignment exists but ARM's list does not show it yet", async () => {
    const azure = world();
    const name = assignmentName(scopes.registry, kubelet.objectId, ACR_PULL);
    const lagging = azure.assign({
      scope: scopes.registry,
      principalId: kubelet.objectId,
      roleGuid: ACR_PULL,
      name,
      listed: false,
    });

    const result = await run(azure);

    expect(azure.assignments).toEqual([lagging]);
    expect(result).toMatchObject({
      outcome: "already-assigned",
      changed: false,
      assignmentId: lagging.id,
      assignmentScope: scopes.registry,
    });
  });

  it("recognises the registry scope in ARM's other casing", async () => {
    const azure = world();
    const existing = azure.assign({
      scope: scopes.registry.toLowerCase(),
      principalId: kubelet.objectId.toUpperCase(),
      roleGuid: ACR_PULL.toUpperCase(),
    });

    const result = await run(azure);

    expect(azure.assignments).toEqual([existing]);
    expect(result.outcome).toBe("already-assigned");
  });

  it.each([
    ["its resource group", scopes.registryGroup],
    ["its subscription", scopes.subscription],
    ["a management group", scopes.managementGroup],
    ["the root scope", "/"],
  ])("keeps AcrPull inherited from %s", async (_, scope) => {
    const azure = world();
    const existing = azure.assign({ scope, principalId: kubelet.objectId, roleGuid: ACR_PULL });

    const result = await run(azure);

    expect(azure.assignments).toEqual([existing]);
    expect(result).toMatchObject({
      outcome: "inherited",
      changed: false,
      assignmentId: existing.id,
      assignmentScope: scope,
    });
  });

  it("prefers the assignment at the registry over an inherited one", async () => {
    const azure = world();
    azure.assign({ scope: scopes.subscription, principalId: kubelet.objectId, roleGuid: ACR_PULL });
    const atRegistry = azure.assign({
      scope: scopes.registry,
      principalId: kubelet.objectId,
      roleGuid: ACR_PULL,
    });

    const result = await run(azure);

    expect(result).toMatchObject({ outcome: "already-assigned", assignmentId: atRegistry.id });
  });

  it.each([
    [
      "AcrPush at the registry",
      { scope: scopes.registry, principalId: kubelet.objectId, roleGuid: ACR_PUSH },
    ],
    [
      "another principal's AcrPull",
      { scope: scopes.registry, principalId: someoneElse, roleGuid: ACR_PULL },
    ],
    [
      "AcrPull on a child resource of the registry",
      {
        scope: `${scopes.registry}/replications/westus`,
        principalId: kubelet.objectId,
        roleGuid: ACR_PULL,
      },
    ],
    [
      "AcrPull on a registry whose name starts the same",
      { scope: `${scopes.registry}2`, principalId: kubelet.objectId, roleGuid: ACR_PULL },
    ],
    [
      "AcrPull on a resource group whose name starts the same",
      { scope: `${scopes.registryGroup}-old`, principalId: kubelet.objectId, roleGuid: ACR_PULL },
    ],
  ])("does not count %s", async (_, seeded) => {
    const azure = world();
    const unrelated = azure.assign(seeded);

    const result = await run(azure);

    expect(result).toMatchObject({ outcome: "created", changed: true });
    expect(azure.assignments).toHaveLength(2);
    expect(azure.assignments[0]).toEqual(unrelated);
    const granted = pullAssignmentsOf(azure, kubelet.objectId).filter(
      (a) => a.scope === scopes.registry,
    );
    expect(granted.map((a) => a.id)).toEqual([result.assignmentId]);
  });

  it("names the role definition in the registry's subscription, for a registry given by id", async () => {
    const remote = `/subscriptions/${otherSubscription}/resourceGroups/shared/providers/Microsoft.ContainerRegistry/registries/sharedacr`;
    const azure = world();
    azure.addRegistry(registryAt(remote));

    await run(azure, {
      ...request,
      registry: {
        kind: "id",
        id: remote,
        subscriptionId: otherSubscription,
        resourceGroup: "shared",
        name: "sharedacr",
      },
    });

    expect(azure.assignments).toHaveLength(1);
    expect(azure.assignments[0]).toMatchObject({
      scope: remote,
      roleDefinitionId: roleDefinitionIdFor(otherSubscription, ACR_PULL),
    });
  });

  it("reports the other writer's assignment when it won the race to create it", async () => {
    const azure = world();
    azure.competeOnNextCreate({ listed: true, namedInConflict: true });

    const result = await run(azure);

    const [theirs] = azure.writtenByOthers;
    expect(theirs).toBeDefined();
    expect(theirs!.name).not.toBe(assignmentName(scopes.registry, kubelet.objectId, ACR_PULL));
    expect(pullAssignmentsOf(azure, kubelet.objectId)).toEqual([theirs]);
    expect(result).toMatchObject({
      outcome: "created-concurrently",
      changed: false,
      assignmentId: theirs!.id,
      assignmentScope: scopes.registry,
    });
  });

  it("finds the winner's assignment by listing when the conflict does not name it", async () => {
    const azure = world();
    azure.competeOnNextCreate({ listed: true, namedInConflict: false });

    const result = await run(azure);

    expect(result).toMatchObject({
      outcome: "created-concurrently",
      changed: false,
      assignmentId: azure.writtenByOthers[0]!.id,
    });
    expect(pullAssignmentsOf(azure, kubelet.objectId)).toEqual(azure.writtenByOthers);
  });

  it("reports the id from the conflict when the winner's assignment is not listed yet", async () => {
    const azure = world();
    azure.competeOnNextCreate({ listed: false, namedInConflict: true });

    const result = await run(azure);

    expect(result).toMatchObject({
      outcome: "created-concurrently",
      changed: false,
      assignmentId: azure.writtenByOthers[0]!.id,
      assignmentScope: scopes.registry,
    });
    expect(pullAssignmentsOf(azure, kubelet.objectId)).toHaveLength(1);
  });

  it("fails with a re-run remedy when the winner's assignment can be neither listed nor named", async () => {
    const azure = world();
    azure.competeOnNextCreate({ listed: false, namedInConflict: false });

    const attempt = run(azure);

    await expect(attempt).rejects.toThrow(ActionError);
    await expect(attempt).rejects.toThrow(/already assigned.*cannot be read back/);
    await expect(attempt).rejects.toMatchObject({ remedy: expect.stringMatching(/Re-run/) });
  });

  it("fails, naming the cluster with no identity to pull with, and grants nothing", async () => {
    const azure = world();
    azure.addCluster({
      id: clusterId("aks-new"),
      name: "aks-new",
      location: "eastus",
      kubeletIdentity: undefined,
      servicePrincipalClientId: "msi",
      controlPlanePrincipalId: undefined,
    });

    const attempt = run(azure, { ...request, clusterName: "aks-new" });

    await expect(attempt).rejects.toThrow(/'aks-new' has no identity to pull/);
    await expect(attempt).rejects.toMatchObject({
      remedy: expect.stringMatching(/kubelet identity.*az aks (show|update)/),
    });
    expect(azure.assignments).toEqual([]);
  });

  it("passes on the directory's failure for a service principal it does not know, and grants nothing", async () => {
    const spClientId = "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e";
    const azure = world();
    azure.addCluster({
      id: clusterId("aks-stale-sp"),
      name: "aks-stale-sp",
      location: "eastus",
      kubeletIdentity: undefined,
      servicePrincipalClientId: spClientId,
      controlPlanePrincipalId: undefined,
    });

    const attempt = run(azure, { ...request, clusterName: "aks-stale-sp" });

    expect(await rejection(attempt)).toBe(azure.failures[0]);
    expect(azure.assignments).toEqual([]);
  });

  it("passes on a failure to read the cluster and grants nothing", async () => {
    const azure = world();

    const attempt = run(azure, { ...request, clusterName: "aks-missing" });

    expect(await rejection(attempt)).toBe(azure.failures[0]);
    expect(azure.assignments).toEqual([]);
  });
});

describe("planAttach", () => {
  const registry = registryAt(scopes.registry);
  const identity: PullIdentity = {
    kind: "kubelet-identity",
    objectId: kubelet.objectId,
    clientId: kubelet.clientId,
  };
  const role = BuiltInRoles.AcrPull;

  function held(
    scope: string,
    roleGuid: string = ACR_PULL,
    principalId: string = kubelet.objectId,
    name = "x",
  ) {
    return {
      id: assignmentIdFor(scope, name),
      name,
      scope,
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId,
      principalType: "ServicePrincipal",
    } satisfies RoleAssignment;
  }

  const toCreate = {
    kind: "create",
    assignment: {
      scope: scopes.registry,
      name: assignmentName(scopes.registry, kubelet.objectId, ACR_PULL),
      roleDefinitionId: roleDefinitionIdFor(subscription, ACR_PULL),
      principalId: kubelet.objectId,
      principalType: "ServicePrincipal",
    },
  };

  it.each<[string, RoleAssignment[], unknown]>([
    ["nothing assigned", [], toCreate],
    ["only AcrPush", [held(scopes.registry, ACR_PUSH)], toCreate],
    ["AcrPull of another principal", [held(scopes.registry, ACR_PULL, someoneElse)], toCreate],
    ["AcrPull below the registry", [held(`${scopes.registry}/replications/westus`)], toCreate],
    ["AcrPull on a sibling registry", [held(`${scopes.registry}-old`)], toCreate],
    [
      "AcrPull at the registry",
      [held(scopes.registry)],
      { kind: "keep", assignment: held(scopes.registry), inherited: false },
    ],
    [
      "AcrPull at the registry with a trailing slash",
      [held(`${scopes.registry}/`)],
      { kind: "keep", assignment: held(`${scopes.registry}/`), inherited: false },
    ],
    [
      "AcrPull at the resource group",
      [held(scopes.registryGroup)],
      { kind: "keep", assignment: held(scopes.registryGroup), inherited: true },
    ],
    [
      "AcrPull at the subscription and at the registry",
      [held(scopes.subscription, ACR_PULL, kubelet.objectId, "a"), held(scopes.registry)],
      { kind: "keep", assignment: held(scopes.registry), inherited: false },
    ],
    [
      "AcrPull at a management group",
      [held(scopes.managementGroup)],
      { kind: "keep", assignment: held(scopes.managementGroup), inherited: true },
    ],
  ])("with %s", (_, existing, expected) => {
    const plan = planAttach(registry, identity, role, existing);

    expect(plan).toEqual(expected);
  });
});
