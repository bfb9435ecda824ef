/**
 * The emulator against the real Azure SDKs and the real @azure/identity credential, over HTTPS
 * with the emulator's own CA: if these pass, the wire protocol is what the SDKs expect. Each
 * test starts a fresh emulator (a few milliseconds) and asserts on its state and request log.
 */
import { spawn } from "node:child_process";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import {
  DEMO_SEED_PATH,
  loadSeed,
  runEnvironment,
  runInputs,
  startEmulator,
  type Emulator,
  type Seed,
} from "../../emulator/index.ts";

const ROLE = {
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  UserAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  RbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  RepositoryReader: "b93aa761-3e63-49ed-ac28-beffa264f7ac",
} as const;

const CUSTOM_ROLE = "0f7e5d3c-2b1a-4c9d-8e7f-6a5b4c3d2e1f";

const systemCAs = getCACertificates("default");
let demo: Seed;
let emulator: Emulator;

// --- the world: the demo seed plus principals with lesser roles, more registries, an SP cluster ---

const reader = principal(
  "reader",
  "1a2b3c4d-0001-4000-8000-000000000001",
  "1a2b3c4d-0001-4000-8000-0000000000a1",
);
const contributor = principal(
  "contributor",
  "1a2b3c4d-0002-4000-8000-000000000002",
  "1a2b3c4d-0002-4000-8000-0000000000a2",
);
const accessAdmin = principal(
  "access-admin",
  "1a2b3c4d-0003-4000-8000-000000000003",
  "1a2b3c4d-0003-4000-8000-0000000000a3",
);
const legacyClusterSp = "1a2b3c4d-0004-4000-8000-000000000004";

function principal(displayName: string, appId: string, objectId: string) {
  return { displayName, appId, objectId, clientSecret: `${displayName}-secret` };
}

