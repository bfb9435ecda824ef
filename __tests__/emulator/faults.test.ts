/**
 * The emulator's faults that are states of the world rather than single answers: role
 * assignment lists that lag behind writes (eventual consistency), and registry creation as a
 * long-running operation that can fail. Driven through the real Azure SDK clients, as the action
 * would meet them, plus raw requests where the wire format itself is the point. The README's
 * `inject` recipes are checked at the end.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import {
  DEMO_SEED_PATH,
  loadSeed,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type Seed,
} from "../../emulator/index.ts";

const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const systemCAs = getCACertificates("default");
const reader = {
  displayName: "reader",
  appId: "5b1c0d2e-0001-4000-8000-000000000001",
  objectId: "5b1c0d2e-0001-4000-8000-0000000000a1",
  clientSecret: "reader-secret",
};

let seed: Seed;
let emulator: Emulator | undefined;
let w: {
  subscriptionId: string;
  sub: string;
  registryScope: string;
  acrPull: string;
  kubelet: string;
  deployer: { appId: string; clientSecret: string };
};

beforeAll(async () => {
  const demo = await loadSeed(DEMO_SEED_PATH);
  const subscriptionId = demo.subscriptions[0]!.subscriptionId;
  const sub = `/subscriptions/${subscriptionId}`;
  seed = {
    ...demo,
    servicePrincipals: [...demo.servicePrincipals!, reader],
    roleAssignments: [
      ...demo.roleAssignments!,
      { scope: sub, roleName: "Reader", principalId: reader.objectId },
    ],
  };
  const deployer = demo.servicePrincipals![0]!;
  w = {
    subscriptionId,
    sub,
    registryScope: `${sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr`,
    acrPull: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
    kubelet: demo.clusters![0]!.kubeletIdentity!.objectId,
    deployer: { appId: deployer.appId, clientSecret: deployer.clientSecret! },
  };
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => setDefaultCACertificates(systemCAs));

/** A fresh emulator on the test seed, trusted in-process. */
async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ seed, ...options });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

/** A clock the test moves by hand. */
function manualClock(start = Date.parse("2026-03-02T10:00:00Z")) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

type Who = { appId: string; clientSecret: string };

function credential(who: Who) {
  return new ClientSecretCredential(seed.tenantId, who.appId, who.clientSecret, {
    authorityHost: emulator!.url,
    disableInstanceDiscovery: true,
  });
}

const retryOptions = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };

