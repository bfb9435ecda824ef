/**
 * The routes the Azure CLI needs for `az aks update --attach-acr/--detach-acr`: the generic
 * resources list with a `resourceType` filter, the cluster PUT as a long-running operation,
 * `listClusterUserCredential`, and Graph's `servicePrincipalNames` filter and `getByIds`.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import {
  DEMO_SEED_PATH,
  loadSeed,
  startEmulator,
  type Emulator,
  type Seed,
} from "../../emulator/index.ts";

const systemCAs = getCACertificates("default");
const outsider = {
  displayName: "outsider",
  appId: "6c2d1e3f-0002-4000-8000-000000000002",
  objectId: "6c2d1e3f-0002-4000-8000-0000000000b2",
  clientSecret: "outsider-secret",
};

let seed: Seed;
let emulator: Emulator;
let sub: string;
let deployer: { appId: string; objectId: string; clientSecret: string };

beforeAll(async () => {
  const demo = await loadSeed(DEMO_SEED_PATH);
  seed = { ...demo, servicePrincipals: [...demo.servicePrincipals!, outsider] };
  sub = `/subscriptions/${demo.subscriptions[0]!.subscriptionId}`;
  const first = demo.servicePrincipals![0]!;
  deployer = { appId: first.appId, objectId: first.objectId, clientSecret: first.clientSecret! };
});

afterEach(async () => emulator?.close());
afterAll(() => setDefaultCACertificates(systemCAs));

async function start(options: { clusterRetryAfterSeconds?: number } = {}) {
  emulator = await startEmulator({ seed, clusterRetryAfterSeconds: 0, ...options });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
}

function credential(who: { appId: string; clientSecret: string } = deployer) {
  return new ClientSecretCredential(seed.tenantId, who.appId, who.clientSecret, {
    authorityHost: emulator.url,
    disableInstanceDiscovery: true,
  });
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; who?: { appId: string; clientSecret: string } } = {},
) {
  const token = (await credential(init.who).getToken(`${emulator.url}/.default`)).token;
  const url = path.startsWith("https://") ? path : `${emulator.url}${path}`;
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

describe("the generic resources list", () => {
  it("lists registries by resourceType, as az looks a registry up by name", async () => {
    await start();

    const answer = await call(
      `${sub}/resources?$filter=${encodeURIComponent("resourceType eq 'Microsoft.ContainerRegistry/registries'")}&api-version=2021-04-01`,
    );

    expect(answer.status).toBe(200);
    expect(answer.body.value).toEqual([
      {
        id: `${sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr`,
        name: "demoacr",
        type: "Microsoft.ContainerRegistry/registries",
        sku: { name: "Basic", tier: "Basic" },
        location: "eastus",
        tags: {},
      },
    ]);
  });

  it("lists every type without a filter, by group, and by name without regard to case", async () => {
    await start();

    const all = await call(`${sub}/resources?api-version=2021-04-01`);
    const group = await call(`${sub}/resourceGroups/rg-aks/resources?api-version=2021-04-01`);
    const named = await call(
      `${sub}/resources?$filter=${encodeURIComponent("resourceType eq 'microsoft.containerservice/managedclusters' and name eq 'AKS-DEMO'")}&api-version=2021-04-01`,
    );

    expect(all.body.value.map((r: { type: string }) => r.type).sort()).toEqual([
      "Microsoft.ContainerRegistry/registries",
      "Microsoft.ContainerService/managedClusters",
    ]);
    expect(group.body.value.map((r: { name: string }) => r.name)).toEqual(["aks-demo"]);
    expect(named.body.value.map((r: { name: string }) => r.name)).toEqual(["aks-demo"]);
    expect(named.body.value[0]).not.toHaveProperty("properties");
  });

  it("refuses a filter it does not understand, and shows nothing a caller may not read", async () => {
    await start();

    const bad = await call(
      `${sub}/resources?$filter=location%20eq%20'eastus'&api-version=2021-04-01`,
    );
    const hidden = await call(`${sub}/resources?api-version=2021-04-01`, { who: outsider });

    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("InvalidFilterInQueryString");
    expect(hidden.status).toBe(200);
    expect(hidden.body.value).toEqual([]);
  });
});

describe("the managed cluster PUT", () => {
  const clusterPath = () =>
    `${sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-demo`;

  it("runs as a long-running operation that the SDK's poller follows to Succeeded", async () => {
    await start();
    const client = new ContainerServiceClient(credential(), sub.split("/")[2]!, {
      endpoint: emulator.url,
      credentials: { scopes: [`${emulator.url}/.default`] },
    });
    const cluster = await client.managedClusters.get("rg-aks", "aks-demo");

    const updated = await client.managedClusters.beginCreateOrUpdateAndWait(
      "rg-aks",
      "aks-demo",
      cluster,
      { updateIntervalInMs: 1 },
    );

    expect(updated.provisioningState).toBe("Succeeded");
    const routes = emulator.requests
      .filter((r) => r.service === "arm")
      .map((r) => `${r.method} ${r.path.replace(/managedclusters-[0-9a-f-]+$/, "{op}")}`);
    expect(routes).toEqual([
      `GET ${clusterPath()}`,
      `PUT ${clusterPath()}`,
      `GET ${sub}/providers/Microsoft.ContainerService/locations/eastus/operations/{op}`,
      `GET ${sub}/providers/Microsoft.ContainerService/locations/eastus/operations/{op}`,
      `GET ${clusterPath()}`,
    ]);
  });

  it("answers Updating with Azure-AsyncOperation and Retry-After, and refuses a second PUT meanwhile", async () => {
    await start({ clusterRetryAfterSeconds: 1 });
    const body = (await call(`${clusterPath()}?api-version=2022-11-01`)).body;

    const put = await call(`${clusterPath()}?api-version=2022-11-01`, { method: "PUT", body });
    const during = await call(`${clusterPath()}?api-version=2022-11-01`);
    const again = await call(`${clusterPath()}?api-version=2022-11-01`, { method: "PUT", body });
    const polls = [
      await call(put.headers.get("azure-asyncoperation")!),
      await call(put.headers.get("azure-asyncoperation")!),
    ];
    const after = await call(`${clusterPath()}?api-version=2022-11-01`);

    expect(put.status).toBe(200);
    expect(put.body.properties.provisioningState).toBe("Updating");
    expect(put.headers.get("retry-after")).toBe("1");
    expect(during.body.properties.provisioningState).toBe("Updating");
    expect(again.status).toBe(409);
    expect(polls.map((p) => p.body.status)).toEqual(["InProgress", "Succeeded"]);
    expect(after.body.properties.provisioningState).toBe("Succeeded");
  });

  it("needs managedClusters/write and an existing cluster", async () => {
    await start();
    const body = (await call(`${clusterPath()}?api-version=2022-11-01`)).body;

    const denied = await call(`${clusterPath()}?api-version=2022-11-01`, {
      method: "PUT",
      body,
      who: outsider,
    });
    const missing = await call(`${clusterPath()}-nope?api-version=2022-11-01`, {
      method: "PUT",
      body,
    });

    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("AuthorizationFailed");
    expect(missing.status).toBe(404);
  });

  it("hands out a user kubeconfig from listClusterUserCredential", async () => {
    await start();

    const answer = await call(`${clusterPath()}/listClusterUserCredential?api-version=2022-11-01`, {
      method: "POST",
    });

    expect(answer.status).toBe(200);
    expect(answer.body.kubeconfigs[0].name).toBe("clusterUser");
    const kubeconfig = Buffer.from(answer.body.kubeconfigs[0].value, "base64").toString();
    expect(kubeconfig).toContain("current-context: aks-demo");
  });
});

describe("Graph, as az resolves an assignee", () => {
  it("finds a service principal by one of its servicePrincipalNames", async () => {
    await start();
    const filter = (name: string) =>
      `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`servicePrincipalNames/any(c:c eq '${name}')`)}`;

    const found = await call(filter(deployer.appId));
    const none = await call(filter("00000000-0000-4000-8000-000000000000"));

    expect(found.status).toBe(200);
    expect(found.body.value.map((p: { id: string }) => p.id)).toEqual([deployer.objectId]);
    expect(none.body.value).toEqual([]);
  });

  it("answers getByIds with the objects found, typed, and leaves out the rest", async () => {
    await start();

    const answer = await call("/v1.0/directoryObjects/getByIds", {
      method: "POST",
      body: {
        ids: [deployer.objectId, "00000000-0000-4000-8000-000000000000"],
        types: ["user", "group", "servicePrincipal"],
      },
    });
    const usersOnly = await call("/v1.0/directoryObjects/getByIds", {
      method: "POST",
      body: { ids: [deployer.objectId], types: ["user"] },
    });
    const bad = await call("/v1.0/directoryObjects/getByIds", { method: "POST", body: {} });

    expect(answer.status).toBe(200);
    expect(answer.body.value).toEqual([
      expect.objectContaining({
        "@odata.type": "#microsoft.graph.servicePrincipal",
        id: deployer.objectId,
        appId: deployer.appId,
      }),
    ]);
    expect(usersOnly.body.value).toEqual([]);
    expect(bad.status).toBe(400);
  });
});
