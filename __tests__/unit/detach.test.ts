/**
 * `mode: detach` over the in-memory Azure, judged by the assignments left in it: exactly the pull
 * identity's pull-role assignments at the registry go, everything else stays.
 */
import { describe, expect, it } from "@jest/globals";
import type { RoleAssignment } from "../../src/domain/ports.ts";
import type { RoleChoice } from "../../src/domain/roles.ts";
import { detach, type DetachRequest } from "../../src/workflows/detach.ts";
import {
  ACR_PULL,
  ACR_PUSH,
  OWNER,
  READER,
  REPOSITORY_READER,
  RecordingLog,
  type FakeAzure,
} from "../fakes/azure.ts";
import { ids, scopes } from "../fixtures.ts";
import { byName, target, world } from "../fakes/world.ts";

const signal = new AbortController().signal;

const request: DetachRequest = { ...target, role: { kind: "auto" }, dryRun: false };

function run(azure: FakeAzure, changes: Partial<DetachRequest> = {}) {
  const log = new RecordingLog();
  return { log, result: detach({ ...request, ...changes }, azure, { signal, log }) };
}

function kubeletHolds(azure: FakeAzure, scope: string, roleGuid: string): RoleAssignment {
  return azure.assign({ scope, principalId: ids.kubelet.objectId, roleGuid });
}

/** What detach must leave alone, around the registry demoacr. */
function bystanders(azure: FakeAzure): RoleAssignment[] {
  return [
    azure.assign({ scope: scopes.registry, principalId: ids.other.objectId, roleGuid: ACR_PULL }),
    azure.assign({
      scope: scopes.registry,
      principalId: ids.controlPlane.objectId,
      roleGuid: ACR_PULL,
    }),
    kubeletHolds(azure, scopes.registry, READER),
    kubeletHolds(azure, scopes.registryGroup, ACR_PULL),
    kubeletHolds(azure, scopes.subscription, REPOSITORY_READER),
    kubeletHolds(azure, scopes.localRegistry, ACR_PULL),
    kubeletHolds(azure, scopes.abacRegistry, REPOSITORY_READER),
    kubeletHolds(azure, `${scopes.registry}/replications/westus`, ACR_PULL),
    kubeletHolds(azure, `${scopes.registry}2`, ACR_PULL),
  ];
}

