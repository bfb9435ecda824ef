/**
 * The emulator's world of registries beyond the cluster's subscription: several subscriptions the
 * caller can see, Resource Graph queries across them, registry creation as a long-running
 * operation with names taken outside the tenant, other clouds' login servers, and clusters that
 * are still being created. Driven over HTTPS through the real Azure SDK clients, and raw requests
 * where the wire format is the point (Resource Graph, whose SDK the emulator does not depend on).
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import {
  loadSeed,
  REGISTRIES_SEED_PATH,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type Seed,
} from "../../emulator/index.ts";

const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const PLATFORM = "651488d7-1aa0-42f4-a311-2927087c9cd9";
const IMAGES = "7c2d4f1e-3b5a-4c6d-9e8f-0a1b2c3d4e5f";
const OTHER_TEAM = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
const GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources";

const systemCAs = getCACertificates("default");
let seed: Seed;
let emulator: Emulator | undefined;
let deployer: { appId: string; clientSecret: string };

beforeAll(async () => {
  seed = await loadSeed(REGISTRIES_SEED_PATH);
  const first = seed.servicePrincipals![0]!;
  deployer = { appId: first.appId, clientSecret: first.clientSecret! };
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => setDefaultCACertificates(systemCAs));

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ seed, ...options });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

function credential() {
  return new ClientSecretCredential(seed.tenantId, deployer.appId, deployer.clientSecret, {
    authorityHost: emulator!.url,
    disableInstanceDiscovery: true,
  });
}

const retryOptions = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };

function clients(subscriptionId = PLATFORM) {
  const cred = credential();
  const scopes = [`${emulator!.url}/.default`];
  const modular = { endpoint: emulator!.url, credentials: { scopes }, retryOptions };
  return {
    clusters: new ContainerServiceClient(cred, subscriptionId, modular).managedClusters,
    registries: new ContainerRegistryManagementClient(cred, subscriptionId, modular).registries,
    assignments: new AuthorizationManagementClient(cred, subscriptionId, {
      endpoint: emulator!.url,
      credentialScopes: scopes,
      retryOptions,
    }).roleAssignments,
  };
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

async function token(): Promise<string> {
  return (await credential().getToken(`${emulator!.url}/.default`)).token;
}

/** A raw ARM request; `path` may be a full URL (a nextLink, a polling URL). */
async function arm(path: string, init: { method?: string; body?: unknown; bearer: string }) {
  const url = path.startsWith("https://") ? path : `${emulator!.url}${path}`;
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${init.bearer}`, "content-type": "application/json" },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire bodies, checked below
    body: (text ? JSON.parse(text) : undefined) as any,
  };
}

/** One Resource Graph query. */
function graph(
  bearer: string,
  body: Record<string, unknown>,
  apiVersion = "2022-10-01",
): ReturnType<typeof arm> {
  return arm(`${GRAPH_PATH}?api-version=${apiVersion}`, { method: "POST", body, bearer });
}

const ALL = [PLATFORM, IMAGES, OTHER_TEAM];
const REGISTRY_TYPE = "microsoft.containerregistry/registries";
const registryId = (subscriptionId: string, group: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.ContainerRegistry/registries/${name}`;

/** The seed with more registries in the cluster's group, to make pages. */
function seedWithRegistries(count: number): Seed {
  const extra = Array.from({ length: count }, (_, i) => ({
    subscriptionId: IMAGES,
    resourceGroup: "rg-images",
    name: `bulkacr${String(i).padStart(3, "0")}`,
    location: "westeurope",
  }));
  return { ...seed, registries: [...seed.registries!, ...extra] };
}

describe("several subscriptions", () => {
  it("lists, across pages, only the subscriptions where the caller has some role", async () => {
    await start({ pageSize: 1 });
    const bearer = await token();

    const pages = [await arm("/subscriptions?api-version=2022-12-01", { bearer })];
    while (pages.at(-1)!.body.nextLink) {
      pages.push(await arm(pages.at(-1)!.body.nextLink, { bearer }));
    }

    // Platform through an Owner role on the subscription, Images through one on a group only.
    expect(
      pages.map((page) => page.body.value.map((s: { displayName: string }) => s.displayName)),
    ).toEqual([["Platform"], ["Images"]]);
    expect(pages[1]!.body.value[0]).toMatchObject({
      id: `/subscriptions/${IMAGES}`,
      subscriptionId: IMAGES,
      tenantId: seed.tenantId,
      state: "Enabled",
    });
  });

  it("lists registries by subscription and by group across pages, hiding what the caller cannot read", async () => {
    await start({ pageSize: 2 });

    const platform = await collect(clients(PLATFORM).registries.list());
    const images = await collect(clients(IMAGES).registries.list());
    const inGroup = await collect(clients(IMAGES).registries.listByResourceGroup("rg-images"));

    expect(platform.map((r) => r.name)).toEqual(["demoacr", "localacr", "sharedacr"]);
    expect(platform[1]!.id).toBe(registryId(PLATFORM, "rg-aks", "localacr"));
    // archiveacr sits in a group of Images the deployer has no role on.
    expect(images.map((r) => r.name)).toEqual(["imagesacr", "hashedacr"]);
    expect(inGroup.map((r) => r.loginServer)).toEqual([
      "imagesacr.azurecr.io",
      "hashedacr-e7d4hkc5.azurecr.io",
    ]);
    const listCalls = emulator!.requests.filter((r) => r.path.endsWith("/registries"));
    expect(listCalls.filter((r) => r.query.includes("%24skiptoken=2")).length).toBe(1);
    await expect(collect(clients(OTHER_TEAM).registries.list())).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationFailed",
    });
  });
});

