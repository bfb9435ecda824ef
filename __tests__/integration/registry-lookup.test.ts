/**
 * The registry and role-assignment adapters' paging, with the real SDK clients against the
 * emulator: Resource Graph pages through `$skipToken`, ARM lists through `nextLink`, and every
 * page is read.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator, type Seed } from "../../emulator/index.ts";
import { createCredential } from "../../src/auth/credential.ts";
import { createAzurePorts } from "../../src/azure/clients.ts";
import { systemClock } from "../../src/azure/retry.ts";
import type { AzurePorts } from "../../src/domain/ports.ts";
import { ids, scopes, secrets, testSeed } from "../fixtures.ts";

const systemCAs = getCACertificates("default");
let emulator: Emulator | undefined;
const signal = new AbortController().signal;

async function start(seed: Seed, pageSize?: number): Promise<{ on: Emulator; ports: AzurePorts }> {
  const on = await startEmulator({ seed, ...(pageSize ? { pageSize } : {}) });
  emulator = on;
  setDefaultCACertificates([...systemCAs, on.caCertPem]);
  const credential = createCredential(
    {
      kind: "service-principal",
      tenantId: ids.tenant,
      clientId: ids.deployer.appId,
      clientSecret: secrets.deployer,
    },
    { authorityHost: on.url },
    () => undefined,
  );
  const ports = await createAzurePorts(
    {
      credential,
      endpoint: on.url,
      scope: `${on.url}/.default`,
      graphEndpoint: on.url,
      userAgent: "test",
      budget: { deadline: Date.now() + 30_000, signal, clock: systemClock },
    },
    ids.subscription,
  );
  return { on, ports };
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => {
  setDefaultCACertificates(systemCAs);
});

/** The fixtures' world with `count` more registries in a second subscription the deployer owns. */
function withManyRegistries(count: number): { seed: Seed; names: string[] } {
  const seed = testSeed();
  const names = Array.from({ length: count }, (_, i) => `bulkacr${String(i).padStart(3, "0")}`);
  return {
    names,
    seed: {
      ...seed,
      subscriptions: [
        ...seed.subscriptions,
        {
          subscriptionId: ids.otherSubscription,
          displayName: "bulk",
          resourceGroups: [{ name: "rg-bulk", location: "eastus" }],
        },
      ],
      registries: [
        ...(seed.registries ?? []),
        ...names.map((name) => ({
          subscriptionId: ids.otherSubscription,
          resourceGroup: "rg-bulk",
          name,
          location: "eastus",
        })),
      ],
      roleAssignments: [
        ...(seed.roleAssignments ?? []),
        {
          scope: `/subscriptions/${ids.otherSubscription}`,
          roleName: "Owner",
          principalId: ids.deployer.objectId,
          principalType: "ServicePrincipal",
        },
      ],
    },
  };
}

describe("registry search across subscriptions", () => {
  it("reads every Resource Graph page, following $skipToken", async () => {
    const { seed, names } = withManyRegistries(130);
    const { on, ports } = await start(seed);

    const found = await ports.registries.searchRegistries(names, { signal });

    expect(found.map((r) => r.name).sort()).toEqual(names);
    expect(found[0]!.id).toMatch(
      new RegExp(`^/subscriptions/${ids.otherSubscription}/resourceGroups/rg-bulk/`, "i"),
    );
    expect(found[0]!.loginServer).toBe(`${names[0]!}.azurecr.io`);
    const queries = on.requests.filter((r) =>
      r.path.endsWith("/Microsoft.ResourceGraph/resources"),
    );
    expect(queries.length).toBeGreaterThanOrEqual(2);
  });

  it("lists every subscription the caller can see, following nextLink", async () => {
    const { seed } = withManyRegistries(1);
    const { ports } = await start(seed, 1);

    const subscriptions = await ports.registries.listSubscriptions({ signal });

    expect(subscriptions.map((s) => s.subscriptionId).sort()).toEqual(
      [ids.subscription, ids.otherSubscription].sort(),
    );
  });
});

describe("role assignments at the registry's scope", () => {
  it("lists every principal's assignments at and above the registry, across pages", async () => {
    const { ports, on } = await start(testSeed(), 2);
    const added = [ids.kubelet.objectId, ids.other.objectId, ids.controlPlane.objectId].map(
      (principalId) =>
        on.addRoleAssignment({
          scope: scopes.registry,
          roleName: "AcrPull",
          principalId,
          principalType: "ServicePrincipal",
        }),
    );
    const elsewhere = on.addRoleAssignment({
      scope: scopes.localRegistry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
      principalType: "ServicePrincipal",
    });

    const listed = await ports.roleAssignments.listAtScope(scopes.registry, { signal });

    const listedIds = listed.map((a) => a.id);
    for (const assignment of added) expect(listedIds).toContain(assignment.id);
    // The deployer's Owner on the subscription applies (above); another registry's does not.
    expect(listed.some((a) => a.principalId === ids.deployer.objectId)).toBe(true);
    expect(listedIds).not.toContain(elsewhere.id);
    const pages = on.requests.filter(
      (r) => r.method === "GET" && r.path.endsWith("/roleAssignments"),
    );
    expect(pages.length).toBeGreaterThan(1);
  });
});
