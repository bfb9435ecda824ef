/**
 * Races another writer can make a run lose, as the emulator plays them on demand: the
 * assignment being deleted goes away first (204), the one being created appears first under the
 * same name (200, or 201 as ARM also documents, with the old createdOn), and a write whose
 * connection drops once it is applied. Also the bookkeeping ARM keeps on each assignment
 * (createdOn, updatedOn, createdBy, description), which honest reports rely on.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import {
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type Seed,
} from "../../emulator/index.ts";
import { ACR_PULL, ids, scopes, secrets, testSeed } from "../fixtures.ts";

const systemCAs = getCACertificates("default");
let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => setDefaultCACertificates(systemCAs));

async function start(options: EmulatorOptions & { seed?: Seed } = {}): Promise<Emulator> {
  emulator = await startEmulator({ seed: testSeed(), ...options });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

function credential() {
  return new ClientSecretCredential(ids.tenant, ids.deployer.appId, secrets.deployer, {
    authorityHost: emulator!.url,
    disableInstanceDiscovery: true,
  });
}

/** The SDK's role assignment operations, with retries kept small (a reset is retried). */
function assignments() {
  return new AuthorizationManagementClient(credential(), ids.subscription, {
    endpoint: emulator!.url,
    credentialScopes: [`${emulator!.url}/.default`],
    retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
  }).roleAssignments;
}

async function raw(path: string, method: string, body?: unknown) {
  const { token } = await credential().getToken(`${emulator!.url}/.default`);
  const response = await fetch(`${emulator!.url}${path}?api-version=2022-04-01`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const acrPullId = `${scopes.subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`;
const pull = {
  roleDefinitionId: acrPullId,
  principalId: ids.kubelet.objectId,
  principalType: "ServicePrincipal" as const,
};
const assignmentPath = (name: string) =>
  `${scopes.registry}/providers/Microsoft.Authorization/roleAssignments/${name}`;

function kubeletAssignments() {
  return emulator!.roleAssignments().filter((a) => a.principalId === ids.kubelet.objectId);
}

function statusesOf(name: string): number[] {
  return emulator!.requests.filter((r) => r.path.endsWith(name)).map((r) => r.status);
}

describe("a concurrent deleter: DELETE answers 204", () => {
  it("deletes the listed assignment just before the DELETE, which then answers 204", async () => {
    await start();
    const existing = emulator!.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
    });
    const client = assignments();
    const listed = [];
    for await (const a of client.listForScope(scopes.registry, { filter: "atScope()" })) {
      listed.push(a.name);
    }
    emulator!.deleteConcurrently();

    const answer = await raw(assignmentPath(existing.name), "DELETE");
    const again = await raw(assignmentPath(existing.name), "DELETE");

    expect(listed).toContain(existing.name);
    expect(answer).toEqual({ status: 204, body: undefined });
    expect(again.status).toBe(204);
    expect(kubeletAssignments()).toEqual([]);
    expect(emulator!.requests.filter((r) => r.method === "DELETE").map((r) => r.faulted)).toEqual([
      true,
      undefined,
    ]);
  });

  it("reaches the SDK as an empty answer, not an error; removeRoleAssignment() takes a name or an id", async () => {
    await start();
    const first = emulator!.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
    });
    emulator!.deleteConcurrently();

    const deleted = await assignments().deleteById(first.id);

    expect(deleted.name).toBeUndefined();
    expect(statusesOf(first.name)).toEqual([204]);
    const second = emulator!.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
    });
    expect(emulator!.removeRoleAssignment(second.id)).toBe(true);
    expect(emulator!.removeRoleAssignment(second.name)).toBe(false);
    expect(kubeletAssignments()).toEqual([]);
  });
});

