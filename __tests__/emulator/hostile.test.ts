/**
 * Hostile answers: the emulator serving, on demand, the values a compromised ARM or Graph could
 * send (runner commands after a line break, markdown after a blank line, HTML, tens of KB) in
 * every field the action prints or outputs, while it keeps working on the real values. Checked
 * over HTTPS with raw requests, where the bytes on the wire are the point, and through the real
 * SDK clients, which must hand the hostile values on as they came.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ClientSecretCredential } from "@azure/identity";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import {
  everyField,
  HOSTILE,
  HOSTILE_ALL,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
} from "../../emulator/index.ts";
import { ACR_PULL, ids, names, scopes, secrets, testSeed } from "../fixtures.ts";

/** Answers are read loosely: the hostile fields are the point, not the rest of the shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const systemCAs = getCACertificates("default");
let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => setDefaultCACertificates(systemCAs));

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ seed: testSeed(), ...options });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

function credential(appId: string = ids.deployer.appId, secret: string = secrets.deployer) {
  return new ClientSecretCredential(ids.tenant, appId, secret, {
    authorityHost: emulator!.url,
    disableInstanceDiscovery: true,
  });
}

async function token(): Promise<string> {
  return (await credential().getToken(`${emulator!.url}/.default`)).token;
}

/** A raw request; the body as text (to see exactly what was sent) and parsed. */
async function call(path: string, init: { method?: string; body?: unknown; bearer?: string } = {}) {
  const response = await fetch(`${emulator!.url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${init.bearer ?? (await token())}`,
      "content-type": "application/json",
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text ? (JSON.parse(text) as Json) : undefined,
  };
}

const api = "api-version=2022-04-01";
const clusterPath = `/subscriptions/${ids.subscription}/resourceGroups/${names.clusterGroup}/providers/Microsoft.ContainerService/managedClusters/${names.cluster}?api-version=2026-08-01`;
const registryPath = `${scopes.registry}?api-version=2025-11-01`;
const acrPullId = `${scopes.subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`;

function decodeClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
}

