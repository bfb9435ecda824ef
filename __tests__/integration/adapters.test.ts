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
import { ACR_PULL, ids, names, scopes, secrets, testSeed, registryAddress } from "../fixtures.ts";

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

  it("says which cluster is missing, where, and which clusters are there", async () => {
    const read = (await portsFor(ids.deployer.appId, secrets.deployer)).clusters.getCluster(
      names.clusterGroup,
      "nope",
      { signal },
    );

    await expect(read).rejects.toThrow(ActionError);
    await expect(read).rejects.toThrow(
      `Cluster 'nope' was not found in resource group '${names.clusterGroup}' of subscription ` +
        `${ids.subscription}. The clusters the signed-in principal sees there: ` +
        `${names.cluster}, ${names.legacyCluster}, aks-noidentity.`,
    );
  });
});

describe("registry port", () => {
  it.each([
    ["in the cluster's group", scopes.localRegistry],
    ["in another group", scopes.registry],
  ])("reads a registry by id %s", async (_, id) => {
    const registry = await (
      await portsFor(ids.deployer.appId, secrets.deployer)
    ).registries.readRegistry(registryAddress(id), { signal });

    expect(registry?.id).toBe(id);
    expect(registry?.loginServer).toMatch(/\.azurecr\.io$/);
  });

  it("reads no registry where there is none, and lists the subscription's", async () => {
    const ports = await portsFor(ids.deployer.appId, secrets.deployer);
    const missing = `/subscriptions/${ids.subscription}/resourceGroups/${names.clusterGroup}/providers/Microsoft.ContainerRegistry/registries/missingacr`;

    expect(
      await ports.registries.readRegistry(registryAddress(missing), { signal }),
    ).toBeUndefined();
    const all = await ports.registries.listRegistries(ids.subscription, { signal });
    expect(all.map((r) => r.name).sort()).toEqual(
      [names.abacRegistry, names.registry, names.farRegistry, names.localRegistry].sort(),
    );
  });

  it("says whether a registry name is free", async () => {
    const ports = await portsFor(ids.deployer.appId, secrets.deployer);

    expect(
      await ports.registries.checkNameAvailability(ids.subscription, names.registry, { signal }),
    ).toMatchObject({ available: false, reason: "AlreadyExists" });
    expect(
      await ports.registries.checkNameAvailability(ids.subscription, "freshacr01", { signal }),
    ).toMatchObject({ available: true });
  });
});

describe("role assignment port", () => {
  it("creates an assignment that the emulator then holds, and lists it for the principal", async () => {
    const ports = await portsFor(ids.deployer.appId, secrets.deployer);
    const name = "2b0d5c1e-7f3a-5c9d-8e1f-0a2b3c4d5e6f";

    const outcome = await ports.roleAssignments.create(newAssignment(name), { signal });
    const again = await ports.roleAssignments.create(newAssignment(name), { signal });
    const listed = (await ports.roleAssignments.listAtScope(scopes.registry, { signal })).filter(
      (a) => a.principalId === ids.kubelet.objectId,
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