describe("a concurrent creator, and 201 for an assignment that was already there", () => {
  it("answers 200 by default for the same assignment under the same name, 201 once asked, keeping createdOn", async () => {
    const createdOn = "2024-05-01T08:00:00.000Z";
    const name = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
    const seed = testSeed();
    await start({
      seed: {
        ...seed,
        roleAssignments: [
          ...seed.roleAssignments!,
          {
            scope: scopes.registry,
            roleName: "AcrPull",
            principalId: ids.kubelet.objectId,
            name,
            createdOn,
          },
        ],
      },
    });
    const body = { properties: pull };

    const before = await raw(assignmentPath(name), "PUT", body);
    emulator!.setExistingAssignmentPutStatus(201);
    const after = await raw(assignmentPath(name), "PUT", body);
    emulator!.clearFaults();
    const cleared = await raw(assignmentPath(name), "PUT", body);

    expect([before.status, after.status, cleared.status]).toEqual([200, 201, 200]);
    expect(after.body.properties).toMatchObject({
      createdOn,
      updatedOn: createdOn,
      createdBy: null,
    });
    expect(kubeletAssignments()).toHaveLength(1);
  });

  it("creates the PUT's assignment under its name just before it (another run won), so the PUT meets it", async () => {
    await start();
    const name = crypto.randomUUID();
    const createdOn = new Date("2026-01-01T00:00:00Z");
    emulator!.createConcurrently({ createdOn, createdBy: ids.other.objectId });
    emulator!.setExistingAssignmentPutStatus(201);

    const result = await assignments().create(scopes.registry, name, pull);

    expect(statusesOf(name)).toEqual([201]);
    expect(result).toMatchObject({
      name,
      createdOn,
      createdBy: ids.other.objectId,
      principalId: ids.kubelet.objectId,
    });
    expect(kubeletAssignments()).toEqual([
      expect.objectContaining({
        name,
        createdOn: createdOn.toISOString(),
        createdBy: ids.other.objectId,
      }),
    ]);
  });
});

describe("a concurrent creator under a name of its own: the PUT answers 409", () => {
  it("creates the same role, principal and scope under another name, and the PUT's 409 names it", async () => {
    await start();
    const name = crypto.randomUUID();
    emulator!.createConcurrently({ underAnotherName: true });

    const put = await raw(assignmentPath(name), "PUT", { properties: pull });

    const [theirs] = kubeletAssignments();
    expect(kubeletAssignments()).toHaveLength(1);
    expect(theirs!.name).not.toBe(name);
    expect(put).toMatchObject({
      status: 409,
      body: { error: { code: "RoleAssignmentExists" } },
    });
    expect(put.body.error.message).toContain(theirs!.name.replaceAll("-", ""));
  });

  it("answers the older 409 without the existing id once asked, until faults are cleared", async () => {
    await start();
    emulator!.createConcurrently({ underAnotherName: true });
    emulator!.setConflictNamesExisting(false);

    const unnamed = await raw(assignmentPath(crypto.randomUUID()), "PUT", { properties: pull });
    emulator!.clearFaults();
    const named = await raw(assignmentPath(crypto.randomUUID()), "PUT", { properties: pull });

    expect([unnamed.status, named.status]).toEqual([409, 409]);
    expect(unnamed.body.error.message).toBe("The role assignment already exists.");
    expect(named.body.error.message).toContain(kubeletAssignments()[0]!.name.replaceAll("-", ""));
  });
});

describe("a write applied, then the connection drops", () => {
  it("applies the PUT and resets the connection: the client sees an error, the assignment exists", async () => {
    await start();
    const name = crypto.randomUUID();
    emulator!.dropAfterWrite({ times: Infinity });

    const create = assignments().create(scopes.registry, name, pull);

    await expect(create).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|socket hang up/i),
    });
    expect(kubeletAssignments()).toEqual([expect.objectContaining({ name, roleName: "AcrPull" })]);
    // Three tries (one and two retries), all dropped; the first was 201, the others met it.
    expect(statusesOf(name)).toEqual([0, 0, 0]);
  });

  it("lets a retry through when armed once: the second PUT finds the assignment (200)", async () => {
    await start();
    const name = crypto.randomUUID();
    emulator!.dropAfterWrite();

    const created = await assignments().create(scopes.registry, name, pull);

    expect(statusesOf(name)).toEqual([0, 200]);
    expect(created.name).toBe(name);
    expect(kubeletAssignments()).toHaveLength(1);
  });

  it("drops a DELETE after applying it when asked", async () => {
    await start();
    const existing = emulator!.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
    });
    emulator!.dropAfterWrite({ method: "DELETE" });

    await expect(raw(assignmentPath(existing.name), "DELETE")).rejects.toThrow();

    expect(kubeletAssignments()).toEqual([]);
  });
});