describe("Resource Graph", () => {
  it("finds a registry by name in any subscription, in Resource Graph's response shape", async () => {
    await start();
    const bearer = await token();

    const answer = await graph(bearer, {
      subscriptions: ALL,
      query:
        "Resources | where type =~ 'Microsoft.ContainerRegistry/registries' and name =~ 'IMAGESACR' | project id, name, resourceGroup, subscriptionId, properties.loginServer",
    });

    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-ms-user-quota-remaining")).toMatch(/^\d+$/);
    expect(answer.body).toEqual({
      totalRecords: 1,
      count: 1,
      resultTruncated: "false",
      facets: [],
      data: [
        {
          id: registryId(IMAGES, "rg-images", "imagesacr"),
          name: "imagesacr",
          resourceGroup: "rg-images",
          subscriptionId: IMAGES,
          properties_loginServer: "imagesacr.azurecr.io",
        },
      ],
    });
  });

  it("returns whole rows with the type lower-cased, only for resources the caller may read", async () => {
    await start();
    const bearer = await token();

    const listed = await graph(bearer, { subscriptions: ALL, query: "Resources" });
    const unlisted = await graph(bearer, {
      query: "resources | where type == '" + REGISTRY_TYPE + "'",
    });

    const names = listed.body.data.map((row: { name: string }) => row.name);
    expect(names).toEqual([
      "aks-demo",
      "aks-new",
      "aks-broken",
      "demoacr",
      "localacr",
      "sharedacr",
      "imagesacr",
      "hashedacr",
    ]);
    expect(
      listed.body.data.find((row: { name: string }) => row.name === "sharedacr"),
    ).toMatchObject({
      id: registryId(PLATFORM, "rg-shared", "sharedacr"),
      type: REGISTRY_TYPE,
      tenantId: seed.tenantId,
      location: "eastus",
      resourceGroup: "rg-shared",
      subscriptionId: PLATFORM,
      sku: { name: "Standard", tier: "Standard" },
      properties: { loginServer: "sharedacr.azurecr.io", provisioningState: "Succeeded" },
      tags: {},
    });
    expect(listed.body.data[0].type).toBe("microsoft.containerservice/managedclusters");
    // No subscriptions listed: every one the caller can see; `==` on the lower-cased type.
    expect(unlisted.body.data.map((row: { name: string }) => row.name)).toEqual(names.slice(3));
  });

  it.each([
    [
      "a login server with a domain-name-label hash, in~ and tolower",
      "Resources | where tolower(properties.loginServer) in~ ('HASHEDACR-E7D4HKC5.azurecr.io', 'nope.azurecr.io')",
      ["hashedacr"],
    ],
    [
      "or, parentheses and !=",
      "Resources | where (name == 'demoacr' or name == 'sharedacr') and resourceGroup != 'rg-shared' | project name",
      ["demoacr"],
    ],
    [
      "== is case-sensitive, =~ is not",
      "Resources | where name == 'DemoAcr' or properties['loginServer'] =~ 'LOCALACR.AZURECR.IO' | project name",
      ["localacr"],
    ],
    [
      "take and limit",
      "Resources | where type =~ 'microsoft.containerregistry/registries' | take 3 | limit 2 | project name",
      ["demoacr", "localacr"],
    ],
    [
      "!in and project with a column name",
      "Resources | where type == 'microsoft.containerregistry/registries' and name !in ('demoacr', 'localacr') | project registry = name",
      ["sharedacr", "imagesacr", "hashedacr"],
    ],
  ])("interprets %s", async (_, query, expected) => {
    await start();

    const answer = await graph(await token(), { subscriptions: ALL, query });

    expect(answer.status).toBe(200);
    const rows = answer.body.data as Record<string, string>[];
    expect(rows.map((row) => row.name ?? row.registry)).toEqual(expected);
  });

  it("pages with $skipToken when there are more rows than $top, also on 2021-03-01", async () => {
    seed = seedWithRegistries(7);
    try {
      await start();
      const bearer = await token();
      const request = {
        subscriptions: [IMAGES],
        query:
          "Resources | where type =~ 'microsoft.containerregistry/registries' and resourceGroup == 'rg-images' | project id, name",
      };

      const pages = [await graph(bearer, { ...request, options: { $top: 4 } }, "2021-03-01")];
      while (pages.at(-1)!.body.$skipToken) {
        const options = { $top: 4, $skipToken: pages.at(-1)!.body.$skipToken };
        pages.push(await graph(bearer, { ...request, options }, "2021-03-01"));
      }

      expect(pages.map((page) => [page.body.totalRecords, page.body.count])).toEqual([
        [9, 4],
        [9, 4],
        [9, 1],
      ]);
      const names = pages.flatMap((page) =>
        page.body.data.map((row: { name: string }) => row.name),
      );
      expect(names).toEqual([
        "imagesacr",
        "hashedacr",
        ...Array.from({ length: 7 }, (_, i) => `bulkacr00${i}`),
      ]);
      expect(pages.map((page) => page.body.resultTruncated)).toEqual(["false", "false", "false"]);
      // A token belongs to its query; $skip works too; the default page is 100 rows.
      const foreign = await graph(bearer, {
        subscriptions: [IMAGES],
        query: "Resources | project id",
        options: { $skipToken: pages[0]!.body.$skipToken },
      });
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.details[0].code).toBe("InvalidSkipToken");
      const skipped = await graph(bearer, { ...request, options: { $skip: 8 } });
      expect(skipped.body.data.map((row: { name: string }) => row.name)).toEqual(["bulkacr006"]);
    } finally {
      seed = await loadSeed(REGISTRIES_SEED_PATH);
    }
  });

  it("pages 100 rows by default", async () => {
    seed = seedWithRegistries(120);
    try {
      await start();
      const bearer = await token();
      const request = { subscriptions: [IMAGES], query: "Resources | project id, name" };

      const first = await graph(bearer, request);
      const second = await graph(bearer, {
        ...request,
        options: { $skipToken: first.body.$skipToken },
      });

      expect([first.body.totalRecords, first.body.count]).toEqual([122, 100]);
      expect(first.body.$skipToken).toEqual(expect.any(String));
      expect([second.body.count, second.body.$skipToken]).toEqual([22, undefined]);
      expect(second.body.data.at(-1).name).toBe("bulkacr119");
    } finally {
      seed = await loadSeed(REGISTRIES_SEED_PATH);
    }
  });

  it('says resultTruncated "true" instead of paging a result without an id column, and answers the table format', async () => {
    await start();
    const bearer = await token();
    const query =
      "Resources | where type =~ 'microsoft.containerregistry/registries' | project name, sku";

    const truncated = await graph(bearer, { subscriptions: ALL, query, options: { $top: 2 } });
    const asTable = await graph(bearer, {
      subscriptions: [IMAGES],
      query,
      options: { resultFormat: "table" },
    });

    expect(truncated.body).toMatchObject({ totalRecords: 5, count: 2, resultTruncated: "true" });
    expect(truncated.body.$skipToken).toBeUndefined();
    expect(asTable.body.data).toEqual({
      columns: [
        { name: "name", type: "string" },
        { name: "sku", type: "object" },
      ],
      rows: [
        ["imagesacr", { name: "Premium", tier: "Premium" }],
        ["hashedacr", { name: "Basic", tier: "Basic" }],
      ],
    });
  });

  it.each([
    [
      "an operator beyond the subset",
      "Resources | summarize count() by type",
      "UnsupportedQuery",
      "summarize",
    ],
    [
      "a string operator beyond the subset",
      "Resources | where name has 'acr'",
      "UnsupportedQuery",
      "has",
    ],
    [
      "a function beyond the subset",
      "Resources | where strlen(name) == 7",
      "UnsupportedQuery",
      "strlen",
    ],
    ["another table", "ResourceContainers | take 1", "UnsupportedQuery", "ResourceContainers"],
    ["a comparison without a right side", "Resources | where name ==", "ParserFailure", "<EOF>"],
    ["a string left open", "Resources | where name == 'acr", "ParserFailure", "'acr"],
  ])("refuses %s with Resource Graph's InvalidQuery", async (_, query, kind, offending) => {
    await start();

    const answer = await graph(await token(), { subscriptions: ALL, query });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("BadRequest");
    expect(answer.body.error.message).toMatch(
      /^Please provide below info when asking for support: timestamp = .+, correlationId = [0-9a-f-]{36}\.$/,
    );
    expect(answer.body.error.details[0]).toEqual({
      code: "InvalidQuery",
      message:
        "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
    });
    expect(answer.body.error.details[1]).toMatchObject({ code: kind, line: 1, token: offending });
    expect(answer.body.error.details[1].characterPositionInLine).toBe(
      offending === "<EOF>" ? query.length + 1 : query.indexOf(offending) + 1,
    );
  });

  it("refuses an api-version it does not serve, a GET, and a body without a query", async () => {
    await start();
    const bearer = await token();

    const oldVersion = await graph(bearer, { query: "Resources" }, "2018-09-01-preview");
    const get = await arm(`${GRAPH_PATH}?api-version=2022-10-01`, { bearer });
    const noQuery = await graph(bearer, { subscriptions: ALL });
    const byGroup = await graph(bearer, { managementGroups: ["platform"], query: "Resources" });
    const noGroups = await graph(bearer, { managementGroups: [], query: "Resources | take 1" });

    expect([oldVersion.status, oldVersion.body.error.code]).toEqual([
      400,
      "InvalidApiVersionParameter",
    ]);
    expect(get.status).toBe(405);
    expect([byGroup.status, byGroup.body.error.details[0].code]).toEqual([400, "UnsupportedQuery"]);
    expect([noGroups.status, noGroups.body.count]).toEqual([200, 1]);
    expect([noQuery.status, noQuery.body.error.details[0].code]).toEqual([
      400,
      "InvalidRequestContent",
    ]);
  });
});

