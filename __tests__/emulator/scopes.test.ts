/**
 * Scopes as ARM inherits down them: management groups above subscriptions (the tenant root
 * group above all), and child resources of a registry. An assignment at a management group
 * applies in its subscriptions: lists at a registry show it and RBAC honours it.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator, type Seed } from "../../emulator/index.ts";
import { ids, names, scopes, secrets, testSeed } from "../fixtures.ts";

const systemCAs = getCACertificates("default");
let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => setDefaultCACertificates(systemCAs));

const platform = "/providers/Microsoft.Management/managementGroups/platform";
const elsewhere = "/providers/Microsoft.Management/managementGroups/elsewhere";
const rootGroup = `/providers/Microsoft.Management/managementGroups/${ids.tenant}`;
const replication = `${scopes.registry}/replications/westus`;

/** The test world with `platform` above its subscription and `elsewhere` above none. */
function seedWith(changes: Partial<Seed> = {}): Seed {
  const seed = testSeed();
  return {
    ...seed,
    managementGroups: [
      { name: "platform", subscriptions: [ids.subscription] },
      { name: "elsewhere" },
    ],
    registries: seed.registries!.map((registry) =>
      registry.name === names.registry ? { ...registry, replications: ["westus"] } : registry,
    ),
    ...changes,
  };
}

async function start(seed: Seed): Promise<Emulator> {
  emulator = await startEmulator({ seed });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

async function get(path: string, query = "") {
  const credential = new ClientSecretCredential(ids.tenant, ids.deployer.appId, secrets.deployer, {
    authorityHost: emulator!.url,
    disableInstanceDiscovery: true,
  });
  const { token } = await credential.getToken(`${emulator!.url}/.default`);
  const response = await fetch(`${emulator!.url}${path}?api-version=2022-04-01${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function kubeletPull(scope: string) {
  return emulator!.addRoleAssignment({
    scope,
    roleName: "AcrPull",
    principalId: ids.kubelet.objectId,
  }).name;
}

async function listedAtRegistry(): Promise<string[]> {
  const { body } = await get(
    `${scopes.registry}/providers/Microsoft.Authorization/roleAssignments`,
    `&$filter=${encodeURIComponent(`principalId eq '${ids.kubelet.objectId}'`)}`,
  );
  return (body["value"] as { name: string }[]).map((assignment) => assignment.name);
}

describe("management groups", () => {
  it("lists at a registry the assignments of the groups above its subscription, and of no other", async () => {
    await start(seedWith());
    const atPlatform = kubeletPull(platform);
    const atRoot = kubeletPull(rootGroup);
    const atElsewhere = kubeletPull(elsewhere);

    const listed = await listedAtRegistry();

    expect(listed).toEqual(expect.arrayContaining([atPlatform, atRoot]));
    expect(listed).not.toContain(atElsewhere);
  });

  it("puts a subscription no group names under the tenant root group only", async () => {
    await start(seedWith({ managementGroups: [{ name: "platform" }] }));
    const atRoot = kubeletPull(rootGroup);
    const atPlatform = kubeletPull(platform);

    expect(await listedAtRegistry()).toEqual([atRoot]);
    expect(atPlatform).toBeDefined();
  });

  it("refuses an assignment at a group that does not exist", async () => {
    await start(seedWith());

    expect(() => kubeletPull("/providers/Microsoft.Management/managementGroups/nowhere")).toThrow(
      /ScopeNotFound|could not be found|does not exist/i,
    );
  });

  it.each([
    ["the group above the subscription", platform, 200],
    ["a group beside it", elsewhere, 403],
  ])("lets an Owner at %s read the registry: %s", async (_, scope, status) => {
    const seed = seedWith();
    await start({
      ...seed,
      roleAssignments: [
        { scope, roleName: "Owner", principalId: ids.deployer.objectId },
        ...seed.roleAssignments!.filter((a) => a.principalId !== ids.deployer.objectId),
      ],
    });

    const read = await get(scopes.registry);

    expect(read.status).toBe(status);
  });
});

describe("child resources", () => {
  it("holds an assignment at a registry's replication, listed below the registry", async () => {
    await start(seedWith());
    const atReplication = kubeletPull(replication);

    expect(await listedAtRegistry()).toEqual([atReplication]);
  });

  it("refuses an assignment at a replication the registry does not have", async () => {
    await start(seedWith());

    expect(() => kubeletPull(`${scopes.registry}/replications/northeurope`)).toThrow(
      /could not be found|not found/i,
    );
  });
});