describe("what ARM keeps on an assignment: createdOn, updatedOn, createdBy, description", () => {
  it("stamps a PUT with the emulator's clock and the caller, stores the description, and returns them everywhere", async () => {
    const now = new Date("2026-03-02T10:00:00.000Z");
    await start({ now: () => now });
    const name = crypto.randomUUID();

    const created = await raw(assignmentPath(name), "PUT", {
      properties: { ...pull, description: "aks-demo pulls from demoacr" },
    });
    const read = await assignments().get(scopes.registry, name);

    const expected = {
      createdOn: now.toISOString(),
      updatedOn: now.toISOString(),
      createdBy: ids.deployer.objectId,
      updatedBy: ids.deployer.objectId,
      description: "aks-demo pulls from demoacr",
    };
    expect(created.status).toBe(201);
    expect(created.body.properties).toMatchObject(expected);
    expect(read).toMatchObject({ ...expected, createdOn: now, updatedOn: now });
    expect(kubeletAssignments()).toEqual([
      expect.objectContaining({
        description: expected.description,
        createdOn: expected.createdOn,
        createdBy: ids.deployer.objectId,
      }),
    ]);
  });

  it("updates only the description (and updatedOn) on a PUT that changes it; createdOn stays", async () => {
    let now = new Date("2026-03-02T10:00:00.000Z");
    await start({ now: () => now });
    const name = crypto.randomUUID();
    await raw(assignmentPath(name), "PUT", { properties: { ...pull, description: "first" } });
    now = new Date("2026-03-02T11:00:00.000Z");

    const changed = await raw(assignmentPath(name), "PUT", {
      properties: { ...pull, description: "second" },
    });
    const unchanged = await raw(assignmentPath(name), "PUT", { properties: pull });

    expect(changed.status).toBe(200);
    expect(changed.body.properties).toMatchObject({
      description: "second",
      createdOn: "2026-03-02T10:00:00.000Z",
      updatedOn: "2026-03-02T11:00:00.000Z",
    });
    expect(unchanged.body.properties.description).toBe("second");
  });

  it("takes createdOn, createdBy and description from the seed and from addRoleAssignment; refuses a bad date", async () => {
    const seed = testSeed();
    await start({
      seed: {
        ...seed,
        roleAssignments: [
          ...seed.roleAssignments!,
          {
            scope: scopes.registry,
            roleName: "AcrPull",
            principalId: ids.kubelet.objectId,
            createdOn: "2025-12-24T18:00:00Z",
            createdBy: ids.other.objectId,
            description: "seeded",
          },
        ],
      },
    });

    const seeded = kubeletAssignments()[0]!;
    const listed = await raw(
      `${scopes.registry}/providers/Microsoft.Authorization/roleAssignments`,
      "GET",
    );

    expect(seeded).toMatchObject({
      createdOn: "2025-12-24T18:00:00.000Z",
      updatedOn: "2025-12-24T18:00:00.000Z",
      createdBy: ids.other.objectId,
      description: "seeded",
    });
    expect(listed.body.value).toContainEqual(
      expect.objectContaining({
        name: seeded.name,
        properties: expect.objectContaining({ createdOn: seeded.createdOn, description: "seeded" }),
      }),
    );
    expect(() =>
      emulator!.addRoleAssignment({
        scope: scopes.registry,
        roleName: "AcrPush",
        principalId: ids.kubelet.objectId,
        createdOn: "yesterday",
      }),
    ).toThrow(/createdOn must be a date, got "yesterday"/);
    await expect(
      startEmulator({
        seed: {
          ...seed,
          roleAssignments: [{ ...seed.roleAssignments![0]!, createdOn: "not a date" }],
        },
      }),
    ).rejects.toThrow(/roleAssignments\[0\]\.createdOn must be an ISO 8601 date/);
  });
});