describe("registry creation", () => {
  const body = { location: "eastus", sku: { name: "Basic" } };
  const path = (name: string) => `${registryId(PLATFORM, "rg-aks", name)}?api-version=2025-11-01`;

  it("is a long-running operation whose registry is listed, and found by Resource Graph, while Creating", async () => {
    await start({ asyncRetryAfterSeconds: 10, asyncInProgressPolls: 1 });
    const bearer = await token();

    const put = await arm(path("freshacr1"), { method: "PUT", body, bearer });
    const listed = await collect(clients().registries.listByResourceGroup("rg-aks"));
    const found = await graph(bearer, {
      subscriptions: [PLATFORM],
      query:
        "Resources | where name =~ 'freshacr1' | project id, properties.provisioningState, properties.loginServer",
    });
    const first = await arm(put.headers.get("azure-asyncoperation")!, { bearer });
    const second = await arm(put.headers.get("azure-asyncoperation")!, { bearer });
    const after = await arm(path("freshacr1"), { bearer });

    expect(put.status).toBe(201);
    expect(put.headers.get("retry-after")).toBe("10");
    expect(put.body.properties).toMatchObject({
      provisioningState: "Creating",
      loginServer: "freshacr1.azurecr.io",
    });
    expect(listed.find((r) => r.name === "freshacr1")).toMatchObject({
      provisioningState: "Creating",
      loginServer: "freshacr1.azurecr.io",
    });
    expect(found.body.data).toEqual([
      {
        id: registryId(PLATFORM, "rg-aks", "freshacr1"),
        properties_provisioningState: "Creating",
        properties_loginServer: "freshacr1.azurecr.io",
      },
    ]);
    expect([first.body.status, first.headers.get("retry-after")]).toEqual(["InProgress", "10"]);
    expect(second.body.status).toBe("Succeeded");
    expect(after.body.properties.provisioningState).toBe("Succeeded");
  });

  it("knows names taken outside the tenant: AlreadyExists, and a create refused with 409 that writes nothing", async () => {
    await start();
    const { registries } = clients();

    const check = await registries.checkNameAvailability({
      name: "TakenElsewhere",
      type: "Microsoft.ContainerRegistry/registries",
    });
    const create = registries.beginCreateAndWait("rg-aks", "takenelsewhere", body, {
      updateIntervalInMs: 5,
    });

    expect(check).toEqual({
      nameAvailable: false,
      reason: "AlreadyExists",
      message: "The registry TakenElsewhere is already in use.",
    });
    await expect(create).rejects.toMatchObject({
      statusCode: 409,
      code: "AlreadyInUse",
      message: expect.stringContaining("takenelsewhere.azurecr.io is already in use"),
    });
    expect(emulator!.registries().some((r) => r.name === "takenelsewhere")).toBe(false);
    expect(
      (
        await registries.checkNameAvailability({
          name: "freename1",
          type: "Microsoft.ContainerRegistry/registries",
        })
      ).nameAvailable,
    ).toBe(true);
  });

  it("gives a login server with a domain-name-label hash when the create asks for one, the same for the same scope", async () => {
    await start({ asyncInProgressPolls: 0 });
    const bearer = await token();
    const hashed = (name: string, scope: string) =>
      arm(path(name), {
        method: "PUT",
        bearer,
        body: { ...body, properties: { autoGeneratedDomainNameLabelScope: scope } },
      });

    const tenantReuse = await hashed("labelacr1", "TenantReuse");
    const unsecure = await hashed("labelacr2", "Unsecure");
    const invalid = await hashed("labelacr3", "Sometimes");
    const firstHash = tenantReuse.body.properties.loginServer;
    await emulator!.close();
    await start({ asyncInProgressPolls: 0 });
    const again = await arm(path("labelacr1"), {
      method: "PUT",
      bearer: await token(),
      body: { ...body, properties: { autoGeneratedDomainNameLabelScope: "TenantReuse" } },
    });

    expect(firstHash).toMatch(/^labelacr1-[a-z0-9]{8}\.azurecr\.io$/);
    expect(tenantReuse.body.properties.autoGeneratedDomainNameLabelScope).toBe("TenantReuse");
    expect(again.body.properties.loginServer).toBe(firstHash);
    expect(unsecure.body.properties.loginServer).toBe("labelacr2.azurecr.io");
    expect([invalid.status, invalid.body.error.code]).toEqual([400, "InvalidRequestContent"]);
    expect(emulator!.registries().find((r) => r.name === "labelacr1")?.loginServer).toBe(firstHash);
  });
});

