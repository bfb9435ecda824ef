/**
 * The emulator's sign-in side against real clients: GitHub's OIDC token endpoint and issuer,
 * Entra ID's check of client assertions (the AADSTS errors of workload identity federation),
 * the managed identity endpoints, ARM's cloud metadata, and the test proxy.
 */
import { createPublicKey, createSign, generateKeyPairSync, verify } from "node:crypto";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { ClientAssertionCredential, ManagedIdentityCredential } from "@azure/identity";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { startEmulator, startProxy, type Emulator, type Seed } from "../../emulator/index.ts";
import { ids, testSeed } from "../fixtures.ts";

const SUBJECT = "repo:octo-org/app:ref:refs/heads/main";
const identity = {
  kind: "user" as const,
  clientId: "7a1b2c3d-3333-4e5f-8a9b-0c1d2e3f4a03",
  objectId: "7a1b2c3d-4444-4e5f-8a9b-0c1d2e3f4a04",
  displayName: "runner-deployer",
};

function seed(overrides: Partial<Seed> = {}): Seed {
  const base = testSeed();
  return {
    ...base,
    servicePrincipals: (base.servicePrincipals ?? []).map((principal) =>
      principal.appId === ids.deployer.appId
        ? { ...principal, federatedCredentials: [{ subject: SUBJECT }] }
        : principal,
    ),
    managedIdentities: [identity],
    github: { repository: "octo-org/app" },
    ...overrides,
  };
}

const systemCAs = getCACertificates("default");
let emulator: Emulator;

async function useEmulator(world: Seed = seed()): Promise<Emulator> {
  emulator = await startEmulator({ seed: world });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
});

afterAll(() => {
  setDefaultCACertificates(systemCAs);
});

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
}

async function idToken(audience?: string, token = emulator.github.requestToken) {
  const url = audience
    ? `${emulator.github.requestUrl}&audience=${encodeURIComponent(audience)}`
    : emulator.github.requestUrl;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as { value?: string } };
}

