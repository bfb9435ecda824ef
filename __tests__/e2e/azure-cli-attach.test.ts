/**
 * The real Azure CLI against the emulator, as `npm run bench` drives it: `az aks update
 * --attach-acr` and `--detach-acr` complete, and the emulated world shows what they did. Skipped
 * where az is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DEMO_SEED_PATH, loadSeed, startEmulator, type Emulator } from "../../emulator/index.ts";
import { azVersion, signInAz, type AzSession } from "../../scripts/bench/azure-cli.ts";
import { ACR_PULL } from "../fixtures.ts";

const installed = (await azVersion()) !== undefined;
if (!installed)
  console.warn("Skipping the az aks update tests: the Azure CLI (az) is not installed.");

describe.each(installed ? [[]] : [])("az aks update against the emulator", () => {
  let emulator: Emulator;
  let az: AzSession;

  beforeAll(async () => {
    const seed = await loadSeed(DEMO_SEED_PATH);
    emulator = await startEmulator({ seed });
    const deployer = seed.servicePrincipals![0]!;
    az = await signInAz(
      emulator,
      { appId: deployer.appId, clientSecret: deployer.clientSecret! },
      seed.tenantId,
    );
  }, 120_000);

  afterAll(async () => {
    await az?.close();
    await emulator?.close();
  });

  const kubeletPull = () => {
    const kubelet = emulator.seed.clusters![0]!.kubeletIdentity!.objectId;
    return emulator
      .roleAssignments()
      .filter((a) => a.principalId === kubelet && a.roleDefinitionId.endsWith(ACR_PULL));
  };

  it("--attach-acr by name: one AcrPull assignment, and the cluster PUT run to Succeeded", async () => {
    emulator.clearRequests();

    await az.run([
      "aks",
      "update",
      "-g",
      "rg-aks",
      "-n",
      "aks-demo",
      "--attach-acr",
      "demoacr",
      "-o",
      "none",
    ]);

    expect(kubeletPull().map((a) => a.scope.toLowerCase())).toEqual([
      `/subscriptions/${emulator.seed.subscriptions[0]!.subscriptionId}/resourcegroups/rg-acr/providers/microsoft.containerregistry/registries/demoacr`,
    ]);
    const routes = emulator.requests.map((r) => `${r.status} ${r.method}`);
    expect(routes).toContain("201 PUT");
    const clusterPut = emulator.requests.findIndex(
      (r) => r.method === "PUT" && /managedClusters\/aks-demo$/.test(r.path),
    );
    expect(clusterPut).toBeGreaterThan(-1);
    const after = emulator.requests.slice(clusterPut + 1).map((r) => r.path.split("/").at(-2));
    expect(after).toEqual(expect.arrayContaining(["operations", "managedClusters"]));
  }, 120_000);

  it("--detach-acr removes it again", async () => {
    await az.run([
      "aks",
      "update",
      "-g",
      "rg-aks",
      "-n",
      "aks-demo",
      "--detach-acr",
      "demoacr",
      "-o",
      "none",
    ]);

    expect(kubeletPull()).toEqual([]);
  }, 120_000);
});