function world() {
  const subscriptionId = demo.subscriptions[0]!.subscriptionId;
  const sub = `/subscriptions/${subscriptionId}`;
  const deployer = demo.servicePrincipals![0]!;
  const cluster = demo.clusters![0]!;
  const seed: Seed = {
    ...demo,
    servicePrincipals: [
      ...demo.servicePrincipals!,
      reader,
      contributor,
      accessAdmin,
      {
        appId: legacyClusterSp,
        objectId: "1a2b3c4d-0004-4000-8000-0000000000a4",
        displayName: "legacy",
      },
    ],
    clusters: [
      ...demo.clusters!,
      {
        subscriptionId,
        resourceGroup: "rg-aks",
        name: "aks-legacy",
        location: "westeurope",
        servicePrincipalClientId: legacyClusterSp,
      },
    ],
    registries: [
      ...demo.registries!,
      {
        subscriptionId,
        resourceGroup: "rg-acr",
        name: "abacacr",
        location: "eastus",
        sku: "Premium",
        roleAssignmentMode: "AbacRepositoryPermissions",
        publicNetworkAccess: "Disabled",
      },
      { subscriptionId, resourceGroup: "rg-aks", name: "localacr", location: "eastus" },
    ],
    roleDefinitions: [
      {
        id: CUSTOM_ROLE,
        roleName: "Registry puller (custom)",
        assignableScopes: [sub],
        permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/pull/read"] }],
      },
    ],
    roleAssignments: [
      ...demo.roleAssignments!,
      { scope: sub, roleName: "Reader", principalId: reader.objectId },
      { scope: sub, roleName: "Contributor", principalId: contributor.objectId },
      {
        scope: `${sub}/resourceGroups/rg-acr`,
        roleName: "User Access Administrator",
        principalId: accessAdmin.objectId,
      },
    ],
  };
  const registryScope = `${sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr`;
  return {
    seed,
    subscriptionId,
    sub,
    registryGroupScope: `${sub}/resourceGroups/rg-acr`,
    registryScope,
    deployer: { ...deployer, clientSecret: deployer.clientSecret! },
    kubelet: cluster.kubeletIdentity!,
    acrPull: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.AcrPull}`,
  };
}

let w: ReturnType<typeof world>;

beforeAll(async () => {
  demo = await loadSeed(DEMO_SEED_PATH);
  w = world();
});

beforeEach(async () => {
  emulator = await startEmulator({ seed: w.seed, pageSize: 2 });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
});

afterEach(async () => {
  await emulator.close();
});

afterAll(() => setDefaultCACertificates(systemCAs));

// --- clients, exactly as an application would build them ---

type Who = { appId: string; clientSecret: string };

function credential(who: Who = w.deployer) {
  return new ClientSecretCredential(w.seed.tenantId, who.appId, who.clientSecret, {
    authorityHost: emulator.url,
    disableInstanceDiscovery: true,
  });
}

// Retries stay on (faults rely on them) but fast, so a retried request costs milliseconds.
const retryOptions = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };

function clients(who: Who = w.deployer, subscriptionId = w.subscriptionId) {
  const cred = credential(who);
  const scopes = [`${emulator.url}/.default`];
  // The modular clients (containerservice 25, containerregistry 12) take `credentials.scopes`;
  // arm-authorization 9, a core-client one, takes `credentialScopes`.
  const modular = { endpoint: emulator.url, credentials: { scopes }, retryOptions };
  return {
    clusters: new ContainerServiceClient(cred, subscriptionId, modular).managedClusters,
    registries: new ContainerRegistryManagementClient(cred, subscriptionId, modular).registries,
    authorization: new AuthorizationManagementClient(cred, subscriptionId, {
      endpoint: emulator.url,
      credentialScopes: scopes,
      retryOptions,
    }),
  };
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

async function tokenFor(resource: string, who: Who = w.deployer): Promise<string> {
  return (await credential(who).getToken(`${resource}/.default`)).token;
}

async function arm(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const response = await fetch(`${emulator.url}${path}`, { ...init, headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

function statuses(pathPart: string): number[] {
  return emulator.requests.filter((r) => r.path.includes(pathPart)).map((r) => r.status);
}

function assignmentsOf(principalId: string) {
  return emulator.roleAssignments().filter((a) => a.principalId === principalId);
}

// --- Entra ID ---

describe("sign-in (Entra ID)", () => {
  it("gives ClientSecretCredential a JWT for the requested resource, after the requests MSAL makes", async () => {
    const token = await credential().getToken(`${emulator.url}/.default`);

    expect(claimsOf(token.token)).toMatchObject({
      aud: emulator.url,
      tid: w.seed.tenantId,
      oid: w.deployer.objectId,
      appid: w.deployer.appId,
    });
    expect(token.expiresOnTimestamp - Date.now()).toBeGreaterThan(3500_000);
    expect(emulator.requests.map((r) => [r.service, r.method, r.path, r.status])).toEqual([
      ["login", "GET", `/${w.seed.tenantId}/v2.0/.well-known/openid-configuration`, 200],
      ["login", "POST", `/${w.seed.tenantId}/oauth2/v2.0/token`, 200],
    ]);
  });

  it("refuses a wrong secret with AADSTS7000215", async () => {
    const signIn = credential({ appId: w.deployer.appId, clientSecret: "wrong" }).getToken(
      `${emulator.url}/.default`,
    );

    await expect(signIn).rejects.toThrow(/AADSTS7000215: Invalid client secret provided/);
    expect(statuses("/oauth2/v2.0/token")).toEqual([401]);
  });

  it("refuses an unknown client with AADSTS700016", async () => {
    const signIn = credential({ appId: "7e57c11e-0000-4000-8000-000000000000", clientSecret: "x" });

    await expect(signIn.getToken(`${emulator.url}/.default`)).rejects.toThrow(/AADSTS700016/);
  });

  it("answers an unknown tenant with AADSTS90002", async () => {
    const response = await arm(
      "/7e57c11e-0000-4000-8000-00000000000f/v2.0/.well-known/openid-configuration",
    );

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: "invalid_tenant", error_codes: [90002] });
    expect(response.body.error_description).toMatch(
      /^AADSTS90002: Tenant '7e57c11e-.*' not found\./,
    );
  });
});

// --- ARM's front door ---

describe("ARM authentication and protocol", () => {
  const clusterPath = () =>
    `${w.sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-demo`;

  it("answers a request without a token with 401 AuthenticationFailed and ARM's headers", async () => {
    const response = await arm(`${clusterPath()}?api-version=2026-06-01`, {
      headers: { "x-ms-correlation-request-id": "c0ffee00-0000-4000-8000-000000000000" },
    });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: {
        code: "AuthenticationFailed",
        message: "Authentication failed. The 'Authorization' header is missing.",
      },
    });
    expect(response.headers.get("x-ms-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-ms-correlation-request-id")).toBe(
      "c0ffee00-0000-4000-8000-000000000000",
    );
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it.each([
    ["a token for another audience", "audience", "InvalidAuthenticationTokenAudience"],
    ["a forged token", "forged", "InvalidAuthenticationToken"],
  ])("answers %s with 401 %s", async (_, kind, code) => {
    const token =
      kind === "audience"
        ? await tokenFor("https://management.azure.com")
        : `${(await tokenFor(emulator.url)).slice(0, -4)}AAAA`;

    const response = await arm(`${clusterPath()}?api-version=2026-06-01`, { token });

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe(code);
  });

  it("requires an api-version but accepts any", async () => {
    const token = await tokenFor(emulator.url);

    const missing = await arm(clusterPath(), { token });
    const future = await arm(`${clusterPath()}?api-version=2099-01-01-preview`, { token });

    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("MissingApiVersionParameter");
    expect(future.status).toBe(200);
  });

  it.each([
    [
      `/subscriptions/{sub}/providers/Microsoft.ContainerService/fleets`,
      404,
      "InvalidResourceType",
    ],
    [`/subscriptions/{sub}/providers/Contoso.Widgets/widgets`, 404, "InvalidResourceNamespace"],
    [`/nothing/here`, 404, "InvalidResourceType"],
  ])("answers GET %s with %i %s, not a crash", async (path, status, code) => {
    const response = await arm(`${path.replace("{sub}", w.subscriptionId)}?api-version=1`, {
      token: await tokenFor(emulator.url),
    });

    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
  });

  it("answers a body that is not JSON with 400 InvalidRequestContent", async () => {
    const response = await arm(
      `${w.registryScope}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`,
      { method: "PUT", body: "{not json", token: await tokenFor(emulator.url) },
    );

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("InvalidRequestContent");
  });
});

// --- Microsoft.ContainerService ---

describe("managed clusters", () => {
  it("returns a managed-identity cluster with its kubelet identity", async () => {
    const cluster = await clients().clusters.get("rg-aks", "aks-demo");

    expect(cluster).toMatchObject({
      name: "aks-demo",
      location: "eastus",
      identity: { type: "SystemAssigned", tenantId: w.seed.tenantId },
      servicePrincipalProfile: { clientId: "msi" },
      identityProfile: {
        kubeletidentity: { clientId: w.kubelet.clientId, objectId: w.kubelet.objectId },
      },
      nodeResourceGroup: "MC_rg-aks_aks-demo_eastus",
      provisioningState: "Succeeded",
    });
    expect(cluster.identityProfile!["kubeletidentity"]!.resourceId).toMatch(
      /\/userAssignedIdentities\/aks-demo-agentpool$/,
    );
  });

  it("returns a service-principal cluster without identity or identityProfile", async () => {
    const cluster = await clients().clusters.get("rg-aks", "aks-legacy");

    expect(cluster.servicePrincipalProfile).toEqual({ clientId: legacyClusterSp });
    expect(cluster.identity).toBeUndefined();
    expect(cluster.identityProfile).toBeUndefined();
  });

  it("matches group and cluster names without regard to case", async () => {
    const cluster = await clients().clusters.get("RG-AKS", "AKS-Demo");

    expect(cluster.name).toBe("aks-demo");
  });

  it.each([
    [
      "an unknown cluster",
      "rg-aks",
      "nope",
      "ResourceNotFound",
      "The Resource 'Microsoft.ContainerService/managedClusters/nope' under resource group 'rg-aks' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    ],
    [
      "an unknown group",
      "rg-nope",
      "aks-demo",
      "ResourceGroupNotFound",
      "Resource group 'rg-nope' could not be found.",
    ],
  ])("answers %s with 404 %s", async (_, group, name, code, message) => {
    await expect(clients().clusters.get(group, name)).rejects.toMatchObject({
      statusCode: 404,
      code,
      message,
    });
  });

  it("answers an unknown subscription with 404 SubscriptionNotFound", async () => {
    const read = clients(w.deployer, "7e57c11e-0000-4000-8000-0000000000aa").clusters.get(
      "rg-aks",
      "aks-demo",
    );

    await expect(read).rejects.toMatchObject({ statusCode: 404, code: "SubscriptionNotFound" });
  });
});

// --- Microsoft.ContainerRegistry ---

describe("registries", () => {
  it("returns a registry with its lower-case login server and the seeded modes", async () => {
    const registry = await clients().registries.get("rg-acr", "abacacr");

    expect(registry).toMatchObject({
      id: `${w.sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/abacacr`,
      loginServer: "abacacr.azurecr.io",
      roleAssignmentMode: "AbacRepositoryPermissions",
      publicNetworkAccess: "Disabled",
      sku: { name: "Premium" },
      provisioningState: "Succeeded",
    });
  });

  it("lists a subscription's registries across pages (nextLink)", async () => {
    const names = (await collect(clients().registries.list())).map((r) => r.name);

    expect(names.sort()).toEqual(["abacacr", "demoacr", "localacr"]);
    expect(emulator.requests.some((r) => r.query.includes("%24skiptoken=2"))).toBe(true);
  });

  it("lists a resource group's registries", async () => {
    const names = (await collect(clients().registries.listByResourceGroup("rg-acr"))).map(
      (r) => r.name,
    );

    expect(names.sort()).toEqual(["abacacr", "demoacr"]);
  });
});

// --- Microsoft.Authorization: role assignments ---

describe("role assignments", () => {
  const assignment = (principalId = w.kubelet.objectId, roleDefinitionId = w.acrPull) => ({
    roleDefinitionId,
    principalId,
    principalType: "ServicePrincipal" as const,
  });

  it("creates one at a registry named by its resource id (the SDK sends `//`), with ARM's body", async () => {
    const name = crypto.randomUUID();

    const created = await clients().authorization.roleAssignments.create(
      w.registryScope,
      name,
      assignment(),
    );

    expect(created).toMatchObject({
      id: `${w.registryScope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      scope: w.registryScope,
      roleDefinitionId: w.acrPull,
      principalId: w.kubelet.objectId,
      principalType: "ServicePrincipal",
      condition: null,
      createdBy: w.deployer.objectId,
    });
    expect(emulator.requests.find((r) => r.method === "PUT")).toMatchObject({
      path: `/${w.registryScope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      status: 201,
      callerObjectId: w.deployer.objectId,
    });
    expect(assignmentsOf(w.kubelet.objectId)).toEqual([
      expect.objectContaining({ name, scope: w.registryScope, roleName: "AcrPull" }),
    ]);
  });

  it("reads one back by scope and name, and by id", async () => {
    const { authorization } = clients();
    const existing = emulator.addRoleAssignment({
      scope: w.registryScope,
      roleName: "AcrPull",
      principalId: w.kubelet.objectId,
    });

    const byName = await authorization.roleAssignments.get(w.registryScope, existing.name);
    const byId = await authorization.roleAssignments.getById(existing.id);

    expect(byName.id).toBe(existing.id);
    expect(byId.id).toBe(existing.id);
    expect(byName.principalType).toBe("ServicePrincipal");
  });

  it("answers the same PUT twice with 201 then 200, keeping one assignment", async () => {
    const { authorization } = clients();
    const name = crypto.randomUUID();

    await authorization.roleAssignments.create(w.registryScope, name, assignment());
    await authorization.roleAssignments.create(w.registryScope, name, assignment());

    expect(statuses(`roleAssignments/${name}`)).toEqual([201, 200]);
    expect(assignmentsOf(w.kubelet.objectId)).toHaveLength(1);
  });

  it("answers a second name for the same role, principal and scope with 409 RoleAssignmentExists", async () => {
    const existing = emulator.addRoleAssignment({
      scope: w.registryScope,
      roleName: "AcrPull",
      principalId: w.kubelet.objectId,
    });

    const create = clients().authorization.roleAssignments.create(
      w.registryScope,
      crypto.randomUUID(),
      assignment(),
    );

    await expect(create).rejects.toMatchObject({
      statusCode: 409,
      code: "RoleAssignmentExists",
      message: `The role assignment already exists. The ID of the existing role assignment is ${existing.name.replaceAll("-", "")}.`,
    });
    expect(assignmentsOf(w.kubelet.objectId)).toHaveLength(1);
  });

  it("refuses to change an existing assignment's role with 400 RoleAssignmentUpdateNotPermitted", async () => {
    const existing = emulator.addRoleAssignment({
      scope: w.registryScope,
      roleName: "AcrPull",
      principalId: w.kubelet.objectId,
    });
    const acrPush = `${w.sub}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.AcrPush}`;

    const update = clients().authorization.roleAssignments.create(
      w.registryScope,
      existing.name,
      assignment(w.kubelet.objectId, acrPush),
    );

    await expect(update).rejects.toMatchObject({
      statusCode: 400,
      code: "RoleAssignmentUpdateNotPermitted",
    });
  });

  it.each([
    [
      "an unknown principal",
      { principalId: "7e57c11e-0000-4000-8000-0000000000bb" },
      400,
      "PrincipalNotFound",
    ],
    [
      "an unknown role",
      {
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${crypto.randomUUID()}`,
      },
      400,
      "RoleDefinitionDoesNotExist",
    ],
    [
      "a custom role outside its assignable scopes",
      {
        roleDefinitionId: `/subscriptions/7e57c11e-0000-4000-8000-0000000000cc/providers/Microsoft.Authorization/roleDefinitions/${CUSTOM_ROLE}`,
      },
      400,
      "RoleDefinitionDoesNotExist",
    ],
    ["a malformed role id", { roleDefinitionId: "AcrPull" }, 400, "InvalidRoleDefinitionId"],
    [
      "a principal type that does not match the directory",
      { principalType: "User" as const },
      400,
      "UnmatchedPrincipalType",
    ],
  ])("refuses %s", async (_, override, status, code) => {
    const create = clients().authorization.roleAssignments.create(
      w.registryScope,
      crypto.randomUUID(),
      {
        ...assignment(),
        ...override,
      },
    );

    await expect(create).rejects.toMatchObject({ statusCode: status, code });
    expect(assignmentsOf(w.kubelet.objectId)).toEqual([]);
  });

  it("says PrincipalNotFound the way ARM does, replication-delay hint included", async () => {
    const create = clients().authorization.roleAssignments.create(
      w.registryScope,
      crypto.randomUUID(),
      assignment("7e57c11e-0000-4000-8000-0000000000bb"),
    );

    await expect(create).rejects.toThrow(
      `Principal 7e57c11e0000400080000000000000bb does not exist in the directory ${w.seed.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay.`,
    );
  });

  it("refuses a name that is not a GUID, and a registry that does not exist", async () => {
    const { authorization } = clients();

    await expect(
      authorization.roleAssignments.create(w.registryScope, "attach-acr", assignment()),
    ).rejects.toMatchObject({ statusCode: 400, code: "InvalidRoleAssignmentId" });
    await expect(
      authorization.roleAssignments.create(
        w.registryScope.replace("demoacr", "goneacr"),
        crypto.randomUUID(),
        assignment(),
      ),
    ).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
  });

  it("takes the /providers/... role id form and infers a missing principalType from the directory", async () => {
    const name = crypto.randomUUID();

    const created = await clients().authorization.roleAssignments.create(w.registryScope, name, {
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.AcrPull}`,
      principalId: w.kubelet.objectId,
    });

    expect(created.principalType).toBe("ServicePrincipal");
    expect(created.roleDefinitionId).toBe(w.acrPull);
  });

  it("deletes with 200 and the body, then answers 204 once it is gone", async () => {
    const { authorization } = clients();
    const existing = emulator.addRoleAssignment({
      scope: w.registryScope,
      roleName: "AcrPull",
      principalId: w.kubelet.objectId,
    });

    const deleted = await authorization.roleAssignments.delete(w.registryScope, existing.name);
    await authorization.roleAssignments.delete(w.registryScope, existing.name);

    expect(deleted?.name).toBe(existing.name);
    expect(statuses(`roleAssignments/${existing.name}`)).toEqual([200, 204]);
    expect(assignmentsOf(w.kubelet.objectId)).toEqual([]);
  });

  describe("listing with $filter", () => {
    let names: Record<"owner" | "group" | "registry" | "other", string>;

    beforeEach(() => {
      names = {
        owner: w.seed.roleAssignments![0]!.name!,
        group: emulator.addRoleAssignment({
          scope: w.registryGroupScope,
          roleName: "AcrPull",
          principalId: w.kubelet.objectId,
        }).name,
        registry: emulator.addRoleAssignment({
          scope: w.registryScope,
          roleName: "AcrPush",
          principalId: w.kubelet.objectId,
        }).name,
        other: emulator.addRoleAssignment({
          scope: w.registryScope,
          roleName: "AcrPull",
          principalId: reader.objectId,
        }).name,
      };
    });

    it.each([
      [
        "atScope() at the registry: at and above",
        "registry",
        "atScope()",
        ["owner", "group", "registry", "other"],
      ],
      [
        "principalId eq at the group: that principal at, above and below",
        "group",
        "principalId eq '{kubelet}'",
        ["group", "registry"],
      ],
      [
        "assignedTo() at the subscription",
        "subscription",
        "assignedTo('{kubelet}')",
        ["group", "registry"],
      ],
      [
        "atScope() and assignedTo() at the group",
        "group",
        "atScope() and assignedTo('{kubelet}')",
        ["group"],
      ],
      [
        "no filter at the group: at, above and below",
        "group",
        undefined,
        ["owner", "group", "registry", "other"],
      ],
    ] as const)("%s", async (_, at, filter, expected) => {
      const scope = { registry: w.registryScope, group: w.registryGroupScope, subscription: w.sub }[
        at
      ];

      const listed = await collect(
        clients().authorization.roleAssignments.listForScope(scope, {
          filter: filter?.replace("{kubelet}", w.kubelet.objectId),
        }),
      );

      const byName = Object.fromEntries(Object.entries(names).map(([key, name]) => [name, key]));
      const found = listed.map((a) => byName[a.name!]).filter((key) => key !== undefined);
      expect(found.sort()).toEqual([...expected].sort());
    });

    it("refuses a filter ARM does not support with 400", async () => {
      const listing = collect(
        clients().authorization.roleAssignments.listForScope(w.registryScope, {
          filter: "roleDefinitionId eq 'x'",
        }),
      );

      await expect(listing).rejects.toMatchObject({ statusCode: 400, code: "UnsupportedQuery" });
    });
  });
});

// --- RBAC enforcement ---

describe("RBAC", () => {
  const acrPullFor = () => ({
    roleDefinitionId: w.acrPull,
    principalId: w.kubelet.objectId,
    principalType: "ServicePrincipal" as const,
  });

  it.each([
    ["Reader", reader],
    ["Contributor (notActions Microsoft.Authorization/*/Write)", contributor],
  ])("refuses a role assignment write by a %s with ARM's 403", async (_, who) => {
    const create = clients(who).authorization.roleAssignments.create(
      w.registryScope,
      crypto.randomUUID(),
      acrPullFor(),
    );

    await expect(create).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationFailed",
      message: `The client '${who.objectId}' with object id '${who.objectId}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${w.registryScope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    });
    expect(assignmentsOf(w.kubelet.objectId)).toEqual([]);
  });

  it("lets a Reader read what it may not change", async () => {
    const cluster = await clients(reader).clusters.get("rg-aks", "aks-demo");

    expect(cluster.name).toBe("aks-demo");
  });

  it("lets a User Access Administrator of a group write below it, and nowhere else", async () => {
    const { authorization } = clients(accessAdmin);
    const elsewhere = `${w.sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerRegistry/registries/localacr`;

    await authorization.roleAssignments.create(w.registryScope, crypto.randomUUID(), acrPullFor());
    const outside = authorization.roleAssignments.create(
      elsewhere,
      crypto.randomUUID(),
      acrPullFor(),
    );

    await expect(outside).rejects.toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(assignmentsOf(w.kubelet.objectId).map((a) => a.scope)).toEqual([w.registryScope]);
  });

  it("refuses a delete by a Reader with 403 and keeps the assignment", async () => {
    const existing = emulator.addRoleAssignment({
      scope: w.registryScope,
      roleName: "AcrPull",
      principalId: w.kubelet.objectId,
    });

    const remove = clients(reader).authorization.roleAssignments.delete(
      w.registryScope,
      existing.name,
    );

    await expect(remove).rejects.toThrow(/'Microsoft.Authorization\/roleAssignments\/delete'/);
    expect(assignmentsOf(w.kubelet.objectId)).toHaveLength(1);
  });
});

// --- Microsoft.Authorization: role definitions ---

describe("role definitions", () => {
  it.each(Object.entries(ROLE))("knows %s by its real GUID", async (key, guid) => {
    const definition = await clients().authorization.roleDefinitions.get(w.sub, guid);

    expect(definition.id).toBe(
      `${w.sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    );
    expect(definition.roleType).toBe("BuiltInRole");
    expect(definition.roleName!.replaceAll(" ", "")).toBe(
      {
        RbacAdministrator: "RoleBasedAccessControlAdministrator",
        RepositoryReader: "ContainerRegistryRepositoryReader",
      }[key] ?? key,
    );
  });

  it("returns permissions as ARM does, and the /providers/ form by id", async () => {
    const { authorization } = clients();

    const contributorRole = await authorization.roleDefinitions.getById(
      `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.Contributor}`,
    );

    expect(contributorRole.id).toBe(
      `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.Contributor}`,
    );
    expect(contributorRole.permissions![0]).toMatchObject({
      actions: ["*"],
      notActions: expect.arrayContaining([
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/*/Delete",
      ]),
      dataActions: [],
    });
  });

  it.each([
    ["roleName eq 'AcrPull'", ["AcrPull"]],
    ["roleName eq 'Registry puller (custom)'", ["Registry puller (custom)"]],
    ["type eq 'CustomRole'", ["Registry puller (custom)"]],
  ])("lists with $filter=%s", async (filter, expected) => {
    const listed = await collect(clients().authorization.roleDefinitions.list(w.sub, { filter }));

    expect(listed.map((d) => d.roleName)).toEqual(expected);
  });

  it("lists every built-in with type eq 'BuiltInRole', across pages", async () => {
    const listed = await collect(
      clients().authorization.roleDefinitions.list(w.sub, { filter: "type eq 'BuiltInRole'" }),
    );

    expect(listed.map((d) => d.name).sort()).toEqual(Object.values(ROLE).sort());
  });

  it("answers an unknown GUID with 404 RoleDefinitionDoesNotExist", async () => {
    const read = clients().authorization.roleDefinitions.get(w.sub, crypto.randomUUID());

    await expect(read).rejects.toMatchObject({
      statusCode: 404,
      code: "RoleDefinitionDoesNotExist",
    });
  });
});

// --- Microsoft Graph ---

describe("Graph", () => {
  it("finds a service principal by appId, and says 404 for an unknown one", async () => {
    const token = await tokenFor(emulator.url);

    const kubelet = await arm(`/v1.0/servicePrincipals(appId='${w.kubelet.clientId}')`, { token });
    const missing = await arm(
      `/v1.0/servicePrincipals(appId='7e57c11e-0000-4000-8000-0000000000dd')`,
      { token },
    );

    expect(kubelet.status).toBe(200);
    expect(kubelet.body).toMatchObject({
      id: w.kubelet.objectId,
      appId: w.kubelet.clientId,
      servicePrincipalType: "ManagedIdentity",
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("Request_ResourceNotFound");
    expect(emulator.requests.at(-1)?.service).toBe("graph");
  });
});

// --- faults ---

describe("faults", () => {
  it("answers a 503 once; the SDK retries and gets the real answer", async () => {
    emulator.inject({ method: "GET", path: "/managedClusters/aks-demo", status: 503 });

    const cluster = await clients().clusters.get("rg-aks", "aks-demo");

    expect(cluster.name).toBe("aks-demo");
    expect(statuses("/managedClusters/aks-demo")).toEqual([503, 200]);
    expect(emulator.requests.filter((r) => r.faulted)).toHaveLength(1);
  });

  it("plays a concurrent writer just before a PUT, which then meets 409", async () => {
    emulator.inject({
      method: "PUT",
      path: /roleAssignments\//,
      before: () => {
        emulator.addRoleAssignment({
          scope: w.registryScope,
          roleName: "AcrPull",
          principalId: w.kubelet.objectId,
        });
      },
    });

    const create = clients().authorization.roleAssignments.create(
      w.registryScope,
      crypto.randomUUID(),
      {
        roleDefinitionId: w.acrPull,
        principalId: w.kubelet.objectId,
        principalType: "ServicePrincipal",
      },
    );

    await expect(create).rejects.toMatchObject({ statusCode: 409, code: "RoleAssignmentExists" });
    expect(assignmentsOf(w.kubelet.objectId)).toHaveLength(1);
  });

  it("drops the connection; the SDK retries", async () => {
    emulator.inject({ path: "/registries/demoacr", reset: true });

    const registry = await clients().registries.get("rg-acr", "demoacr");

    expect(registry.name).toBe("demoacr");
    expect(statuses("/registries/demoacr")).toEqual([0, 200]);
  });

  it("delays, then answers for real; uses up its `times`; adds headers to real answers", async () => {
    emulator.inject({
      path: "/registries/demoacr",
      times: 2,
      delayMs: 30,
      headers: { "Retry-After": "7" },
    });
    const token = await tokenFor(emulator.url);
    const path = `${w.registryScope}?api-version=2025-11-01`;

    const first = await arm(path, { token });
    await arm(path, { token });
    const third = await arm(path, { token });

    expect([first.status, third.status]).toEqual([200, 200]);
    expect(first.headers.get("retry-after")).toBe("7");
    expect(third.headers.get("retry-after")).toBeNull();
    const timed = emulator.requests.filter((r) => r.path.includes("/registries/demoacr"));
    expect(timed.slice(0, 2).every((r) => r.durationMs! >= 25 && r.faulted)).toBe(true);
    expect(timed[2]!.faulted).toBeUndefined();
  });

  it("answers 429 with the given body and Retry-After", async () => {
    const body = { error: { code: "SubscriptionRequestsThrottled", message: "Too many." } };
    emulator.inject({
      path: "/managedClusters",
      status: 429,
      body,
      headers: { "Retry-After": "1" },
    });

    const response = await arm(
      `${w.sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-demo?api-version=1`,
    );

    expect(response.status).toBe(429);
    expect(response.body).toEqual(body);
    expect(response.headers.get("retry-after")).toBe("1");
  });
});

// --- what the demo, the CLI and child processes use ---

describe("running the action against it", () => {
  it("names the demo run's inputs", () => {
    expect(runInputs(emulator, demo)).toEqual({
      "resource-group": "rg-aks",
      "cluster-name": "aks-demo",
      "acr-name": "demoacr",
      "subscription-id": w.subscriptionId,
      "client-id": w.deployer.appId,
      "tenant-id": demo.tenantId,
      "client-secret": w.deployer.clientSecret,
      "resource-manager-endpoint": emulator.url,
      "authority-host": emulator.url,
    });
  });

  it("is trusted by a child process through NODE_EXTRA_CA_CERTS", async () => {
    const script = `fetch(${JSON.stringify(`${emulator.url}/${demo.tenantId}/v2.0/.well-known/openid-configuration`)}).then((r) => r.json()).then((c) => console.log(c.token_endpoint))`;

    const output = await run(process.execPath, ["-e", script], {
      ...process.env,
      ...runEnvironment(emulator),
    });

    expect(output.stdout.trim()).toBe(`${emulator.url}/${demo.tenantId}/oauth2/v2.0/token`);
  });

  it("starts from the CLI, prints the run's environment, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["emulator/cli.ts", "--port", "0", "--quiet"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    await new Promise<void>((resolve) => {
      child.stdout.on("data", () => stdout.includes("Ctrl-C") && resolve());
    });

    child.kill("SIGTERM");
    const exitCode = await new Promise((resolve) => child.on("exit", resolve));

    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^export NODE_EXTRA_CA_CERTS='.+ca\.pem'$/m);
    expect(stdout).toContain("'INPUT_CLUSTER-NAME=aks-demo'");
    expect(stdout).toMatch(/'INPUT_AUTHORITY-HOST=https:\/\/127\.0\.0\.1:\d+'/);
    expect(stdout).toContain("node dist/index.js");
  });
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ stdout, code }));
  });
}
