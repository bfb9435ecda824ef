/**
 * Registries wherever the caller can see them, several in one step, created when asked, and a
 * cluster still being created: the committed bundle against the emulator's registries world
 * (three subscriptions; the deployer is Owner of Platform and of Images' rg-images only).
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import {
  loadSeed,
  REGISTRIES_SEED_PATH,
  runInputs,
  startEmulator,
  type Emulator,
  type Seed,
} from "../../emulator/index.ts";
import { isWrite } from "../../scripts/bench/request-log.ts";
import { runAction, type ActionRun } from "../../scripts/local-runner.ts";
import { ACR_PULL } from "../fixtures.ts";
import {
  assertNoSecrets,
  assertProvenance,
  errorText,
  shownSummary,
  visibleLog,
} from "./harness.ts";

const PLATFORM = "651488d7-1aa0-42f4-a311-2927087c9cd9";
const IMAGES = "7c2d4f1e-3b5a-4c6d-9e8f-0a1b2c3d4e5f";
const KUBELET = "aae1f8f9-2767-4f25-b9d9-b9d49e9e615d";
const NEW_KUBELET = "3f6b2c1d-8e4a-4b7c-9d2e-5a6b7c8d9e02";

function registryId(subscription: string, group: string, name: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ContainerRegistry/registries/${name}`;
}

const ids = {
  demoacr: registryId(PLATFORM, "rg-acr", "demoacr"),
  localacr: registryId(PLATFORM, "rg-aks", "localacr"),
  sharedacr: registryId(PLATFORM, "rg-shared", "sharedacr"),
  imagesacr: registryId(IMAGES, "rg-images", "imagesacr"),
  hashedacr: registryId(IMAGES, "rg-images", "hashedacr"),
};

let baseSeed: Seed;
let emulator: Emulator | undefined;

/** Starts this test's emulator on the registries world, changed by `change`. */
async function world(change: (seed: Seed) => Seed = (seed) => seed): Promise<Emulator> {
  baseSeed ??= await loadSeed(REGISTRIES_SEED_PATH);
  emulator = await startEmulator({ seed: change(structuredClone(baseSeed)) });
  return emulator;
}

afterEach(async () => {
  const created = emulator?.roleAssignments().filter((a) => a.createdBy !== null) ?? [];
  await emulator?.close();
  emulator = undefined;
  assertProvenance(created);
});

