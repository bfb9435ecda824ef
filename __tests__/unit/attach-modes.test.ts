/**
 * Attach beyond the kubelet identity and AcrPull: ABAC registries, service-principal clusters,
 * dry runs and the `role` input, judged by what the in-memory Azure holds afterwards.
 */
import { describe, expect, it } from "@jest/globals";
import type { RoleChoice } from "../../src/domain/roles.ts";
import { assignmentName } from "../../src/workflows/assignment-name.ts";
import { attach, type AttachRequest } from "../../src/workflows/attach.ts";
import {
  ACR_PULL,
  ACR_PUSH,
  REPOSITORY_READER,
  RecordingLog,
  assignmentIdFor,
  rejection,
  roleDefinitionIdFor,
  type FakeAzure,
} from "../fakes/azure.ts";
import { ids, scopes } from "../fixtures.ts";
import { byName, target, world } from "../fakes/world.ts";

const signal = new AbortController().signal;
const LOG_READER = "e0f2a4b6-9c1d-4e3f-8a5b-7c8d9e0f1a26";

const request: AttachRequest = { ...target, role: { kind: "auto" }, dryRun: false };
const onAbac: Partial<AttachRequest> = { registry: byName("abacacr") };

function run(azure: FakeAzure, changes: Partial<AttachRequest> = {}) {
  const log = new RecordingLog();
  return { log, result: attach({ ...request, ...changes }, azure, { signal, log }) };
}

function roleOf(roleDefinitionId: string): string {
  return roleDefinitionId.split("/").at(-1)!.toLowerCase();
}

describe("attach on an ABAC registry", () => {
  it("grants Container Registry Repository Reader, not AcrPull", async () => {
    const azure = world();

    const attached = await run(azure, onAbac).result;

    const name = assignmentName(scopes.abacRegistry, ids.kubelet.objectId, REPOSITORY_READER);
    expect(azure.assignments).toEqual([
      {
        id: assignmentIdFor(scopes.abacRegistry, name),
        name,
        scope: scopes.abacRegistry,
        roleDefinitionId: roleDefinitionIdFor(ids.subscription, REPOSITORY_READER),
        principalId: ids.kubelet.objectId,
        principalType: "ServicePrincipal",
        description: expect.stringMatching(
          /^granted by aks-attach-acr for cluster \/subscriptions\//,
        ),
      },
    ]);
    expect(attached).toMatchObject({
      outcome: "created",
      changed: true,
      role: { name: "Container Registry Repository Reader", guid: REPOSITORY_READER },
      warnings: [],
    });
  });

  it("does not count an AcrPull already there as access", async () => {
    const azure = world();
    const acrPull = azure.assign({
      scope: scopes.abacRegistry,
      principalId: ids.kubelet.objectId,
      roleGuid: ACR_PULL,
    });

    const attached = await run(azure, onAbac).result;

    expect(attached.outcome).toBe("created");
    expect(azure.assignments.map((a) => roleOf(a.roleDefinitionId))).toEqual([
      ACR_PULL,
      REPOSITORY_READER,
    ]);
    expect(azure.assignments[0]).toEqual(acrPull);
  });

  it("keeps Repository Reader inherited from the resource group", async () => {
    const azure = world();
    const inherited = azure.assign({
      scope: scopes.registryGroup,
      principalId: ids.kubelet.objectId,
      roleGuid: REPOSITORY_READER,
    });

    const attached = await run(azure, onAbac).result;

    expect(attached).toMatchObject({ outcome: "inherited", assignmentId: inherited.id });
    expect(azure.assignments).toEqual([inherited]);
  });
});

describe("attach for a service-principal cluster", () => {
  it("grants the service principal's object id from the directory, never its client id", async () => {
    const azure = world();

    const attached = await run(azure, { clusterName: "aks-legacy" }).result;

    expect(azure.assignments.map((a) => a.principalId)).toEqual([ids.legacySp.objectId]);
    expect(attached.identity).toEqual({
      kind: "service-principal",
      objectId: ids.legacySp.objectId,
      clientId: ids.legacySp.appId,
    });
    expect(attached.assignmentId).toBe(
      assignmentIdFor(
        scopes.registry,
        assignmentName(scopes.registry, ids.legacySp.objectId, ACR_PULL),
      ),
    );
  });

  it("keeps an AcrPull the object id already holds", async () => {
    const azure = world();
    const held = azure.assign({
      scope: scopes.registry,
      principalId: ids.legacySp.objectId,
      roleGuid: ACR_PULL,
    });

    const attached = await run(azure, { clusterName: "aks-legacy" }).result;

    expect(attached).toMatchObject({ outcome: "already-assigned", assignmentId: held.id });
    expect(azure.assignments).toEqual([held]);
  });

  it("passes on Microsoft Graph's refusal unchanged and grants nothing", async () => {
    const azure = world();
    azure.refuseDirectoryReads();

    const { result } = run(azure, { clusterName: "aks-legacy" });

    // What the refusal says (Application.Read.All) is the Graph adapter's: see e2e/modes.
    expect(await rejection(result)).toBe(azure.failures[0]);
    expect(azure.assignments).toEqual([]);
    expect(azure.writes).toEqual([]);
  });

  it("does not need the directory for a managed-identity cluster", async () => {
    const azure = world();
    azure.refuseDirectoryReads();

    const attached = await run(azure).result;

    expect(attached.outcome).toBe("created");
    expect(azure.assignments.map((a) => a.principalId)).toEqual([ids.kubelet.objectId]);
  });
});