describe("hostile values in ARM resource bodies", () => {
  it("serves a registry's loginServer, id and name as given, in GET, lists and through the SDK", async () => {
    await start({
      hostile: {
        registry: {
          loginServer: (real) => `${real}${HOSTILE.addMask}`,
          id: (real) => `${real}${HOSTILE.error}`,
          name: HOSTILE.markdown,
        },
      },
    });

    const one = await call(registryPath);
    const list = await call(
      `/subscriptions/${ids.subscription}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01`,
    );
    const sdk = await new ContainerRegistryManagementClient(credential(), ids.subscription, {
      endpoint: emulator!.url,
      credentials: { scopes: [`${emulator!.url}/.default`] },
    }).registries.get(names.registryGroup, names.registry);

    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id: `${scopes.registry}\r::error::x`,
      name: "\n\n# heading [link](https://example.invalid) ![img](x)",
      properties: { loginServer: "demoacr.azurecr.io\n::add-mask::x" },
    });
    // JSON escapes the line break; the client's parser brings it back.
    expect(one.text).toContain(String.raw`demoacr.azurecr.io\n::add-mask::x`);
    expect(list.body!.value).toHaveLength(4);
    for (const registry of list.body!.value) {
      expect(registry.properties.loginServer).toMatch(/\.azurecr\.io\n::add-mask::x$/);
      expect(registry.name).toBe(HOSTILE.markdown);
    }
    expect(sdk.loginServer).toBe("demoacr.azurecr.io\n::add-mask::x");
    expect(sdk.id).toBe(`${scopes.registry}\r::error::x`);
  });

  it("serves a cluster's id, name and kubelet identity as given; a cluster without one stays without", async () => {
    await start({
      hostile: {
        cluster: {
          id: (real) => `${real}${HOSTILE.percentEncoded}`,
          name: HOSTILE.html,
          kubeletObjectId: (real) => `${real}${HOSTILE.addMask}`,
          kubeletClientId: HOSTILE.long,
        },
      },
    });

    const cluster = await new ContainerServiceClient(credential(), ids.subscription, {
      endpoint: emulator!.url,
      credentials: { scopes: [`${emulator!.url}/.default`] },
    }).managedClusters.get(names.clusterGroup, names.cluster);
    const withoutIdentity = await call(clusterPath.replace(names.cluster, "aks-noidentity"));

    expect(cluster.id).toMatch(/managedClusters\/aks-demo%0A::error::x%0D%25$/);
    expect(cluster.name).toBe(HOSTILE.html);
    expect(cluster.identityProfile!["kubeletidentity"]).toMatchObject({
      objectId: `${ids.kubelet.objectId}\n::add-mask::x`,
      clientId: HOSTILE.long,
    });
    expect(HOSTILE.long.length).toBe(50_000);
    expect(withoutIdentity.body!.properties.identityProfile).toBeUndefined();
    expect(withoutIdentity.body!.name).toBe(HOSTILE.html);
  });

  it("serves a role definition's roleName as given, by id and in a filtered list", async () => {
    await start({ hostile: { roleDefinition: { roleName: (real) => `${real}${HOSTILE_ALL}` } } });

    const byId = await call(`${acrPullId}?${api}`);
    const listed = await call(
      `${scopes.registry}/providers/Microsoft.Authorization/roleDefinitions?${api}&$filter=${encodeURIComponent("roleName eq 'AcrPull'")}`,
    );

    expect(byId.body!.properties.roleName).toBe(`AcrPull${HOSTILE_ALL}`);
    expect(listed.body!.value.map((d: Json) => d.properties.roleName)).toEqual([
      `AcrPull${HOSTILE_ALL}`,
    ]);
  });

  it("serves role assignment ids, names and descriptions as given in the PUT's, GET's, list's and DELETE's answers, and keeps working on the real ones", async () => {
    await start({
      hostile: {
        roleAssignment: {
          id: (real) => `${real}${HOSTILE.addMask}`,
          name: (real) => `${real}${HOSTILE.error}`,
          description: (real) => `${real}${HOSTILE.markdown}`,
        },
      },
    });
    const name = crypto.randomUUID();
    const path = `${scopes.registry}/providers/Microsoft.Authorization/roleAssignments/${name}?${api}`;
    const body = {
      properties: {
        roleDefinitionId: acrPullId,
        principalId: ids.kubelet.objectId,
        description: "pull for aks-demo",
      },
    };

    const created = await call(path, { method: "PUT", body });
    const read = await call(path);
    const listed = await call(
      `${scopes.registry}/providers/Microsoft.Authorization/roleAssignments?${api}&$filter=atScope()`,
    );
    const stored = emulator!.roleAssignments().find((a) => a.name === name);
    const deleted = await call(path, { method: "DELETE" });

    const realId = `${scopes.registry}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    for (const answer of [created, read, deleted]) {
      expect(answer.body).toMatchObject({
        id: `${realId}\n::add-mask::x`,
        name: `${name}\r::error::x`,
        properties: { description: `pull for aks-demo${HOSTILE.markdown}` },
      });
    }
    expect([created.status, read.status, deleted.status]).toEqual([201, 200, 200]);
    expect(listed.body!.value.map((a: Json) => a.name)).toContain(`${name}\r::error::x`);
    // The emulated world holds the real values: the DELETE above found the assignment by them.
    expect(stored).toMatchObject({ id: realId, name, description: "pull for aks-demo" });
    expect(emulator!.roleAssignments().find((a) => a.name === name)).toBeUndefined();
  });
});

describe("hostile values in Graph, tokens, errors and headers", () => {
  it("serves a Graph service principal's id as given, by appId, by object id and filtered", async () => {
    await start({
      hostile: { graphServicePrincipal: { id: (real) => `${real}${HOSTILE.addMask}` } },
    });
    const bearer = await token();

    const answers = await Promise.all([
      call(`/v1.0/servicePrincipals(appId='${ids.legacySp.appId}')`, { bearer }),
      call(`/v1.0/servicePrincipals/${ids.legacySp.objectId}`, { bearer }),
      call(
        `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${ids.legacySp.appId}'`)}`,
        { bearer },
      ),
    ]);

    const wanted = `${ids.legacySp.objectId}\n::add-mask::x`;
    expect(answers[0]!.body!.id).toBe(wanted);
    expect(answers[1]!.body!.id).toBe(wanted);
    expect(answers[2]!.body!.value[0].id).toBe(wanted);
    expect(answers[0]!.body!.appId).toBe(ids.legacySp.appId);
  });

  it("issues tokens whose claims show the hostile oid, appid and tid, and still accepts them", async () => {
    await start({
      hostile: {
        tokenClaims: {
          oid: (real) => `${real}${HOSTILE.addMask}`,
          appid: HOSTILE.error,
          tid: (real) => `${real}${HOSTILE.markdown}`,
        },
      },
    });

    const jwt = await token();
    const claims = decodeClaims(jwt);
    const cluster = await call(clusterPath, { bearer: jwt });

    expect(claims).toMatchObject({
      oid: `${ids.deployer.objectId}\n::add-mask::x`,
      appid: "\r::error::x",
      tid: `${ids.tenant}${HOSTILE.markdown}`,
      aud: emulator!.url,
    });
    expect(cluster.status).toBe(200);
    // ARM knows the caller by its real object id.
    expect(emulator!.requests.at(-1)).toMatchObject({
      callerObjectId: ids.deployer.objectId,
      status: 200,
    });
  });

  it("answers ARM errors with the hostile code and a message of tens of KB, faults included", async () => {
    await start({
      hostile: {
        armError: {
          code: (real) => `${real}${HOSTILE.error}`,
          message: (real) => `${real}${HOSTILE.markdown}${HOSTILE.long}`,
        },
      },
    });
    const reader = (
      await credential(ids.reader.appId, secrets.reader).getToken(`${emulator!.url}/.default`)
    ).token;
    emulator!.inject({ path: "/managedClusters/", status: 503 });

    const forbidden = await call(
      `${scopes.registry}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?${api}`,
      {
        method: "PUT",
        bearer: reader,
        body: { properties: { roleDefinitionId: acrPullId, principalId: ids.kubelet.objectId } },
      },
    );
    const faulted = await call(clusterPath, { bearer: reader });
    const fine = await call(registryPath, { bearer: reader });

    expect(forbidden.status).toBe(403);
    expect(forbidden.body!.error.code).toBe("AuthorizationFailed\r::error::x");
    expect(forbidden.body!.error.message).toMatch(
      /^The client '.+roleAssignments\/write.+\n\n# heading .+0123456789abc/s,
    );
    expect(forbidden.body!.error.message.length).toBeGreaterThan(50_000);
    expect(faulted.status).toBe(503);
    expect(faulted.body!.error.code).toBe("ServiceUnavailable\r::error::x");
    // Only errors: a success keeps its body.
    expect(fine.status).toBe(200);
    expect(fine.body!.name).toBe(names.registry);
  });

  it("sends the hostile x-ms-request-id on every ARM answer; refuses a header with a line break", async () => {
    await start();
    expect(() => emulator!.hostile({ requestId: `id${HOSTILE.addMask}` })).toThrow(
      /cannot carry CR, LF/,
    );
    emulator!.hostile({ requestId: (real) => `${real}::add-mask::x <b>%0A</b>` });

    const ok = await call(registryPath);
    const missing = await call(registryPath.replace("demoacr", "nosuchacr"));

    for (const answer of [ok, missing]) {
      expect(answer.headers.get("x-ms-request-id")).toMatch(
        /^[0-9a-f-]{36}::add-mask::x <b>%0A<\/b>$/,
      );
    }
    expect(missing.status).toBe(404);
  });

  it("everyField() puts one payload in every field at once; clearFaults() ends it", async () => {
    await start();
    emulator!.hostile(everyField(HOSTILE.addMask));

    const registry = await call(registryPath);
    const cluster = await call(clusterPath);
    const header = registry.headers.get("x-ms-request-id");
    emulator!.clearFaults();
    const after = await call(registryPath);

    expect(registry.body!.properties.loginServer).toBe("demoacr.azurecr.io\n::add-mask::x");
    expect(cluster.body!.properties.identityProfile.kubeletidentity.clientId).toBe(
      `${ids.kubelet.clientId}\n::add-mask::x`,
    );
    expect(header).toMatch(/^[0-9a-f-]{36}::add-mask::x$/); // the line break cannot travel
    expect(after.body!.properties.loginServer).toBe("demoacr.azurecr.io");
    expect(after.headers.get("x-ms-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("lets a function pick the answers to change by path and status", async () => {
    await start({
      hostile: {
        registry: {
          loginServer: (real, at) =>
            at.path.toLowerCase().includes("/demoacr") ? HOSTILE.html : real,
        },
      },
    });

    const list = await call(
      `/subscriptions/${ids.subscription}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01`,
    );
    const one = await call(registryPath);

    expect(list.body!.value.map((r: Json) => r.properties.loginServer).sort()).toEqual([
      "abacacr.azurecr.io",
      "demoacr.azurecr.io",
      "faracr.azurecr.io",
      "localacr.azurecr.io",
    ]);
    expect(one.body!.properties.loginServer).toBe(HOSTILE.html);
  });
});