describe("GitHub's OIDC token endpoint and issuer", () => {
  beforeEach(async () => {
    await useEmulator();
  });

  it("refuses a request without the job's request token with 401", async () => {
    const withoutToken = await fetch(emulator.github.requestUrl);
    const wrongToken = await idToken(undefined, "ghs_not-the-token");

    expect(withoutToken.status).toBe(401);
    expect(wrongToken.status).toBe(401);
  });

  it("issues an RS256 token that verifies with the issuer's published key", async () => {
    const { status, body } = await idToken("api://AzureADTokenExchange");
    const discovery = await (
      await fetch(`${emulator.github.issuer}/.well-known/openid-configuration`)
    ).json();
    const jwks = await (await fetch(discovery.jwks_uri)).json();

    expect(status).toBe(200);
    const [header, payload, signature] = body.value!.split(".");
    const key = createPublicKey({ key: jwks.keys[0], format: "jwk" });
    expect(
      verify(
        "sha256",
        Buffer.from(`${header}.${payload}`),
        key,
        Buffer.from(signature!, "base64url"),
      ),
    ).toBe(true);
    const claims = claimsOf(body.value!);
    expect(discovery.issuer).toBe(emulator.github.issuer);
    expect(claims).toMatchObject({
      iss: emulator.github.issuer,
      aud: "api://AzureADTokenExchange",
      sub: SUBJECT,
      repository: "octo-org/app",
      ref: "refs/heads/main",
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
  });

  it("defaults the audience to the owner's URL, as GitHub does", async () => {
    const { body } = await idToken();

    expect(claimsOf(body.value!).aud).toBe("https://github.com/octo-org");
  });
});

describe("client assertions (workload identity federation)", () => {
  const scope = () => `${emulator.url}/.default`;

  function credential(assertion: () => Promise<string>, clientId: string = ids.deployer.appId) {
    return new ClientAssertionCredential(ids.tenant, clientId, assertion, {
      authorityHost: emulator.url,
      disableInstanceDiscovery: true,
    });
  }

  it("accepts GitHub's token for the app whose federated credential names its subject", async () => {
    await useEmulator();

    const token = await credential(
      async () => (await idToken("api://AzureADTokenExchange")).body.value!,
    ).getToken(scope());

    expect(claimsOf(token!.token)).toMatchObject({
      appid: ids.deployer.appId,
      oid: ids.deployer.objectId,
      aud: emulator.url,
    });
  });

  it("takes an environment's subject when the job has one", async () => {
    await useEmulator(
      seed({
        github: { repository: "octo-org/app", environment: "production" },
        servicePrincipals: seed().servicePrincipals!.map((principal) =>
          principal.appId === ids.deployer.appId
            ? {
                ...principal,
                federatedCredentials: [{ subject: "repo:octo-org/app:environment:production" }],
              }
            : principal,
        ),
      }),
    );

    const token = await credential(
      async () => (await idToken("api://AzureADTokenExchange")).body.value!,
    ).getToken(scope());

    expect(claimsOf(token!.token).oid).toBe(ids.deployer.objectId);
  });

  /** A token signed by some other issuer's key. */
  function foreignToken(claims: Record<string, unknown>): string {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const content = `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}`;
    const signature = createSign("sha256").update(content).sign(privateKey).toString("base64url");
    return `${content}.${signature}`;
  }

  // [case, seed, the assertion, AADSTS code, words of the message]
  it.each<[string, Seed | undefined, () => Promise<string>, number, RegExp]>([
    [
      "another audience",
      undefined,
      async () => (await idToken("api://not-entra")).body.value!,
      700212,
      /presented assertion audience 'api:\/\/not-entra'/,
    ],
    [
      "another branch",
      seed({ github: { repository: "octo-org/app", ref: "refs/heads/dev" } }),
      async () => (await idToken("api://AzureADTokenExchange")).body.value!,
      700213,
      /presented assertion subject 'repo:octo-org\/app:ref:refs\/heads\/dev'/,
    ],
    [
      "subjects differing in case only",
      seed({ github: { repository: "Octo-Org/app" } }),
      async () => (await idToken("api://AzureADTokenExchange")).body.value!,
      700213,
      /'repo:Octo-Org\/app:ref:refs\/heads\/main'/,
    ],
    [
      "an expired token",
      seed({ github: { repository: "octo-org/app", tokenLifetimeSeconds: -600 } }),
      async () => (await idToken("api://AzureADTokenExchange")).body.value!,
      700024,
      /Client assertion is not within its valid time range/,
    ],
    [
      "another issuer",
      undefined,
      async () =>
        foreignToken({
          iss: "https://token.actions.githubusercontent.com",
          sub: SUBJECT,
          aud: "api://AzureADTokenExchange",
          exp: Date.now() / 1000 + 300,
          nbf: Date.now() / 1000 - 60,
        }),
      700211,
      /presented assertion issuer 'https:\/\/token\.actions\.githubusercontent\.com'/,
    ],
    [
      "the issuer's name but not its key",
      undefined,
      async () =>
        foreignToken({
          iss: emulator.github.issuer,
          sub: SUBJECT,
          aud: "api://AzureADTokenExchange",
          exp: Date.now() / 1000 + 300,
          nbf: Date.now() / 1000 - 60,
        }),
      700027,
      /failed signature validation/,
    ],
  ])("refuses a token with %s", async (_, world, assertion, code, message) => {
    await useEmulator(world);

    const failure = await credential(assertion)
      .getToken(scope())
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(String(failure)).toContain(`AADSTS${code}`);
    expect(String(failure)).toMatch(message);
    const tokenRequests = emulator.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));
    expect(tokenRequests.map((r) => r.status)).toEqual([401]);
  });

  it("refuses an app without federated credentials (700211)", async () => {
    await useEmulator();

    const failure = await credential(
      async () => (await idToken("api://AzureADTokenExchange")).body.value!,
      ids.reader.appId,
    )
      .getToken(scope())
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(String(failure)).toContain("AADSTS700211");
  });
});