async function run(
  on: Emulator,
  inputs: Record<string, string | undefined> = {},
): Promise<ActionRun> {
  const merged = Object.fromEntries(
    Object.entries({ ...runInputs(on), ...inputs }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  const result = await runAction({
    inputs: merged,
    env: { NODE_EXTRA_CA_CERTS: on.caCertPath },
  });
  assertNoSecrets(result, [merged["client-secret"]]);
  return result;
}

/** ARM requests that change something (Resource Graph and name checks only read). */
function writes(on: Emulator): string[] {
  return on.requests
    .filter((r) => r.service === "arm" && isWrite(r))
    .map((r) => `${r.method} ${r.path}`);
}

function pullScopes(on: Emulator, principal = KUBELET): string[] {
  return on
    .roleAssignments()
    .filter(
      (a) => a.principalId === principal && a.roleDefinitionId.toLowerCase().endsWith(ACR_PULL),
    )
    .map((a) => a.scope.toLowerCase())
    .sort();
}

interface RegistryReport {
  name: string;
  loginServer: string;
  id: string;
  role: string;
  outcome: string;
  changed: boolean;
  roleAssignmentId: string;
  error?: string;
  registry?: string;
  assignmentIds?: string[];
  reasons?: string[];
}

function registriesOf(result: ActionRun): RegistryReport[] {
  return JSON.parse(result.outputs["registries"] ?? "null") as RegistryReport[];
}

function summaryRows(result: ActionRun): number {
  // The header row and one per registry.
  return (result.summary.match(/<tr>/g) ?? []).length - 1;
}

describe("finding a registry anywhere the caller can see", () => {
  it.each([
    ["in another resource group", "demoacr", ids.demoacr],
    ["in another subscription (Resource Graph)", "imagesacr", ids.imagesacr],
    [
      "by a login server with a domain-name-label hash",
      "hashedacr-e7d4hkc5.azurecr.io",
      ids.hashedacr,
    ],
    ["by a login server as a URL", "https://demoacr.azurecr.io/", ids.demoacr],
  ])("attaches a registry %s, once", async (_, acrName, id) => {
    const on = await world();

    const result = await run(on, { "acr-name": acrName });

    expect(result.exitCode).toBe(0);
    expect(pullScopes(on)).toEqual([id.toLowerCase()]);
    expect(writes(on)).toHaveLength(1);
    expect(registriesOf(result)).toMatchObject([{ id, outcome: "granted", changed: true }]);
  });

  it.each(["azurecr.us", "azurecr.cn", "acr.private.contoso.test"])(
    "finds a registry by its login server in a cloud whose suffix is %s",
    async (suffix) => {
      const on = await world((seed) => ({ ...seed, acrLoginServerSuffix: suffix }));

      const result = await run(on, { "acr-name": `ImagesAcr.${suffix}` });

      expect(result.exitCode).toBe(0);
      expect(pullScopes(on)).toEqual([ids.imagesacr.toLowerCase()]);
      expect(result.outputs["login-server"]).toBe(`imagesacr.${suffix}`);
    },
  );

  it("says where it looked for a registry found nowhere, and what to set instead", async () => {
    const on = await world();

    const result = await run(on, { "acr-name": "archiveacr" });

    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain("Container registry 'archiveacr' was not found.");
    expect(error).toContain(
      `Looked in resource group 'rg-aks' and the rest of subscription ${PLATFORM}`,
    );
    expect(error).toContain(`${IMAGES} (Images)`);
    expect(error).toMatch(/acr-resource-id/);
    expect(error).toMatch(/create-registry: true/);
    expect(writes(on)).toEqual([]);
  });
});

describe("several registries in one step", () => {
  const five = ["localacr", "demoacr", "sharedacr", "imagesacr", "hashedacr-e7d4hkc5.azurecr.io"];

  it("attaches five: five assignments, five summary rows, the registries output in input order", async () => {
    const on = await world();

    const result = await run(on, { "acr-name": five.join("\n") });

    expect(result.exitCode).toBe(0);
    expect(pullScopes(on)).toEqual(
      Object.values(ids)
        .map((id) => id.toLowerCase())
        .sort(),
    );
    expect(summaryRows(result)).toBe(5);
    const reports = registriesOf(result);
    expect(reports.map((r) => r.name)).toEqual([
      "localacr",
      "demoacr",
      "sharedacr",
      "imagesacr",
      "hashedacr",
    ]);
    for (const report of reports) {
      expect(report).toMatchObject({ role: "AcrPull", outcome: "granted", changed: true });
      expect(report.roleAssignmentId.toLowerCase()).toContain(report.id.toLowerCase());
    }
    expect(reports[4]!.loginServer).toBe("hashedacr-e7d4hkc5.azurecr.io");
    // The single outputs describe the first registry.
    expect(result.outputs["registry-id"]).toBe(ids.localacr);
    expect(result.outputs["role-assignment-id"]).toBe(reports[0]!.roleAssignmentId);
    expect(result.outputs["changed"]).toBe("true");
  });

  it("attaches the other two when one of three is missing, fails the step, and reports all three", async () => {
    const on = await world();

    const result = await run(on, { "acr-name": "demoacr, missingacr, localacr" });

    expect(result.exitCode).toBe(1);
    expect(pullScopes(on)).toEqual(
      [ids.localacr, ids.demoacr].map((id) => id.toLowerCase()).sort(),
    );
    const reports = registriesOf(result);
    expect(reports.map((r) => [r.name, r.outcome])).toEqual([
      ["demoacr", "granted"],
      ["missingacr", "failed"],
      ["localacr", "granted"],
    ]);
    expect(reports[1]!.error).toContain("'missingacr' was not found");
    expect(errorText(result)).toMatch(/1 of 3 registries failed .*\n- missingacr: /s);
    expect(summaryRows(result)).toBe(3);
    const shown = shownSummary(result);
    expect(shown).toContain("Container registry 'missingacr' was not found");
    expect(shown).toMatch(/✅ .*demoacr\.azurecr\.io : granted/);
    expect(shown).toMatch(/❌ .*missingacr : failed/);
    expect(shown).toMatch(/✅ .*localacr\.azurecr\.io : granted/);
    // The summary says it once: no second summary of the whole run's failure after it.
    expect(result.summary.match(/<h3>/g)).toHaveLength(1);
  });

  it("detaches and checks three registries", async () => {
    const on = await world();
    const three = { "acr-name": "demoacr\nlocalacr", "acr-resource-id": ids.imagesacr };
    await run(on, three);

    const checked = await run(on, { ...three, mode: "check" });
    const detached = await run(on, { ...three, mode: "detach" });
    const after = await run(on, { ...three, mode: "check", "fail-on-missing": "false" });

    expect(checked.exitCode).toBe(0);
    expect(checked.outputs["has-pull-access"]).toBe("true");
    expect(registriesOf(checked).map((r) => r.outcome)).toEqual([
      "can-pull",
      "can-pull",
      "can-pull",
    ]);
    expect(detached.exitCode).toBe(0);
    expect(JSON.parse(detached.outputs["removed-assignment-ids"]!)).toHaveLength(3);
    expect(registriesOf(detached).map((r) => r.outcome)).toEqual(["removed", "removed", "removed"]);
    expect(pullScopes(on)).toEqual([]);
    expect(after.outputs["has-pull-access"]).toBe("false");
    const reasons = JSON.parse(after.outputs["reasons"]!) as string[];
    expect(reasons).toHaveLength(3);
    expect(reasons[0]).toMatch(/^demoacr \(demoacr\.azurecr\.io\): No role is assigned/);
  });
});

describe("create-registry", () => {
  const created = (on: Emulator, name: string) => on.registries().find((r) => r.name === name);

  it("creates a named registry found nowhere, in the cluster's group and region, and attaches it", async () => {
    const on = await world();

    const result = await run(on, {
      "acr-name": "freshacr01",
      "create-registry": "true",
      "registry-sku": "Standard",
    });

    expect(result.exitCode).toBe(0);
    expect(created(on, "freshacr01")).toMatchObject({
      subscriptionId: PLATFORM,
      resourceGroup: "rg-aks",
      location: "eastus",
      sku: "Standard",
      provisioningState: "Succeeded",
    });
    const id = registryId(PLATFORM, "rg-aks", "freshacr01");
    expect(pullScopes(on)).toEqual([id.toLowerCase()]);
    expect(registriesOf(result)).toMatchObject([{ id, registry: "created", outcome: "granted" }]);
    expect(shownSummary(result)).toContain("registry created; granted");
    expect(shownSummary(result)).toContain(
      "Created the registry freshacr01 in eastus, SKU Standard.",
    );
    // checkNameAvailability came before the registry's PUT.
    const order = on.requests.map((r) => `${r.method} ${r.path}`);
    const check = order.findIndex((r) => r.endsWith("/checkNameAvailability"));
    const put = order.findIndex((r) => r.startsWith("PUT") && r.endsWith("/registries/freshacr01"));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(put);
  });

  it("names the registry after the cluster when none is named", async () => {
    const on = await world();

    const result = await run(on, { "acr-name": undefined, "create-registry": "true" });

    expect(result.exitCode).toBe(0);
    const name = registriesOf(result)[0]!.name;
    expect(name).toBe("aksaksdemoacr");
    expect(name).toMatch(/^[a-z0-9]{5,50}$/);
    expect(created(on, name)).toMatchObject({ resourceGroup: "rg-aks", sku: "Basic" });
  });

  it("uses a suffixed name when the default is taken elsewhere, and arrives at it again", async () => {
    const on = await world((seed) => ({ ...seed, takenRegistryNames: ["aksaksdemoacr"] }));

    const first = await run(on, { "acr-name": undefined, "create-registry": "true" });
    const writesAfterFirst = writes(on).length;
    const second = await run(on, { "acr-name": undefined, "create-registry": "true" });

    expect(first.exitCode).toBe(0);
    const name = registriesOf(first)[0]!.name;
    expect(name).toMatch(/^aksaksdemoacr[0-9a-f]{6}$/);
    expect(visibleLog(first)).toContain("aksaksdemoacr is taken by a registry");
    expect(second.exitCode).toBe(0);
    expect(registriesOf(second)[0]!.name).toBe(name);
    expect(writes(on)).toHaveLength(writesAfterFirst);
    expect(on.registries().filter((r) => r.name.startsWith("aksaksdemoacr"))).toHaveLength(1);
  });

  it("refuses an explicit name taken elsewhere, with a suggestion, and writes nothing", async () => {
    const on = await world();

    const result = await run(on, { "acr-name": "takenelsewhere", "create-registry": "true" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /takenelsewhere is taken by a registry .*Nothing was created/s,
    );
    expect(errorText(result)).toMatch(/Choose another name in 'acr-name'/);
    expect(writes(on)).toEqual([]);
  });

  it("writes nothing on a re-run", async () => {
    const on = await world();
    const inputs = { "acr-name": "freshacr01", "create-registry": "true" };
    await run(on, inputs);
    const before = writes(on).length;

    const again = await run(on, inputs);

    expect(again.exitCode).toBe(0);
    expect(writes(on)).toHaveLength(before);
    expect(registriesOf(again)).toMatchObject([{ outcome: "already-granted", changed: false }]);
    expect(registriesOf(again)[0]!.registry).toBeUndefined();
  });

  it("says on a dry run what it would create, and writes nothing", async () => {
    const on = await world();

    const result = await run(on, {
      "acr-name": "freshacr01",
      "create-registry": "true",
      "dry-run": "true",
    });

    expect(result.exitCode).toBe(0);
    expect(writes(on)).toEqual([]);
    expect(created(on, "freshacr01")).toBeUndefined();
    expect(visibleLog(result)).toContain(
      "Dry run: would create the container registry freshacr01 in resource group rg-aks, region eastus, SKU Basic.",
    );
    expect(result.outputs["planned-changes"]).toBe("2");
    expect(registriesOf(result)).toMatchObject([
      { registry: "would-create", outcome: "would-grant" },
    ]);
  });

  it("without create-registry, says how to create a missing registry", async () => {
    const on = await world();

    const result = await run(on, { "acr-name": "freshacr01" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/create-registry: true/);
    expect(writes(on)).toEqual([]);
  });
});

describe("a cluster still being created", () => {
  it("waits for Creating to become Succeeded, and grants once through PrincipalNotFound twice", async () => {
    const on = await world();

    const result = await run(on, { "cluster-name": "aks-new" });

    expect(result.exitCode).toBe(0);
    expect(visibleLog(result)).toMatch(/Cluster 'aks-new' is Creating \(no kubelet identity yet\)/);
    expect(pullScopes(on, NEW_KUBELET)).toEqual([ids.demoacr.toLowerCase()]);
    // The new identity was not yet known for two writes; the third went through.
    const puts = on.requests.filter((r) => r.method === "PUT" && /roleAssignments/.test(r.path));
    expect(puts.map((r) => r.status)).toEqual([400, 400, 201]);
  });

  it("fails clearly on a Failed cluster, writing nothing", async () => {
    const on = await world();

    const result = await run(on, { "cluster-name": "aks-broken" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/Cluster 'aks-broken' .* is in provisioning state Failed/);
    expect(writes(on)).toEqual([]);
  });
});