describe("login servers of other clouds", () => {
  it("takes the cloud's suffix from the seed: metadata, default login servers, messages", async () => {
    seed = { ...seed, acrLoginServerSuffix: "azurecr.us" };
    try {
      await start();
      const bearer = await token();

      const metadata = await (
        await fetch(`${emulator!.url}/metadata/endpoints?api-version=2022-09-01`)
      ).json();
      const cliMetadata = await (
        await fetch(`${emulator!.url}/metadata/endpoints?api-version=2019-05-01`)
      ).json();
      const demoacr = await clients().registries.get("rg-acr", "demoacr");
      const hashedacr = await clients(IMAGES).registries.get("rg-images", "hashedacr");
      const taken = await arm(
        registryId(PLATFORM, "rg-aks", "demoacr").replace("rg-aks", "rg-shared") +
          "?api-version=2025-11-01",
        {
          method: "PUT",
          bearer,
          body: { location: "eastus", sku: { name: "Basic" } },
        },
      );

      expect(metadata.suffixes.acrLoginServer).toBe("azurecr.us");
      expect(cliMetadata[0].suffixes.acrLoginServer).toBe("azurecr.us");
      expect(demoacr.loginServer).toBe("demoacr.azurecr.us");
      // A login server the seed sets is kept as given.
      expect(hashedacr.loginServer).toBe("hashedacr-e7d4hkc5.azurecr.io");
      expect(taken.status).toBe(409);
      expect(taken.body.error.message).toContain("demoacr.azurecr.us is already in use");
    } finally {
      seed = await loadSeed(REGISTRIES_SEED_PATH);
    }
  });

  it.each([
    [
      "a login server suffix that is not one",
      { acrLoginServerSuffix: "not a suffix" },
      /acrLoginServerSuffix must be a DNS suffix/,
    ],
    [
      "a taken name that is not a registry name",
      { takenRegistryNames: ["ok-name"] },
      /takenRegistryNames\[0\] must be 5-50 letters or digits/,
    ],
    [
      "a login server that is not a host name",
      {
        registries: [
          {
            subscriptionId: PLATFORM,
            resourceGroup: "rg-acr",
            name: "badlogin",
            location: "eastus",
            loginServer: "https://x",
          },
        ],
      },
      /registries\[0\]\.loginServer must be a host name/,
    ],
    [
      "an unknown provisioning state",
      {
        clusters: [
          {
            subscriptionId: PLATFORM,
            resourceGroup: "rg-aks",
            name: "c",
            location: "eastus",
            provisioningState: "Starting",
          },
        ],
      },
      /clusters\[0\]\.provisioningState must be one of Creating, Updating, Succeeded, Failed/,
    ],
    [
      "a negative read count",
      {
        clusters: [
          {
            subscriptionId: PLATFORM,
            resourceGroup: "rg-aks",
            name: "c",
            location: "eastus",
            readsUntilSucceeded: -1,
          },
        ],
      },
      /clusters\[0\]\.readsUntilSucceeded must be a whole number >= 0/,
    ],
  ])("refuses a seed with %s", async (_, fields, message) => {
    await expect(startEmulator({ seed: { ...seed, ...fields } as Seed })).rejects.toThrow(message);
  });
});