describe("detach", () => {
  it("removes the identity's AcrPull and Repository Reader at the registry, and nothing else", async () => {
    const azure = world();
    const kept = bystanders(azure);
    const acrPull = kubeletHolds(azure, scopes.registry, ACR_PULL);
    const repositoryReader = kubeletHolds(azure, scopes.registry, REPOSITORY_READER);

    const { result } = run(azure);

    await expect(result).resolves.toMatchObject({
      removed: [acrPull, repositoryReader],
      changed: true,
      plannedChanges: 0,
      dryRun: false,
      roles: [
        { name: "AcrPull", guid: ACR_PULL },
        { name: "Container Registry Repository Reader", guid: REPOSITORY_READER },
      ],
    });
    expect(azure.assignments).toEqual(kept);
  });

  it.each<[string, RoleChoice, string[]]>([
    ["AcrPull by name", { kind: "name", name: "AcrPull" }, [REPOSITORY_READER, ACR_PUSH]],
    ["AcrPush by GUID", { kind: "guid", guid: ACR_PUSH }, [ACR_PULL, REPOSITORY_READER]],
    [
      "Repository Reader by name",
      { kind: "name", name: "Container Registry Repository Reader" },
      [ACR_PULL, ACR_PUSH],
    ],
  ])("removes only %s when the role is given", async (_, role, left) => {
    const azure = world();
    const kept = bystanders(azure);
    for (const guid of [ACR_PULL, REPOSITORY_READER, ACR_PUSH]) {
      kubeletHolds(azure, scopes.registry, guid);
    }

    const detached = await run(azure, { role }).result;

    expect(detached.changed).toBe(true);
    expect(detached.removed).toHaveLength(1);
    const atRegistry = azure.assignments.filter(
      (a) => a.scope === scopes.registry && a.principalId === ids.kubelet.objectId,
    );
    expect(atRegistry.map((a) => a.roleDefinitionId.split("/").at(-1))).toEqual([
      READER,
      ...[ACR_PULL, REPOSITORY_READER, ACR_PUSH].filter((guid) => left.includes(guid)),
    ]);
    expect(azure.assignments.filter((a) => kept.includes(a))).toEqual(kept);
  });

  it("recognises the registry's assignments in ARM's other casing", async () => {
    const azure = world();
    azure.assign({
      scope: scopes.registry.toLowerCase(),
      principalId: ids.kubelet.objectId.toUpperCase(),
      roleGuid: ACR_PULL.toUpperCase(),
    });
    azure.assign({
      scope: `${scopes.registry}/`,
      principalId: ids.kubelet.objectId,
      roleGuid: REPOSITORY_READER,
    });

    const detached = await run(azure).result;

    expect(detached.removed).toHaveLength(2);
    expect(azure.assignments).toEqual([]);
  });

  it("removes Repository Reader from an ABAC registry", async () => {
    const azure = world();
    const other = kubeletHolds(azure, scopes.registry, REPOSITORY_READER);
    const granted = kubeletHolds(azure, scopes.abacRegistry, REPOSITORY_READER);

    const detached = await run(azure, { registry: byName("abacacr") }).result;

    expect(detached).toMatchObject({ removed: [granted], changed: true });
    expect(azure.assignments).toEqual([other]);
  });

  it("succeeds without a change when there is nothing to remove, and says so", async () => {
    const azure = world();
    const kept = bystanders(azure);

    const { result, log } = run(azure);

    await expect(result).resolves.toMatchObject({
      removed: [],
      changed: false,
      plannedChanges: 0,
    });
    expect(azure.assignments).toEqual(kept);
    expect(azure.writes).toEqual([]);
    expect(log.lines).toContain(
      "No AcrPull or Container Registry Repository Reader assignment of the identity at demoacr: nothing to remove.",
    );
  });

  it("removes nothing on a dry run, and counts what it would remove", async () => {
    const azure = world();
    bystanders(azure);
    const acrPull = kubeletHolds(azure, scopes.registry, ACR_PULL);
    const repositoryReader = kubeletHolds(azure, scopes.registry, REPOSITORY_READER);
    const before = [...azure.assignments];

    const { result, log } = run(azure, { dryRun: true });

    await expect(result).resolves.toMatchObject({
      removed: [acrPull, repositoryReader],
      changed: false,
      plannedChanges: 2,
      dryRun: true,
    });
    expect(azure.assignments).toEqual(before);
    expect(azure.writes).toEqual([]);
    expect(log.lines).toContain(`Dry run: would remove ${acrPull.id}.`);
  });

  it("plans no change on a dry run with nothing to remove", async () => {
    const azure = world();

    const detached = await run(azure, { dryRun: true }).result;

    expect(detached).toMatchObject({ removed: [], changed: false, plannedChanges: 0 });
  });

  it.each<[string, string, string]>([
    ["AcrPull inherited from the resource group", scopes.registryGroup, ACR_PULL],
    ["AcrPush at the resource group", scopes.registryGroup, ACR_PUSH],
    ["AcrPull at the subscription", scopes.subscription, ACR_PULL],
    ["AcrPush at the registry (another role)", scopes.registry, ACR_PUSH],
    ["Owner at the subscription", scopes.subscription, OWNER],
  ])("lists %s as still granting pull", async (_, scope, roleGuid) => {
    const azure = world();
    kubeletHolds(azure, scopes.registry, ACR_PULL);
    const stays = kubeletHolds(azure, scope, roleGuid);

    const { result, log } = run(azure);

    const detached = await result;
    expect(detached.changed).toBe(true);
    expect(detached.stillGranting).toEqual([
      expect.objectContaining({ assignment: stays, grantsPull: true }),
    ]);
    expect(azure.assignments).toEqual([stays]);
    expect(log.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^warning: The identity can still pull from demoacr: .* at ${scope} `),
      ),
    );
  });

  it("names the role that still grants pull", async () => {
    const azure = world();
    kubeletHolds(azure, scopes.registryGroup, ACR_PUSH);

    const detached = await run(azure).result;

    expect(detached.stillGranting.map((v) => [v.roleName, v.assignment.scope])).toEqual([
      ["AcrPush", scopes.registryGroup],
    ]);
  });

  it.each<[string, string, string, Partial<DetachRequest>]>([
    ["Reader on an ABAC registry", scopes.abacRegistry, READER, { registry: byName("abacacr") }],
    [
      "AcrPull above an ABAC registry",
      scopes.registryGroup,
      ACR_PULL,
      { registry: byName("abacacr") },
    ],
    ["Repository Reader above a legacy registry", scopes.registryGroup, REPOSITORY_READER, {}],
    ["AcrPull on another registry", scopes.localRegistry, ACR_PULL, {}],
  ])("does not list %s as still granting pull", async (_, scope, roleGuid, changes) => {
    const azure = world();
    kubeletHolds(azure, scope, roleGuid);

    const detached = await run(azure, changes).result;

    expect(detached.stillGranting).toEqual([]);
  });

  it("lists what still grants pull on a dry run too", async () => {
    const azure = world();
    kubeletHolds(azure, scopes.registry, ACR_PULL);
    const stays = kubeletHolds(azure, scopes.registryGroup, ACR_PULL);

    const detached = await run(azure, { dryRun: true }).result;

    expect(detached.stillGranting.map((v) => v.assignment)).toEqual([stays]);
  });

  it("detaches a service-principal cluster's object id, not its client id", async () => {
    const azure = world();
    const asObjectId = azure.assign({
      scope: scopes.registry,
      principalId: ids.legacySp.objectId,
      roleGuid: ACR_PULL,
    });
    const asClientId = azure.assign({
      scope: scopes.registry,
      principalId: ids.legacySp.appId,
      roleGuid: ACR_PULL,
    });

    const detached = await run(azure, { clusterName: "aks-legacy" }).result;

    expect(detached.removed).toEqual([asObjectId]);
    expect(azure.assignments).toEqual([asClientId]);
  });

  it("fails on a role that does not exist, removing nothing", async () => {
    const azure = world();
    const held = kubeletHolds(azure, scopes.registry, ACR_PULL);

    const { result } = run(azure, { role: { kind: "name", name: "Acr Pull" } });

    await expect(result).rejects.toThrow(/Input 'role': no role named 'Acr Pull'/);
    expect(azure.assignments).toEqual([held]);
  });
});
