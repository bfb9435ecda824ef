/**
 * Several registries in one run, over the in-memory Azure: the cluster read once, every
 * registry handled even when one fails, registries found wherever the caller can see them,
 * registries created when asked, and clusters still being created waited for.
 */
import { describe, expect, it } from "@jest/globals";
import type { AzurePorts, RegistryRef } from "../../src/domain/ports.ts";
import { suffixedRegistryName } from "../../src/domain/registry-name.ts";
import { attachRegistries, type AttachRegistriesRequest } from "../../src/workflows/attach.ts";
import { clusterPollMs, type WaitClock } from "../../src/workflows/cluster.ts";
import { Limiter } from "../../src/workflows/concurrency.ts";
import { checkRegistries } from "../../src/workflows/check.ts";
import { detachRegistries } from "../../src/workflows/detach.ts";
import { failureOf } from "../../src/workflows/pipeline.ts";
import { ACR_PULL, ids, registryAddress, scopes } from "../fixtures.ts";
import { FakeAzure, RecordingLog, rejection } from "../fakes/azure.ts";
import { byName, clusterId, seedRegistryAt, world } from "../fakes/world.ts";

const signal = new AbortController().signal;
const subscription = ids.subscription;
const otherSubscription = ids.otherSubscription;
const localRegistry = scopes.localRegistry;
const otherRegistry = `${scopes.registryGroup}/providers/Microsoft.ContainerRegistry/registries/otheracr`;
const farRegistry = `/subscriptions/${otherSubscription}/resourceGroups/rg-shared/providers/Microsoft.ContainerRegistry/registries/sharedacr`;

/**
 * The fixtures' world plus otheracr next to demoacr, and sharedacr in another subscription the
 * caller can see.
 */
function wider(): FakeAzure {
  const azure = world();
  azure.addRegistry(seedRegistryAt(otherRegistry));
  azure.addRegistry(seedRegistryAt(farRegistry));
  azure.seeSubscription(otherSubscription, "shared");
  return azure;
}

const byId = (id: string): RegistryRef => ({ kind: "id", ...registryAddress(id) });

function request(
  registries: readonly RegistryRef[],
  fields: Partial<AttachRegistriesRequest> = {},
): AttachRegistriesRequest {
  return {
    subscriptionId: subscription,
    resourceGroup: "rg-aks",
    clusterName: "aks-demo",
    registries,
    role: { kind: "auto" },
    dryRun: false,
    ...fields,
  };
}

/** A clock that records the waits asked of it and lets no time pass for real. */
class StepClock implements WaitClock {
  time = 1_000_000;
  readonly waits: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.waits.push(ms);
    this.time += ms;
  }
}

/** What Azure holds: the registries and the role assignments. */
function stateOf(azure: FakeAzure) {
  return {
    registries: azure.registriesNow().map((r) => r.id),
    assignments: azure.assignments.map((a) => a.id),
  };
}

/** The world as wider() made it: no assignment, no registry created. */
function expectNothingWritten(azure: FakeAzure): void {
  expect(azure.assignments).toEqual([]);
  expect(stateOf(wider()).registries).toEqual(stateOf(azure).registries);
}

function pullsOf(azure: FakeAzure): string[] {
  return azure.assignments
    .filter((a) => a.principalId === ids.kubelet.objectId && a.roleDefinitionId.endsWith(ACR_PULL))
    .map((a) => a.scope);
}

/**
 * The ports, with the first cluster read carrying `Retry-After: 3` as some answers do (ARM's GET
 * of a resource sends none, so the model's reads never do).
 */
function retryAfterOnce(azure: FakeAzure): AzurePorts {
  let reads = 0;
  return {
    registries: azure.registries,
    roleAssignments: azure.roleAssignments,
    roleDefinitions: azure.roleDefinitions,
    directory: azure.directory,
    clusters: {
      getCluster: async (...args) => {
        const cluster = await azure.clusters.getCluster(...args);
        return reads++ === 0 ? { ...cluster, retryAfterMs: 3_000 } : cluster;
      },
    },
  };
}

function attachAll(azure: AzurePorts, req: AttachRegistriesRequest, clock = new StepClock()) {
  const log = new RecordingLog();
  return {
    log,
    run: attachRegistries(req, azure, { signal, log, clock, deadline: clock.now() + 300_000 }),
  };
}