describe("clusters still being created", () => {
  const kubeletOf = (name: string) => seed.clusters!.find((c) => c.name === name)!.kubeletIdentity!;

  it("answers Creating, without a kubelet identity, for N GETs, then Succeeded with one; lists do not count", async () => {
    await start();
    const { clusters } = clients();

    const first = await clusters.get("rg-aks", "aks-new");
    const listed = await collect(clusters.listByResourceGroup("rg-aks"));
    const second = await clusters.get("rg-aks", "aks-new");
    const third = await clusters.get("rg-aks", "aks-new");
    const fourth = await clusters.get("rg-aks", "aks-new");

    expect(
      [first, listed.find((c) => c.name === "aks-new")!, second].map((c) => c.provisioningState),
    ).toEqual(["Creating", "Creating", "Creating"]);
    expect(first.identityProfile).toBeUndefined();
    expect(first.agentPoolProfiles![0]!.provisioningState).toBe("Creating");
    expect([third.provisioningState, fourth.provisioningState]).toEqual(["Succeeded", "Succeeded"]);
    expect(third.identityProfile?.kubeletidentity).toMatchObject({
      clientId: kubeletOf("aks-new").clientId,
      objectId: kubeletOf("aks-new").objectId,
    });
    // As ARM's GET, never a Retry-After, whatever the state.
    const gets = emulator!.requests.filter((r) => r.path.endsWith("/aks-new"));
    expect(gets.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(emulator!.clusters().find((c) => c.name === "aks-new")).toMatchObject({
      provisioningState: "Succeeded",
      kubeletIdentityVisible: true,
      kubeletPrincipalNotFoundWrites: 2,
    });
  });

  it("sends no Retry-After on a GET of a Creating cluster", async () => {
    await start();
    const bearer = await token();

    const answer = await arm(
      `/subscriptions/${PLATFORM}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-new?api-version=2026-08-01`,
      { bearer },
    );

    expect(answer.body.properties.provisioningState).toBe("Creating");
    expect(answer.headers.get("retry-after")).toBeNull();
  });

  it("refuses role assignments to the new kubelet identity with PrincipalNotFound until it appears and for N tries after", async () => {
    await start();
    const { clusters, assignments } = clients();
    const kubelet = kubeletOf("aks-new").objectId;
    const scope = registryId(PLATFORM, "rg-acr", "demoacr");
    const assign = () =>
      assignments.create(scope, crypto.randomUUID(), {
        roleDefinitionId: `/subscriptions/${PLATFORM}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
        principalId: kubelet,
        principalType: "ServicePrincipal",
      });

    const outcomes: string[] = [];
    const attempt = async () => {
      try {
        await assign();
        outcomes.push("created");
      } catch (error) {
        outcomes.push((error as { code: string }).code);
      }
    };
    await attempt(); // the cluster is still Creating
    for (let i = 0; i < 3; i++) await clusters.get("rg-aks", "aks-new");
    await attempt();
    await attempt();
    await attempt();

    expect(outcomes).toEqual([
      "PrincipalNotFound",
      "PrincipalNotFound",
      "PrincipalNotFound",
      "created",
    ]);
    expect(emulator!.roleAssignments().filter((a) => a.principalId === kubelet)).toHaveLength(1);
  });

  it("keeps a Failed cluster Failed, and an Updating one without a count Updating, kubelet identity shown", async () => {
    seed = {
      ...seed,
      clusters: [
        ...seed.clusters!,
        {
          subscriptionId: PLATFORM,
          resourceGroup: "rg-aks",
          name: "aks-upgrading",
          location: "eastus",
          provisioningState: "Updating",
          kubeletIdentity: {
            clientId: "5b8d4e3f-0a6c-4d9e-8f4a-7c8d9e0f1a01",
            objectId: "5b8d4e3f-0a6c-4d9e-8f4a-7c8d9e0f1a02",
          },
        },
      ],
    };
    try {
      await start();
      const { clusters } = clients();

      const failed = [];
      const updating = [];
      for (let i = 0; i < 3; i++) {
        failed.push(await clusters.get("rg-aks", "aks-broken"));
        updating.push(await clusters.get("rg-aks", "aks-upgrading"));
      }

      expect(failed.map((c) => c.provisioningState)).toEqual(["Failed", "Failed", "Failed"]);
      expect(failed[0]!.identityProfile?.kubeletidentity?.objectId).toBe(
        kubeletOf("aks-broken").objectId,
      );
      expect(updating.map((c) => c.provisioningState)).toEqual([
        "Updating",
        "Updating",
        "Updating",
      ]);
      expect(updating[0]!.identityProfile?.kubeletidentity).toBeDefined();
      expect(
        emulator!.clusters().find((c) => c.name === "aks-upgrading")?.readsUntilSucceeded,
      ).toBeNull();
    } finally {
      seed = await loadSeed(REGISTRIES_SEED_PATH);
    }
  });
});