function clients(who: Who = w.deployer) {
  const cred = credential(who);
  const scopes = [`${emulator!.url}/.default`];
  return {
    registries: new ContainerRegistryManagementClient(cred, w.subscriptionId, {
      endpoint: emulator!.url,
      credentials: { scopes },
      retryOptions,
    }).registries,
    assignments: new AuthorizationManagementClient(cred, w.subscriptionId, {
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

async function token(who: Who = w.deployer): Promise<string> {
  return (await credential(who).getToken(`${emulator!.url}/.default`)).token;
}

/** A raw ARM request; `path` may be a full URL (a polling URL, say). */
async function arm(path: string, init: { method?: string; body?: unknown; token: string }) {
  const url = path.startsWith("https://") ? path : `${emulator!.url}${path}`;
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${init.token}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

function statuses(pathPart: string): number[] {
  return emulator!.requests.filter((r) => r.path.includes(pathPart)).map((r) => r.status);
}

// --- eventual consistency ---

describe("eventual consistency: role assignment lists lag behind writes", () => {
  const T = 5_000;

  /** The names every list form returns for the kubelet at the registry. */
  async function listedEverywhere(): Promise<Record<string, string[]>> {
    const { assignments } = clients();
    const names = async (pages: AsyncIterable<{ name?: string }>) =>
      (await collect(pages)).map((a) => a.name!).sort();
    const at = (filter?: string) =>
      names(assignments.listForScope(w.registryScope, filter ? { filter } : {}));
    return {
      none: await at(),
      atScope: await at("atScope()"),
      principalId: await at(`principalId eq '${w.kubelet}'`),
      assignedTo: await at(`assignedTo('${w.kubelet}')`),
      atScopeAndAssignedTo: await at(`atScope() and assignedTo('${w.kubelet}')`),
      subscription: await names(assignments.listForSubscription()),
    };
  }

  function containing(name: string, yes: boolean) {
    const lists = ["none", "atScope", "principalId", "assignedTo", "atScopeAndAssignedTo"];
    return Object.fromEntries(
      [...lists, "subscription"].map((list) => [
        list,
        yes ? expect.arrayContaining([name]) : expect.not.arrayContaining([name]),
      ]),
    );
  }

  it("keeps a new assignment out of every list form for T ms while GET and PUT see it at once", async () => {
    const clock = manualClock();
    await start({ consistencyDelayMs: T, now: clock.now });
    const { assignments } = clients();
    const name = crypto.randomUUID();
    const wanted = {
      roleDefinitionId: w.acrPull,
      principalId: w.kubelet,
      principalType: "ServicePrincipal" as const,
    };

    const created = await assignments.create(w.registryScope, name, wanted);

    expect(await listedEverywhere()).toEqual(containing(name, false));
    expect((await assignments.get(w.registryScope, name)).name).toBe(name);
    expect((await assignments.getById(created.id!)).name).toBe(name);
    // PUT sees it too: the same PUT again is 200, another name for the same grant is 409.
    await assignments.create(w.registryScope, name, wanted);
    await expect(
      assignments.create(w.registryScope, crypto.randomUUID(), wanted),
    ).rejects.toMatchObject({ statusCode: 409, code: "RoleAssignmentExists" });
    expect(statuses(`roleAssignments/${name}`).filter((s) => s !== 200)).toEqual([201]);

    clock.advance(T - 1);
    expect(await listedEverywhere()).toEqual(containing(name, false));

    clock.advance(1);
    expect(await listedEverywhere()).toEqual(containing(name, true));
    expect(emulator!.roleAssignments().filter((a) => a.principalId === w.kubelet)).toHaveLength(1);
  });

  it("keeps a deleted assignment in lists for T ms while GET says 404 at once", async () => {
    const clock = manualClock();
    await start({ consistencyDelayMs: T, now: clock.now });
    const { assignments } = clients();
    const name = crypto.randomUUID();
    await assignments.create(w.registryScope, name, {
      roleDefinitionId: w.acrPull,
      principalId: w.kubelet,
      principalType: "ServicePrincipal",
    });
    clock.advance(T);
    expect(await listedEverywhere()).toEqual(containing(name, true));

    await assignments.delete(w.registryScope, name);

    await expect(assignments.get(w.registryScope, name)).rejects.toMatchObject({
      statusCode: 404,
      code: "RoleAssignmentNotFound",
    });
    expect(await listedEverywhere()).toEqual(containing(name, true));
    clock.advance(T);
    expect(await listedEverywhere()).toEqual(containing(name, false));
    expect(emulator!.roleAssignments().filter((a) => a.principalId === w.kubelet)).toEqual([]);
  });

  it("lists the seed's assignments at once, lags a concurrent writer's, and catches up when the delay is cleared", async () => {
    const clock = manualClock();
    await start({ consistencyDelayMs: T, now: clock.now });
    const seeded = seed.roleAssignments![0]!.name!;
    // Another run's assignment, written behind the test's back.
    const theirs = emulator!.addRoleAssignment({
      scope: w.registryScope,
      roleName: "AcrPull",
      principalId: w.kubelet,
    });

    const before = await listedEverywhere();
    emulator!.setListDelay(0);
    const after = await listedEverywhere();

    expect(before.atScope).toContain(seeded);
    expect(before.atScope).not.toContain(theirs.name);
    expect(after).toEqual(containing(theirs.name, true));
  });

  it("uses the real clock by default: a short lag passes by itself", async () => {
    await start();
    emulator!.setListDelay(60_000);
    const theirs = emulator!.addRoleAssignment({
      scope: w.registryScope,
      roleName: "AcrPull",
      principalId: w.kubelet,
    });

    // Out of lists while the lag is far longer than any test; in them once the real clock has
    // moved past a 1 ms lag. No race: neither list depends on how fast the other ran.
    const early = await listedEverywhere();
    emulator!.setListDelay(1);
    await sleep(5);
    const late = await listedEverywhere();

    expect(early.atScope).not.toContain(theirs.name);
    expect(late.atScope).toContain(theirs.name);
  });
});

// --- registry creation, a long-running operation ---

describe("registry create: a long-running operation", () => {
  const body = { location: "eastus", sku: { name: "Standard" }, tags: { team: "platform" } };
  const registryPath = (name: string, group = "rg-acr") =>
    `${w.sub}/resourceGroups/${group}/providers/Microsoft.ContainerRegistry/registries/${name}?api-version=2025-11-01`;

  it("completes through the SDK's beginCreateAndWait: 201 Creating, InProgress, Succeeded, final GET", async () => {
    await start();

    const registry = await clients().registries.beginCreateAndWait(
      "rg-acr",
      "newacr01",
      { location: "eastus", sku: { name: "Standard" }, adminUserEnabled: true },
      { updateIntervalInMs: 5 },
    );

    expect(registry).toMatchObject({
      name: "newacr01",
      provisioningState: "Succeeded",
      loginServer: "newacr01.azurecr.io",
      sku: { name: "Standard" },
      adminUserEnabled: true,
    });
    const calls = emulator!.requests.filter((r) => r.service === "arm");
    expect(calls.map((r) => `${r.method} ${r.status} ${r.path.split("/").at(-1)}`)).toEqual([
      "PUT 201 newacr01",
      expect.stringMatching(/^GET 200 registries-[0-9a-f-]{36}$/),
      expect.stringMatching(/^GET 200 registries-[0-9a-f-]{36}$/),
      "GET 200 newacr01",
    ]);
    expect(emulator!.registries().find((r) => r.name === "newacr01")).toMatchObject({
      resourceGroup: "rg-acr",
      provisioningState: "Succeeded",
    });
  });

  it("speaks ARM's LRO protocol on the wire: headers, Creating, OperationStatusResult", async () => {
    await start({ asyncRetryAfterSeconds: 3, asyncInProgressPolls: 2 });
    const bearer = await token();

    const put = await arm(registryPath("wireacr1"), { method: "PUT", body, token: bearer });
    const pollUrl = put.headers.get("azure-asyncoperation")!;
    const whileCreating = await arm(registryPath("wireacr1"), { token: bearer });
    const polls = [];
    for (let i = 0; i < 4; i++) polls.push(await arm(pollUrl, { token: bearer }));
    const done = await arm(registryPath("wireacr1"), { token: bearer });

    expect(put.status).toBe(201);
    expect(put.body.properties.provisioningState).toBe("Creating");
    expect(put.body.tags).toEqual({ team: "platform" });
    expect(put.headers.get("retry-after")).toBe("3");
    expect(pollUrl).toMatch(
      new RegExp(
        `^${emulator!.url}${w.sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/wireacr1/operationStatuses/registries-[0-9a-f-]{36}\\?api-version=2025-11-01$`,
      ),
    );
    expect(whileCreating.body.properties.provisioningState).toBe("Creating");
    expect(polls.map((p) => p.body.status)).toEqual([
      "InProgress",
      "InProgress",
      "Succeeded",
      "Succeeded",
    ]);
    expect(polls[0]!.headers.get("retry-after")).toBe("3");
    expect(polls[2]!.headers.get("retry-after")).toBeNull();
    const operationName = pollUrl.split("?")[0]!.split("/").at(-1)!;
    expect(polls[0]!.body).toEqual({
      id: `${w.sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/wireacr1/operationStatuses/${operationName}`,
      name: operationName,
      status: "InProgress",
      startTime: expect.any(String),
    });
    expect(polls[2]!.body.endTime).toEqual(expect.any(String));
    expect(polls[2]!.body.error).toBeUndefined();
    expect(done.body.properties.provisioningState).toBe("Succeeded");
  });

  it("fails the operation when armed: the SDK's poller rejects with the code, the registry is left Failed", async () => {
    await start();
    emulator!.failNextRegistryCreate({
      code: "QuotaExceeded",
      message: "The subscription has reached its limit of Premium registries.",
    });
    const { registries } = clients();

    const create = registries.create("rg-acr", "failedacr1", body, { updateIntervalInMs: 5 });

    await expect(create).rejects.toThrow(
      "The long-running operation has failed. QuotaExceeded. The subscription has reached its limit of Premium registries.",
    );
    expect((await registries.get("rg-acr", "failedacr1")).provisioningState).toBe("Failed");
    const lastPoll = emulator!.requests
      .filter((r) => r.path.includes("/operationStatuses/"))
      .at(-1)!;
    const status = await arm(`${lastPoll.path}?${lastPoll.query}`, { token: await token() });
    expect(status.body).toMatchObject({
      status: "Failed",
      error: {
        code: "QuotaExceeded",
        message: "The subscription has reached its limit of Premium registries.",
      },
    });

    // The failure is used up: the next create, and creating the failed one again, succeed.
    const other = await registries.beginCreateAndWait("rg-acr", "otheracr1", body, {
      updateIntervalInMs: 5,
    });
    const retried = await registries.beginCreateAndWait("rg-acr", "failedacr1", body, {
      updateIntervalInMs: 5,
    });
    expect([other.provisioningState, retried.provisioningState]).toEqual([
      "Succeeded",
      "Succeeded",
    ]);
    expect(emulator!.registries().map((r) => [r.name, r.provisioningState])).toEqual([
      ["demoacr", "Succeeded"],
      ["failedacr1", "Succeeded"],
      ["otheracr1", "Succeeded"],
    ]);
  });

  it("fails with a generic error when armed without one; clearFaults() disarms", async () => {
    await start();
    const { registries } = clients();
    emulator!.failNextRegistryCreate();
    emulator!.clearFaults();
    emulator!.failNextRegistryCreate();

    await expect(
      registries.beginCreateAndWait("rg-acr", "genericacr", body, { updateIntervalInMs: 5 }),
    ).rejects.toThrow(/long-running operation has failed\. InternalServerError\./);
    const next = await registries.beginCreateAndWait("rg-acr", "genericacr2", body, {
      updateIntervalInMs: 5,
    });
    expect(next.provisioningState).toBe("Succeeded");
  });

  it("refuses a name taken anywhere with 409 AlreadyInUse, and a bad name with 400", async () => {
    await start();
    const bearer = await token();

    const taken = await clients()
      .registries.beginCreateAndWait("rg-aks", "DemoAcr", body, { updateIntervalInMs: 5 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const short = await arm(registryPath("abcd"), { method: "PUT", body, token: bearer });
    const dashed = await arm(registryPath("my-registry"), { method: "PUT", body, token: bearer });
    const long = await arm(registryPath("a".repeat(51)), { method: "PUT", body, token: bearer });
    const noLocation = await arm(registryPath("nolocation"), {
      method: "PUT",
      body: { sku: { name: "Basic" } },
      token: bearer,
    });

    expect(taken).toMatchObject({
      statusCode: 409,
      code: "AlreadyInUse",
      message:
        "The registry DNS name demoacr.azurecr.io is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability",
    });
    expect([short.status, dashed.status, long.status]).toEqual([400, 400, 400]);
    expect(dashed.body.error.message).toContain("between 5 and 50 characters");
    expect(noLocation.body.error.code).toBe("LocationRequired");
    expect(emulator!.registries().map((r) => r.name)).toEqual(["demoacr"]);
  });

  it("updates an existing registry in place with 200 and no operation", async () => {
    await start();
    const bearer = await token();

    const put = await arm(registryPath("demoacr"), {
      method: "PUT",
      body: { location: "eastus", sku: { name: "Premium" } },
      token: bearer,
    });
    const moved = await arm(registryPath("demoacr"), {
      method: "PUT",
      body: { location: "westus", sku: { name: "Premium" } },
      token: bearer,
    });

    expect(put.status).toBe(200);
    expect(put.headers.get("azure-asyncoperation")).toBeNull();
    expect(put.body.properties.provisioningState).toBe("Succeeded");
    expect(put.body.sku).toEqual({ name: "Premium", tier: "Premium" });
    expect(moved.body.error.code).toBe("InvalidResourceLocation");
  });

  it("requires Microsoft.ContainerRegistry/registries/write: a Reader gets 403", async () => {
    await start();

    const create = clients(reader).registries.beginCreateAndWait("rg-acr", "readeracr", body, {
      updateIntervalInMs: 5,
    });

    await expect(create).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationFailed",
      message: expect.stringContaining(
        `'Microsoft.ContainerRegistry/registries/write' over scope '${w.sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/readeracr'`,
      ),
    });
    expect(emulator!.registries().map((r) => r.name)).toEqual(["demoacr"]);
  });
});

describe("registry checkNameAvailability", () => {
  const type = "Microsoft.ContainerRegistry/registries";

  it("answers for taken and free names as the spec examples do, whatever the case", async () => {
    await start();
    const { registries } = clients();

    const taken = await registries.checkNameAvailability({ name: "demoacr", type });
    const otherCase = await registries.checkNameAvailability({ name: "DEMOACR", type });
    const free = await registries.checkNameAvailability({ name: "freshacr42", type });

    expect(taken).toEqual({
      nameAvailable: false,
      reason: "AlreadyExists",
      message: "The registry demoacr is already in use.",
    });
    expect(otherCase).toMatchObject({ nameAvailable: false, reason: "AlreadyExists" });
    expect(free).toEqual({ nameAvailable: true });
  });

  it("counts a registry from the moment its creation starts, and says Invalid for a bad name", async () => {
    await start();
    const bearer = await token();
    const check = (name: string) =>
      arm(
        `${w.sub}/providers/Microsoft.ContainerRegistry/checkNameAvailability?api-version=2025-11-01`,
        { method: "POST", body: { name, type }, token: bearer },
      );
    await arm(
      `${w.sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerRegistry/registries/brandnew1?api-version=2025-11-01`,
      { method: "PUT", body: { location: "eastus", sku: { name: "Basic" } }, token: bearer },
    );

    const creating = await check("brandnew1");
    const invalid = await check("no");
    const wrongType = await arm(
      `${w.sub}/providers/Microsoft.ContainerRegistry/checkNameAvailability?api-version=2025-11-01`,
      { method: "POST", body: { name: "fine12345", type: "Microsoft.Storage/x" }, token: bearer },
    );

    expect(creating.body).toMatchObject({ nameAvailable: false, reason: "AlreadyExists" });
    expect(invalid.status).toBe(200);
    expect(invalid.body).toMatchObject({ nameAvailable: false, reason: "Invalid" });
    expect(wrongType.status).toBe(400);
  });
});

// --- the README's inject recipes, kept honest ---

describe("inject recipes (emulator/README.md)", () => {
  const wanted = () => ({
    roleDefinitionId: w.acrPull,
    principalId: w.kubelet,
    principalType: "ServicePrincipal" as const,
  });

  it("PrincipalNotFound on the first N role assignment writes, with ARM's text", async () => {
    await start();
    const principalNotFound = {
      error: {
        code: "PrincipalNotFound",
        message: `Principal ${w.kubelet.replaceAll("-", "")} does not exist in the directory ${seed.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
      },
    };
    emulator!.inject({
      method: "PUT",
      path: /\/roleAssignments\//,
      times: 2,
      status: 400,
      body: principalNotFound,
    });
    const { assignments } = clients();
    const name = crypto.randomUUID();
    const attempt = () => assignments.create(w.registryScope, name, wanted());

    await expect(attempt()).rejects.toMatchObject({ statusCode: 400, code: "PrincipalNotFound" });
    await expect(attempt()).rejects.toMatchObject({ statusCode: 400, code: "PrincipalNotFound" });
    expect((await attempt()).name).toBe(name);
    expect(statuses(`roleAssignments/${name}`)).toEqual([400, 400, 201]);

    // The injected text is the emulator's own for a principal that is really missing.
    const missing = "00000000-0000-4000-8000-00000000abcd";
    await expect(
      assignments.create(w.registryScope, crypto.randomUUID(), {
        ...wanted(),
        principalId: missing,
      }),
    ).rejects.toMatchObject({
      message: principalNotFound.error.message.replace(
        w.kubelet.replaceAll("-", ""),
        missing.replaceAll("-", ""),
      ),
    });
  });

  it("429 with Retry-After as seconds and as an HTTP date", async () => {
    await start();
    const bearer = await token();
    const inAMoment = new Date(Date.now() + 2_000).toUTCString();
    emulator!.inject({ path: "/registries/demoacr", status: 429, headers: { "Retry-After": "1" } });
    emulator!.inject({
      path: "/registries/demoacr",
      status: 429,
      headers: { "Retry-After": inAMoment },
    });
    emulator!.inject({ path: "/registries/demoacr", status: 429 });

    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push(await arm(`${w.registryScope}?api-version=2025-11-01`, { token: bearer }));
    }

    expect(answers.map((a) => a.status)).toEqual([429, 429, 429, 200]);
    expect(answers.map((a) => a.headers.get("retry-after"))).toEqual(["1", inAMoment, null, null]);
    expect(answers[2]!.body.error.code).toBe("TooManyRequests");
  });

  it("a concurrent writer makes the PUT meet 409 RoleAssignmentExists", async () => {
    await start();
    emulator!.inject({
      method: "PUT",
      path: /\/roleAssignments\//,
      before: () =>
        emulator!.addRoleAssignment({
          scope: w.registryScope,
          roleName: "AcrPull",
          principalId: w.kubelet,
        }),
    });

    const create = clients().assignments.create(w.registryScope, crypto.randomUUID(), wanted());

    await expect(create).rejects.toMatchObject({ statusCode: 409, code: "RoleAssignmentExists" });
    expect(emulator!.roleAssignments().filter((a) => a.principalId === w.kubelet)).toHaveLength(1);
  });
});