describe("attach as a dry run", () => {
  it("writes nothing and plans the assignment a real run then creates", async () => {
    const azure = world();

    const { result, log } = run(azure, { dryRun: true });
    const planned = await result;

    expect(azure.assignments).toEqual([]);
    expect(azure.writes).toEqual([]);
    const name = assignmentName(scopes.registry, ids.kubelet.objectId, ACR_PULL);
    expect(planned).toMatchObject({
      outcome: "planned",
      changed: false,
      plannedChanges: 1,
      assignmentId: assignmentIdFor(scopes.registry, name),
      assignmentScope: scopes.registry,
    });
    expect(log.lines).toContainEqual(expect.stringMatching(/^Dry run: would grant AcrPull on /));

    const real = await run(azure).result;

    expect(real).toMatchObject({ outcome: "created", assignmentId: planned.assignmentId });
    expect(azure.assignments.map((a) => a.id)).toEqual([planned.assignmentId]);
  });

  it("plans Repository Reader on an ABAC registry", async () => {
    const azure = world();

    const planned = await run(azure, { ...onAbac, dryRun: true }).result;

    expect(planned).toMatchObject({
      outcome: "planned",
      plannedChanges: 1,
      role: { guid: REPOSITORY_READER },
    });
    expect(azure.assignments).toEqual([]);
  });

  it.each<[string, string]>([
    ["at the registry", scopes.registry],
    ["at the resource group", scopes.registryGroup],
  ])("plans nothing when AcrPull is already granted %s", async (_, scope) => {
    const azure = world();
    const held = azure.assign({ scope, principalId: ids.kubelet.objectId, roleGuid: ACR_PULL });

    const planned = await run(azure, { dryRun: true }).result;

    expect(planned).toMatchObject({ changed: false, plannedChanges: 0, assignmentId: held.id });
    expect(azure.assignments).toEqual([held]);
  });
});

describe("attach with the role input", () => {
  function customWorld(): FakeAzure {
    const azure = world();
    azure.addRoleDefinition({
      guid: LOG_READER,
      roleName: "Log Reader",
      assignableScopes: [scopes.subscription],
      actions: ["Microsoft.Insights/logs/read"],
    });
    return azure;
  }

  it.each<[string, RoleChoice]>([
    ["by name", { kind: "name", name: "AcrPush" }],
    ["by GUID", { kind: "guid", guid: ACR_PUSH }],
  ])(
    "grants the role given %s, without a warning, when privileged roles are allowed",
    async (_, role) => {
      const azure = world();

      const attached = await run(azure, { role, allowPrivilegedRole: true }).result;

      expect(attached).toMatchObject({
        outcome: "created",
        role: { name: "AcrPush", guid: ACR_PUSH },
        warnings: [],
      });
      expect(azure.assignments.map((a) => [a.scope, roleOf(a.roleDefinitionId)])).toEqual([
        [scopes.registry, ACR_PUSH],
      ]);
    },
  );

  it.each<[string, RoleChoice]>([
    ["by name", { kind: "name", name: "AcrPush" }],
    ["by GUID", { kind: "guid", guid: ACR_PUSH }],
  ])("refuses a role that can push, given %s, before any write", async (_, role) => {
    const azure = world();

    await expect(run(azure, { role }).result).rejects.toThrow(
      /Input 'role': "AcrPush" .* allows "Microsoft.ContainerRegistry\/registries\/push\/write"/,
    );
    expect(azure.writes).toEqual([]);
  });

  it("keeps an AcrPull when AcrPush is asked for, but grants AcrPush", async () => {
    const azure = world();
    azure.assign({ scope: scopes.registry, principalId: ids.kubelet.objectId, roleGuid: ACR_PULL });

    const attached = await run(azure, {
      role: { kind: "name", name: "AcrPush" },
      allowPrivilegedRole: true,
    }).result;

    expect(attached.outcome).toBe("created");
    expect(azure.assignments.map((a) => roleOf(a.roleDefinitionId))).toEqual([ACR_PULL, ACR_PUSH]);
  });

  it("grants Repository Reader by name on an ABAC registry without a warning", async () => {
    const azure = world();

    const attached = await run(azure, {
      ...onAbac,
      role: { kind: "name", name: "Container Registry Repository Reader" },
    }).result;

    expect(attached).toMatchObject({ outcome: "created", warnings: [] });
  });

  it.each<[string, Partial<AttachRequest>, RegExp, string]>([
    [
      "AcrPull on an ABAC registry",
      { ...onAbac, role: { kind: "name", name: "AcrPull" } },
      /Role 'AcrPull' does not allow pulling from abacacr: .*ABAC.*Use 'role: auto'/,
      ACR_PULL,
    ],
    [
      "Repository Reader on a legacy registry",
      { role: { kind: "guid", guid: REPOSITORY_READER } },
      /Role 'Container Registry Repository Reader' does not allow pulling from demoacr\. Use 'role: auto' for AcrPull/,
      REPOSITORY_READER,
    ],
    [
      "a custom role without pull",
      { role: { kind: "name", name: "Log Reader" } },
      /Role 'Log Reader' does not allow pulling from demoacr/,
      LOG_READER,
    ],
  ])(
    "warns that %s does not grant pull, and grants it as asked",
    async (_, changes, warning, guid) => {
      const azure = customWorld();

      const { result, log } = run(azure, changes);
      const attached = await result;

      expect(attached.warnings).toEqual([expect.stringMatching(warning)]);
      expect(log.lines).toContainEqual(expect.stringMatching(/^warning: Role '/));
      expect(attached.outcome).toBe("created");
      expect(azure.assignments.map((a) => roleOf(a.roleDefinitionId))).toEqual([guid]);
    },
  );

  it("fails on a role name that does not exist, granting nothing", async () => {
    const azure = world();

    const { result } = run(azure, { role: { kind: "name", name: "AcrPuller" } });

    await expect(result).rejects.toThrow(/Input 'role': no role named 'AcrPuller'/);
    expect(azure.assignments).toEqual([]);
  });
});