describe("several registries", () => {
  it("reads the cluster once and grants each registry, reporting them in input order", async () => {
    const azure = wider();

    const { run } = attachAll(
      azure,
      request([byName("localacr"), byId(scopes.registry), byName("otheracr"), byName("sharedacr")]),
    );
    const result = await run;

    expect(azure.reads.filter((r) => r.startsWith("GET cluster"))).toHaveLength(1);
    expect(result.items.map((item) => item.registry?.name)).toEqual([
      "localacr",
      "demoacr",
      "otheracr",
      "sharedacr",
    ]);
    expect(result.items.map((item) => item.result?.outcome)).toEqual([
      "created",
      "created",
      "created",
      "created",
    ]);
    expect(pullsOf(azure).sort()).toEqual(
      [localRegistry, scopes.registry, otherRegistry, farRegistry].sort(),
    );
    expect(failureOf(result.items)).toBeUndefined();
  });

  it("finishes every other registry when one is missing, and names the missing one", async () => {
    const azure = wider();

    const { run } = attachAll(
      azure,
      request([byName("demoacr"), byName("missingacr"), byName("otheracr")]),
    );
    const result = await run;

    expect(pullsOf(azure).sort()).toEqual([scopes.registry, otherRegistry].sort());
    expect(result.items.map((item) => item.error === undefined)).toEqual([true, false, true]);
    const failure = failureOf(result.items);
    expect(failure?.message).toMatch(/^1 of 3 registries failed \(the others were handled\):\n/);
    expect(failure?.message).toContain(
      "- missingacr: Container registry 'missingacr' was not found",
    );
    expect(result.items[1]!.error?.message).toContain(
      `Looked in resource group 'rg-aks' and the rest of subscription ${subscription} (the ` +
        `cluster's), and the other subscriptions the signed-in principal can see: ` +
        `${otherSubscription} (shared).`,
    );
    expect(result.items[1]!.error?.remedy).toMatch(/acr-resource-id/);
    expect(result.items[1]!.error?.remedy).toMatch(/create-registry: true/);
  });

  it("reports a registry twice named (by name and by id) once, and grants it once", async () => {
    const azure = wider();

    const result = await attachAll(azure, request([byName("demoacr"), byId(scopes.registry)])).run;

    expect(result.items).toHaveLength(1);
    expect(result.items[0]!.result?.outcome).toBe("created");
    expect(pullsOf(azure)).toEqual([scopes.registry]);
    // One write: the second entry shared the first one's work.
    expect(azure.writes.filter((w) => w.startsWith("PUT"))).toHaveLength(1);
  });

  it("detaches and checks several registries in one run", async () => {
    const azure = wider();
    const refs = [byName("demoacr"), byName("otheracr"), byName("localacr")];
    await attachAll(azure, request(refs)).run;
    const log = new RecordingLog();
    const options = { signal, log };

    const checked = await checkRegistries(request(refs), azure, options);
    const detached = await detachRegistries(request(refs), azure, options);
    const after = await checkRegistries(request(refs), azure, options);

    expect(checked.items.map((item) => item.result?.hasPullAccess)).toEqual([true, true, true]);
    expect(detached.items.map((item) => item.result?.removed.length)).toEqual([1, 1, 1]);
    expect(pullsOf(azure)).toEqual([]);
    expect(after.items.map((item) => item.result?.hasPullAccess)).toEqual([false, false, false]);
  });

  it("fails every registry, and the run, when the cluster cannot be read", async () => {
    const azure = wider();

    const run = attachAll(azure, { ...request([byName("demoacr")]), clusterName: "nope" }).run;

    // The model's 404, passed on unchanged (what it says to the user is the adapter's business).
    expect(azure.failures).toContain(await rejection(run));
    expectNothingWritten(azure);
  });
});

