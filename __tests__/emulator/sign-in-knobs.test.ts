/**
 * The emulator's hostile sign-in answers, seen from a plain HTTPS client: metadata that claims
 * another cloud's audience or sign-in host, an expired client secret, an error that echoes the
 * request, a hung answer, and the foreign host that records what reaches it.
 */
import { request } from "node:https";
import { afterEach, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { ids, secrets, testSeed } from "../fixtures.ts";

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One HTTPS request trusting the emulator's CA; `abortAfterMs` gives up waiting. */
function send(
  target: Emulator,
  url: string,
  options: { method?: string; body?: string; authorization?: string; abortAfterMs?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        ca: target.caCertPem,
        headers: {
          ...(options.body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          ...(options.authorization ? { authorization: options.authorization } : {}),
        },
        ...(options.abortAfterMs ? { signal: AbortSignal.timeout(options.abortAfterMs) } : {}),
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const tokenForm = (secret: string) =>
  new URLSearchParams({
    grant_type: "client_credentials",
    client_id: ids.deployer.appId,
    client_secret: secret,
    scope: "https://127.0.0.1/.default",
  }).toString();

describe("hostile sign-in answers", () => {
  it("serves metadata claiming what it is told to", async () => {
    emulator = await startEmulator({ seed: testSeed() });
    emulator.setCloudMetadata({
      audiences: ["https://management.azure.com/"],
      loginEndpoint: "https://login.attacker.test/",
      name: "AzureCloud",
    });

    const answer = await send(
      emulator,
      `${emulator.url}/metadata/endpoints?api-version=2022-09-01`,
    );

    const body = JSON.parse(answer.body) as {
      name: string;
      authentication: { audiences: string[]; loginEndpoint: string };
    };
    expect(body.name).toBe("AzureCloud");
    expect(body.authentication.audiences).toEqual(["https://management.azure.com/"]);
    expect(body.authentication.loginEndpoint).toBe("https://login.attacker.test/");
  });

  it.each<[string, string, number, RegExp]>([
    [
      "a secret past its expiry",
      "2020-01-01T00:00:00Z",
      401,
      /AADSTS7000222: The provided client secret keys for app/,
    ],
    ["a secret not yet expired", "2999-01-01T00:00:00Z", 200, /"access_token"/],
  ])("%s", async (_, expiresOn, status, body) => {
    const seed = testSeed();
    emulator = await startEmulator({
      seed: {
        ...seed,
        servicePrincipals: (seed.servicePrincipals ?? []).map((p) =>
          p.appId === ids.deployer.appId ? { ...p, clientSecretExpiresOn: expiresOn } : p,
        ),
      },
    });

    const answer = await send(emulator, `${emulator.url}/${ids.tenant}/oauth2/v2.0/token`, {
      method: "POST",
      body: tokenForm(secrets.deployer),
    });

    expect(answer.status).toBe(status);
    expect(answer.body).toMatch(body);
  });

  it("refuses a seed whose secret expiry is not a time", async () => {
    const seed = testSeed();
    await expect(
      startEmulator({
        seed: {
          ...seed,
          servicePrincipals: (seed.servicePrincipals ?? []).map((p) => ({
            ...p,
            clientSecretExpiresOn: "soon",
          })),
        },
      }),
    ).rejects.toThrow(/clientSecretExpiresOn is not an ISO 8601 time/);
  });

  it("echoes the request body in an error when told to", async () => {
    emulator = await startEmulator({ seed: testSeed() });
    emulator.inject({
      method: "POST",
      path: "/oauth2/v2.0/token",
      status: 400,
      bodyFrom: (sent) => ({ error: "invalid_request", error_description: `Got: ${sent}` }),
    });

    const answer = await send(emulator, `${emulator.url}/${ids.tenant}/oauth2/v2.0/token`, {
      method: "POST",
      body: tokenForm("a+b/c=d%"),
    });

    expect(answer.status).toBe(400);
    expect(answer.body).toContain(`client_secret=${encodeURIComponent("a+b/c=d%")}`);
  });

  it("holds a hung answer open until the client gives up", async () => {
    emulator = await startEmulator({ seed: testSeed() });
    emulator.inject({ path: "/oauth2/v2.0/token", hang: true });

    const answer = send(emulator, `${emulator.url}/${ids.tenant}/oauth2/v2.0/token`, {
      method: "POST",
      body: tokenForm(secrets.deployer),
      abortAfterMs: 50,
    });

    // No answer at all: only the client's own deadline ends the request.
    await expect(answer).rejects.toThrow(/abort/i);
  });

  it("records what reaches a foreign host", async () => {
    emulator = await startEmulator({ seed: testSeed() });
    const foreign = await emulator.startForeignHost();

    const answer = await send(emulator, `${foreign.url}/stolen?x=1`, {
      method: "POST",
      body: "client_secret=s",
      authorization: "Bearer t",
    });

    expect(answer.status).toBe(404);
    expect(foreign.requests).toEqual([
      { method: "POST", url: "/stolen?x=1", authorization: "Bearer t", body: "client_secret=s" },
    ]);
  });
});