describe("managed identity endpoints", () => {
  beforeEach(async () => {
    await useEmulator(
      seed({
        managedIdentities: [
          identity,
          {
            kind: "system",
            clientId: "7a1b2c3d-1111-4e5f-8a9b-0c1d2e3f4a01",
            objectId: "7a1b2c3d-2222-4e5f-8a9b-0c1d2e3f4a02",
            displayName: "vm",
          },
        ],
      }),
    );
  });

  async function imds(query: string, headers: Record<string, string> = { Metadata: "true" }) {
    const response = await fetch(
      `${emulator.url}/metadata/identity/oauth2/token?api-version=2018-02-01&${query}`,
      { headers },
    );
    return { status: response.status, body: await response.json() };
  }

  it.each([
    ["the system-assigned identity", "", "7a1b2c3d-2222-4e5f-8a9b-0c1d2e3f4a02"],
    ["a user-assigned one by client_id", `client_id=${identity.clientId}`, identity.objectId],
    ["a user-assigned one by object_id", `object_id=${identity.objectId}`, identity.objectId],
  ])("IMDS hands out a token of %s", async (_, query, objectId) => {
    const { status, body } = await imds(`resource=${encodeURIComponent(emulator.url)}&${query}`);

    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", resource: emulator.url });
    expect(Number(body.expires_on)).toBeGreaterThan(Date.now() / 1000 + 80_000);
    expect(claimsOf(body.access_token)).toMatchObject({ oid: objectId, aud: emulator.url });
  });

  it.each([
    ["without the Metadata header", `resource=x`, {}, "Required metadata header not specified"],
    [
      "for an identity the machine lacks",
      `resource=x&client_id=${ids.reader.appId}`,
      { Metadata: "true" },
      "Identity not found",
    ],
    [
      "without a resource",
      "",
      { Metadata: "true" },
      "Required query variable 'resource' is missing",
    ],
  ])("IMDS answers 400 %s", async (_, query, headers, description) => {
    const { status, body } = await imds(query, headers);

    expect(status).toBe(400);
    expect(body).toEqual({ error: "invalid_request", error_description: description });
  });

  it("serves @azure/identity through App Service's IDENTITY_ENDPOINT and IDENTITY_HEADER", async () => {
    const saved = { ...process.env };
    process.env["IDENTITY_ENDPOINT"] = emulator.managedIdentity.identityEndpoint;
    process.env["IDENTITY_HEADER"] = emulator.managedIdentity.identityHeader;
    try {
      const token = await new ManagedIdentityCredential({ clientId: identity.clientId }).getToken(
        `${emulator.url}/.default`,
      );

      expect(claimsOf(token.token)).toMatchObject({
        oid: identity.objectId,
        appid: identity.clientId,
      });
    } finally {
      for (const name of ["IDENTITY_ENDPOINT", "IDENTITY_HEADER"]) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });

  it("refuses App Service style requests without the identity header", async () => {
    const response = await fetch(
      `${emulator.managedIdentity.identityEndpoint}?api-version=2019-08-01&resource=x`,
      { headers: { "X-IDENTITY-HEADER": "wrong" } },
    );

    expect(response.status).toBe(401);
  });
});

describe("ARM's cloud metadata", () => {
  beforeEach(async () => {
    await useEmulator();
  });

  it.each<[string, (body: unknown) => unknown]>([
    ["2022-09-01", (body) => body],
    ["2019-05-01", (body) => (body as unknown[])[0]],
  ])("describes the emulated cloud (api-version %s)", async (version, cloudOf) => {
    const body = await (
      await fetch(`${emulator.url}/metadata/endpoints?api-version=${version}`)
    ).json();

    expect(cloudOf(body)).toMatchObject({
      name: "AzureEmulator",
      resourceManager: `${emulator.url}/`,
      authentication: {
        loginEndpoint: `${emulator.url}/`,
        audiences: [`${emulator.url}/`],
        identityProvider: "AAD",
      },
      microsoftGraphResourceId: `${emulator.url}/`,
    });
  });

  it("answers the 2015 shape the Azure CLI's cloud registration reads", async () => {
    const body = await (
      await fetch(`${emulator.url}/metadata/endpoints?api-version=2015-01-01`)
    ).json();

    expect(body).toEqual({
      galleryEndpoint: `${emulator.url}/`,
      graphEndpoint: `${emulator.url}/`,
      portalEndpoint: `${emulator.url}/`,
      authentication: { loginEndpoint: `${emulator.url}/`, audiences: [`${emulator.url}/`] },
    });
  });
});

describe("the proxy", () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let target: Server;
  let targetPort: number;

  beforeAll(async () => {
    proxy = await startProxy();
    target = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    targetPort = (target.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => target.close(resolve));
  });

  /** Sends CONNECT and returns the status line. */
  function tunnel(target: string): Promise<string> {
    const { port } = new URL(proxy.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      });
      socket.once("data", (chunk) => {
        resolve(chunk.toString().split("\r\n")[0]!);
        socket.destroy();
      });
      socket.once("error", reject);
    });
  }

  it("opens tunnels to this machine only, and counts them per target", async () => {
    const local = await tunnel(`localhost:${targetPort}`);
    const named = await tunnel(`anything.localhost:${targetPort}`);
    const outside = await tunnel("login.microsoftonline.com:443");

    expect(local).toBe("HTTP/1.1 200 Connection Established");
    expect(named).toBe("HTTP/1.1 200 Connection Established");
    expect(outside).toBe("HTTP/1.1 403 Forbidden");
    expect(proxy.tunnels()).toEqual({
      [`localhost:${targetPort}`]: 1,
      [`anything.localhost:${targetPort}`]: 1,
    });
    expect(proxy.refused).toContain("login.microsoftonline.com:443");
  });
});