describe("finding registries by name", () => {
  it("finds a name in the cluster's group at the guessed id, without listing anything", async () => {
    const azure = wider();

    await attachAll(azure, request([byName("localacr")])).run;

    expect(
      azure.reads.filter((r) => r.startsWith("LIST registries") || r.startsWith("SEARCH")),
    ).toEqual([]);
  });

  it("looks further for every missed name at once: one list and one search", async () => {
    const azure = wider();

    await attachAll(azure, request([byName("demoacr"), byName("sharedacr"), byName("otheracr")]))
      .run;

    expect(azure.reads.filter((r) => r.startsWith("LIST registries"))).toEqual([
      `LIST registries ${subscription}`,
    ]);
    expect(azure.reads.filter((r) => r.startsWith("SEARCH"))).toEqual([
      "SEARCH registries demoacr,sharedacr,otheracr",
    ]);
    expect(pullsOf(azure)).toContain(farRegistry);
  });

  it("does not wait for the missed guess's assignments: it gives up on them and looks further", async () => {
    const azure = wider();
    const guessed = `${scopes.subscription}/resourceGroups/rg-aks/providers/Microsoft.ContainerRegistry/registries/demoacr`;
    const abandoned: AbortSignal[] = [];
    const ports: AzurePorts = {
      ...azure,
      clusters: azure.clusters,
      registries: azure.registries,
      roleDefinitions: azure.roleDefinitions,
      directory: azure.directory,
      roleAssignments: {
        ...azure.roleAssignments,
        // The guess's list never answers (a slow ARM): only being given up on ends it.
        listAtScope: (scope, options) =>
          scope === guessed
            ? new Promise((_, reject) => {
                abandoned.push(options.signal);
                options.signal.addEventListener("abort", () => reject(new Error("aborted")));
              })
            : azure.roleAssignments.listAtScope(scope, options),
      },
    };

    const result = await attachAll(ports, request([byName("demoacr")])).run;

    expect(result.items[0]!.result?.outcome).toBe("created");
    expect(pullsOf(azure)).toEqual([scopes.registry]);
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]!.aborted).toBe(true);
  }, 5_000);

  it("still finds the subscription's registries when Resource Graph refuses", async () => {
    const azure = wider();
    azure.refuseSearches();

    const result = await attachAll(azure, request([byName("demoacr"), byName("sharedacr")])).run;

    expect(result.items[0]!.result?.outcome).toBe("created");
    expect(result.items[1]!.error?.message).toMatch(/'sharedacr' was not found/);
  });

  it("refuses a name that matches two registries, listing both ids, and writes nothing", async () => {
    const azure = wider();
    const twin = `/subscriptions/${otherSubscription}/resourceGroups/rg-old/providers/Microsoft.ContainerRegistry/registries/sharedacr`;
    azure.addRegistry(seedRegistryAt(twin));
    const before = stateOf(azure);

    const result = await attachAll(azure, request([byName("sharedacr")])).run;

    const error = result.items[0]!.error;
    expect(error?.message).toContain(`matches 2 registries: ${farRegistry}, ${twin}`);
    expect(error?.remedy).toMatch(/acr-resource-id/);
    expect(stateOf(azure)).toEqual(before);
  });

  it("prefers the registry whose login server was given when a name matches two", async () => {
    const azure = wider();
    const twin = `/subscriptions/${otherSubscription}/resourceGroups/rg-old/providers/Microsoft.ContainerRegistry/registries/sharedacr`;
    azure.addRegistry(seedRegistryAt(twin, { loginServer: "sharedacr-abc123.azurecr.io" }));

    const result = await attachAll(
      azure,
      request([{ kind: "name", name: "sharedacr", loginServer: "sharedacr-abc123.azurecr.io" }]),
    ).run;

    expect(result.items[0]!.registry?.id).toBe(twin);
  });
});

