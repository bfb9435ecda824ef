/**
 * The SDK adapters, with the real credential and the real Azure SDK clients, against the
 * emulator over HTTPS. Nothing here is mocked: the emulator's CA is trusted in-process.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { createCredential } from "../../src/auth/credential.ts";
import { createAzurePorts } from "../../src/azure/clients.ts";
import { systemClock } from "../../src/azure/retry.ts";
import type { AzurePorts } from "../../src/domain/ports.ts";
import { ActionError } from "../../src/errors.ts";
import { ACR_PULL, ids, names, scopes, secrets, testSeed } from "../fixtures.ts";

const systemCAs = getCACertificates("default");
let emulator: Emulator;
const signal = new AbortController().signal;

function portsFor(appId: string, secret: string): Promise<AzurePorts> {
  const cloud = { resourceManagerEndpoint: emulator.url, authorityHost: emulator.url };
  const credential = createCredential(
    { kind: "service-principal", tenantId: ids.tenant, clientId: appId, clientSecret: secret },
    cloud,
    () => undefined,
  );
  return createAzurePorts(
    {
      credential,
      endpoint: emulator.url,
      scope: `${emulator.url}/.default`,
      graphEndpoint: emulator.url,
      userAgent: "test",
      budget: { deadline: Date.now() + 30_000, signal, clock: systemClock },
    },
    ids.subscription,
  );
}

beforeEach(async () => {
  emulator = await startEmulator({ seed: testSeed() });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
});

afterEach(async () => {
  await emulator.close();
});

afterAll(() => setDefaultCACertificates(systemCAs));

function newAssignment(name: string) {
  return {
    scope: scopes.registry,
    name,
    roleDefinitionId: `/subscriptions/${ids.subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
    principalId: ids.kubelet.objectId,
    principalType: "ServicePrincipal" as const,
  };
}

describe("cluster port", () => {
  it("reads the kubelet identity's object id, not its client id", async () => {
    const cluster = await (
      await portsFor(ids.deployer.appId, secrets.deployer)
    ).clusters.getCluster(names.clusterGroup, names.cluster, { signal });

    expect(cluster.kubeletIdentity).toEqual({
      objectId: ids.kubelet.objectId,
      clientId: ids.kubelet.clientId,
    });
    expect(cluster.servicePrincipalClientId).toBe("msi");
  });

  it("says which cluster is missing", async () => {
    const read = (await portsFor(ids.deployer.appId, secrets.deployer)).clusters.getCluster(
      names.clusterGroup,
      "nope",
      { signal },
    );

    await expect(read).rejects.toThrow(ActionError);
    await expect(read).rejects.toThrow(/ResourceNotFound.*request id/);
  });
});

describe("registry port", () => {
  it.each([
    [
      "in the cluster's group",
      { kind: "name" as const, name: names.localRegistry },
      scopes.localRegistry,
    ],
    [
      "elsewhere in the subscription",
      { kind: "name" as const, name: names.registry },
      scopes.registry,
    ],
    [
      "by id",
      {
        kind: "id" as const,
        id: scopes.registry,
        subscriptionId: ids.subscription,
        resourceGroup: names.registryGroup,
        name: names.registry,
      },
      scopes.registry,
    ],
  ])("finds a registry %s", async (_, ref, expectedId) => {
    const registry = await (
      await portsFor(ids.deployer.appId, secrets.deployer)
    ).registries.getRegistry(ref, names.clusterGroup, { signal });

    expect(registry.id).toBe(expectedId);
    expect(registry.loginServer).toMatch(/\.azurecr\.io$/);
  });

  it("names the registry it could not find and what to set instead", async () => {
    const find = (await portsFor(ids.deployer.appId, secrets.deployer)).registries.getRegistry(
      { kind: "name", name: "missingacr" },
      names.clusterGroup,
      { signal },
    );

    await expect(find).rejects.toThrow(/'missingacr' was not found/);
  });
});

describe("role assignment port", () => {
  it("creates an assignment that the emulator then holds, and lists it for the principal", async () => {
    const ports = await portsFor(ids.deployer.appId, secrets.deployer);
    const name = "2b0d5c1e-7f3a-5c9d-8e1f-0a2b3c4d5e6f";

    const outcome = await ports.roleAssignments.create(newAssignment(name), { signal });
    const again = await ports.roleAssignments.create(newAssignment(name), { signal });
    const listed = await ports.roleAssignments.listForPrincipal(
      scopes.registry,
      ids.kubelet.objectId,
      { signal },
    );

    expect(outcome).toEqual({
      created: expect.objectContaining({ name, principalType: "ServicePrincipal" }),
      alreadyExisted: false,
    });
    // The same PUT again: ARM answers 200, and the port says the assignment was there already.
    expect(again).toEqual({ created: expect.objectContaining({ name }), alreadyExisted: true });
    expect(emulator.roleAssignments().filter((a) => a.name === name)).toHaveLength(1);
    expect(listed.map((a) => a.name)).toEqual([name]);
  });

  it("reports a 409 RoleAssignmentExists as a conflict carrying the existing assignment's id", async () => {
    const ports = await portsFor(ids.deployer.appId, secrets.deployer);
    const existing = emulator.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
      principalType: "ServicePrincipal",
    });

    const outcome = await ports.roleAssignments.create(
      newAssignment("3c1e6d2f-8a4b-5d0e-9f2a-1b3c4d5e6f70"),
      { signal },
    );

    expect(outcome).toEqual({ conflict: { existingId: existing.id } });
    expect(
      emulator.roleAssignments().filter((a) => a.principalId === ids.kubelet.objectId),
    ).toHaveLength(1);
  });

  it("maps a 403 to the permission, the scope and the command that grants it", async () => {
    const create = (await portsFor(ids.reader.appId, secrets.reader)).roleAssignments.create(
      newAssignment("4d2f7e3a-9b5c-5e1f-8a3b-2c4d5e6f7a81"),
      { signal },
    );

    await expect(create).rejects.toThrow(/AuthorizationFailed.*roleAssignments\/write/s);
    const error = await create.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).remedy).toContain(`az role assignment create`);
    expect((error as ActionError).remedy).toContain(`--scope ${scopes.registry}`);
    expect(
      emulator.roleAssignments().filter((a) => a.principalId === ids.kubelet.objectId),
    ).toEqual([]);
  });
});