describe("create-registry", () => {
  const create = (
    registries: readonly RegistryRef[],
    fields: Partial<AttachRegistriesRequest> = {},
  ) => request(registries, { createSku: "Standard", ...fields });

  it("checks the name, creates a missing registry in the cluster's group and region, and attaches it", async () => {
    const azure = wider();

    const result = await attachAll(azure, create([byName("freshacr")])).run;

    const item = result.items[0]!;
    const expectedId = `/subscriptions/${subscription}/resourceGroups/rg-aks/providers/Microsoft.ContainerRegistry/registries/freshacr`;
    expect(item.registry?.id).toBe(expectedId);
    expect(item.result?.registryCreation).toEqual({ sku: "Standard", planned: false });
    expect(item.result?.outcome).toBe("created");
    expect(item.result?.changed).toBe(true);
    expect(azure.reads).toContain("CHECK name freshacr");
    expect(azure.registriesNow().map((r) => r.id)).toContain(expectedId);
    expect(pullsOf(azure)).toEqual([expectedId]);
  });

  it("names the registry after the cluster when none is named", async () => {
    const azure = wider();

    const result = await attachAll(azure, create([])).run;

    expect(result.items[0]!.registry?.name).toBe("aksaksdemoacr");
    expect(result.items[0]!.label).toBe("aksaksdemoacr");
  });

  it("uses the suffixed default name when the default is taken elsewhere, and finds it again", async () => {
    const azure = wider();
    azure.takeNameElsewhere("aksaksdemoacr");
    const suffixed = suffixedRegistryName("aks-demo", clusterId("aks-demo"));

    const { run, log } = attachAll(azure, create([]));
    const first = await run;
    const before = stateOf(azure);
    const second = await attachAll(azure, create([])).run;

    expect(first.items[0]!.registry?.name).toBe(suffixed);
    expect(log.lines.join("\n")).toContain(`aksaksdemoacr is taken by a registry`);
    expect(second.items[0]!.registry?.name).toBe(suffixed);
    expect(second.items[0]!.result?.outcome).toBe("already-assigned");
    expect(stateOf(azure)).toEqual(before);
  });

  it("refuses an explicit name taken elsewhere, and writes nothing", async () => {
    const azure = wider();
    azure.takeNameElsewhere("takenacr");

    const result = await attachAll(azure, create([byName("takenacr")])).run;

    expect(result.items[0]!.error?.message).toMatch(
      /takenacr is taken by a registry .* Nothing was created/,
    );
    expect(result.items[0]!.error?.remedy).toMatch(/Choose another name in 'acr-name'/);
    expectNothingWritten(azure);
  });

  it("writes nothing on a re-run", async () => {
    const azure = wider();
    await attachAll(azure, create([byName("freshacr")])).run;
    const before = stateOf(azure);

    const again = await attachAll(azure, create([byName("freshacr")])).run;

    expect(stateOf(azure)).toEqual(before);
    expect(again.items[0]!.result?.registryCreation).toBeUndefined();
    expect(again.items[0]!.result?.changed).toBe(false);
  });

  it("plans the registry and the grant on a dry run, and writes nothing", async () => {
    const azure = wider();

    const { run, log } = attachAll(azure, create([byName("freshacr")], { dryRun: true }));
    const result = await run;

    expectNothingWritten(azure);
    expect(result.items[0]!.result).toMatchObject({
      outcome: "planned",
      plannedChanges: 2,
      changed: false,
      registryCreation: { sku: "Standard", planned: true },
    });
    expect(log.lines).toContain(
      "Dry run: would create the container registry freshacr in resource group rg-aks, region eastus, SKU Standard.",
    );
  });

  it("does not create a missing registry without create-registry", async () => {
    const azure = wider();

    const result = await attachAll(azure, request([byName("freshacr")])).run;

    expect(result.items[0]!.error?.remedy).toMatch(/create-registry: true/);
    expectNothingWritten(azure);
  });
});

describe("a cluster still being created", () => {
  it("is read again after Retry-After until it has succeeded, then attached", async () => {
    const azure = wider();
    // Two reads answer Creating (without the kubelet identity), the third Succeeded.
    azure.provisionCluster("aks-demo", { provisioningState: "Creating", readsUntilSucceeded: 2 });
    const clock = new StepClock();

    const result = await attachAll(retryAfterOnce(azure), request([byName("demoacr")]), clock).run;

    // Retry-After when the read sends it, else a short wait that grows.
    expect(clock.waits).toEqual([3_000, clusterPollMs(1)]);
    expect(azure.reads.filter((r) => r.startsWith("GET cluster"))).toHaveLength(3);
    expect(result.items[0]!.result?.outcome).toBe("created");
    expect(pullsOf(azure)).toEqual([scopes.registry]);
  });

  it("is an error when it failed", async () => {
    const azure = wider();
    azure.provisionCluster("aks-demo", { provisioningState: "Failed" });

    const run = attachAll(azure, request([byName("demoacr")])).run;

    await expect(run).rejects.toThrow(/provisioning state Failed/);
    expectNothingWritten(azure);
  });

  it("gives up before the deadline, saying what to raise", async () => {
    const azure = wider();
    azure.provisionCluster("aks-demo", { provisioningState: "Updating" });
    const clock = new StepClock();
    const log = new RecordingLog();

    const run = attachRegistries(request([byName("demoacr")]), azure, {
      signal,
      log,
      clock,
      deadline: clock.now() + 3_000,
    });

    await expect(run).rejects.toThrow(/still Updating/);
    await expect(run).rejects.toMatchObject({ remedy: expect.stringMatching(/timeout-seconds/) });
    expect(clock.waits).toEqual([500, 1_000]);
  });
});

describe("Limiter", () => {
  it("runs at most its limit at once, in order", async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const tasks = Array.from({ length: 6 }, (_, i) =>
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await Promise.resolve();
        await Promise.resolve();
        running--;
        return i;
      }),
    );

    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("frees its place when a task fails", async () => {
    const limiter = new Limiter(1);

    await expect(limiter.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    expect(await limiter.run(async () => "next")).toBe("next");
  });
});
