/**
 * What sign-in sends where, against hostile answers: the committed bundle run against the
 * emulator made to lie (its metadata claiming Azure's own audiences or a foreign sign-in host,
 * links and redirects to a foreign host, token endpoints that hang, drip or throttle, an error
 * that echoes the request). Assertions are on what the hostile side received (the emulator's
 * issued tokens, a recording foreign host), the step's exit and message, and what it printed.
 */
import { describe, expect, it } from "@jest/globals";
import { startEmulator, type CloudMetadataForm } from "../../emulator/index.ts";
import type { ActionRun } from "../../scripts/local-runner.ts";
import { runAction } from "../../scripts/local-runner.ts";
import { ids, names, secrets, testSeed } from "../fixtures.ts";
import { errorText, useEmulator, visibleLog } from "./harness.ts";

const harness = useEmulator();

const TOKEN_PATH = "/oauth2/v2.0/token";

/** The forms a custom cloud's metadata may take: one object, or an array of every cloud. */
const FORMS: readonly CloudMetadataForm[] = ["object", "array"];

/** Each row of a table once per form of the metadata, the form first. */
function inEachForm<Row extends unknown[]>(rows: readonly Row[]): [CloudMetadataForm, ...Row][] {
  return FORMS.flatMap((form) => rows.map((row): [CloudMetadataForm, ...Row] => [form, ...row]));
}

/** Requests to ARM or Graph, which no refused sign-in may reach. */
function armOrGraphRequests() {
  return harness.emulator.requests.filter((r) => r.service === "arm" || r.service === "graph");
}

/** Every token request the emulator's Entra ID answered. */
function tokenRequests() {
  return harness.emulator.requests.filter((r) => r.service === "login" && r.method === "POST");
}

/** The audiences of the access tokens the emulator issued. */
function issuedAudiences(): string[] {
  return harness.emulator.issuedTokens().map((token) => {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    return String((claims as { aud?: unknown }).aud);
  });
}

function oidcEnv(): Record<string, string> {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: harness.emulator.github.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: harness.emulator.github.requestToken,
  };
}

describe("a custom endpoint's metadata cannot harvest a token of Azure's own clouds", () => {
  // [form, audience claimed (in the array form, by the endpoint's own entry), environment,
  // authority-host given]
  it.each(
    inEachForm<[string, string | undefined, boolean]>([
      ["https://management.azure.com/", undefined, true],
      ["https://management.azure.com", "AzureCloud", false],
      ["https://MANAGEMENT.core.windows.net/", "AzureStack", true],
      ["https://management.usgovcloudapi.net/", undefined, false],
      ["https://management.chinacloudapi.cn", "AzureStack", false],
      ["https://graph.microsoft.com/", "AzureCloud", true],
      ["https://vault.azure.net", "AzureStack", false],
    ]),
  )(
    "%s: audience %s (environment %s, authority-host %s)",
    async (form, audience, environment, given) => {
      harness.emulator.setCloudMetadata({ form, audiences: [audience], name: "AzureCloud" });

      const result = await harness.run({
        environment,
        "authority-host": given ? harness.emulator.url : undefined,
      });

      // No token was asked for, let alone issued for that audience.
      expect(harness.emulator.issuedTokens()).toEqual([]);
      expect(tokenRequests()).toEqual([]);
      expect(armOrGraphRequests()).toEqual([]);
      expect(result.exitCode).toBe(1);
      const error = errorText(result);
      expect(error).toMatch(/Refusing to sign in: the cloud metadata at .* says ARM tokens/);
      expect(error).toMatch(/real token of Azure's own cloud/);
      expect(error).toContain("resource-manager-endpoint");
      const { url } = harness.emulator;
      const from = form === "array" ? ` (its entry for ${url}, of 4 clouds listed)` : "";
      expect(error).toContain(
        `the cloud metadata at ${url}/metadata/endpoints?api-version=2022-09-01${from} says`,
      );
    },
  );

  it.each(FORMS)(
    "%s: never calls a custom cloud by a named cloud's name taken from its metadata",
    async (form) => {
      harness.emulator.setCloudMetadata({ form, name: "AzureCloud" });

      const result = await harness.run();

      expect(errorText(result)).toBe("");
      expect(result.stdout).toContain(`Cloud AzureStack: ARM ${harness.emulator.url}`);
      expect(result.stdout).not.toContain("Cloud AzureCloud");
    },
  );

  it("says, before the first token request, which audience and hosts tokens and the secret go to", async () => {
    const result = await harness.run({ "authority-host": undefined });

    expect(errorText(result)).toBe("");
    const { url } = harness.emulator;
    const line = result.stdout.split("\n").find((l) => l.startsWith("Tokens: "));
    expect(line).toBe(
      `Tokens: ARM tokens for audience ${url} go only to ${url}, Graph tokens only to ${url}; ` +
        `the client secret goes only to ${url}.`,
    );
    expect(issuedAudiences()).toEqual([url]);
  });
});

describe("a sign-in host the metadata names off the endpoint's domain gets nothing", () => {
  it.each(
    inEachForm<[string, boolean]>([
      ["a client secret", false],
      ["OIDC", true],
    ]),
  )("%s, %s: refused, asking for authority-host", async (form, _, oidc) => {
    const foreign = await harness.emulator.startForeignHost();
    harness.emulator.setCloudMetadata({ form, loginEndpoint: `${foreign.url}/` });

    const result = await harness.run(
      {
        "authority-host": undefined,
        "client-secret": oidc ? undefined : secrets.deployer,
        "timeout-seconds": "20",
      },
      oidc ? oidcEnv() : {},
    );

    // The foreign host received nothing (no secret, no ID token), nor was one even fetched.
    expect(foreign.requests).toEqual([]);
    expect(harness.emulator.requests.filter((r) => r.service === "github")).toEqual([]);
    expect(tokenRequests()).toEqual([]);
    expect(armOrGraphRequests()).toEqual([]);
    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain(`names "${foreign.url}" as its sign-in host`);
    expect(error).toMatch(/Set 'authority-host'/);
  });

  it.each(FORMS)(
    "%s: with authority-host given, the metadata's sign-in host is never used",
    async (form) => {
      const foreign = await harness.emulator.startForeignHost();
      harness.emulator.setCloudMetadata({ form, loginEndpoint: `${foreign.url}/` });

      const result = await harness.run();

      expect(errorText(result)).toBe("");
      expect(result.exitCode).toBe(0);
      expect(foreign.requests).toEqual([]);
    },
  );
});

describe("a token goes to no host but ARM's and Graph's", () => {
  it("refuses a nextLink to another host", async () => {
    const foreign = await harness.emulator.startForeignHost();
    harness.emulator.inject({
      method: "GET",
      path: /\/roleAssignments$/i,
      status: 200,
      body: {
        value: [],
        nextLink: `${foreign.url}/subscriptions/${ids.subscription}/providers/Microsoft.Authorization/roleAssignments?page=2`,
      },
      times: Infinity,
    });

    const result = await harness.run();

    // No request reached the foreign host, so no token did.
    expect(foreign.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(foreign.requests).toEqual([]);
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain(`Refused to send the run's token to "${foreign.url}"`);
    expect(harness.armWrites()).toEqual([]);
  });

  it("refuses a redirect to another host", async () => {
    const foreign = await harness.emulator.startForeignHost();
    harness.emulator.inject({
      method: "GET",
      path: "/managedClusters/",
      status: 302,
      headers: { location: `${foreign.url}/stolen` },
      times: Infinity,
    });

    const result = await harness.run();

    expect(foreign.requests).toEqual([]);
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain(`redirect (302) to "${foreign.url}"`);
  });
});

describe("timeout-seconds holds while signing in", () => {
  // [case, fault on the token endpoint, what the message names]
  it.each<[string, Parameters<typeof harness.emulator.inject>[0], RegExp]>([
    [
      "a token endpoint that never answers",
      { method: "POST", path: TOKEN_PATH, hang: true, times: Infinity },
      /the token request \(POST \/[^)]*\/oauth2\/v2\.0\/token\) was still pending/,
    ],
    [
      "a token endpoint that drips its body",
      { method: "POST", path: TOKEN_PATH, dripEveryMs: 50, times: Infinity },
      /the token request \(POST .*\) was still pending/,
    ],
    [
      "a token endpoint that answers 429 with Retry-After: 3600",
      {
        method: "POST",
        path: TOKEN_PATH,
        status: 429,
        headers: { "Retry-After": "3600" },
        times: Infinity,
      },
      /still pending; the last answer was 429 asking to wait 3600 s/,
    ],
  ])("%s", async (_, fault, pending) => {
    harness.emulator.inject(fault);

    const result = await harness.run({ "timeout-seconds": "3" });

    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain(`Timed out signing in at ${harness.emulator.url} after 3 s`);
    expect(error).toMatch(pending);
    expect(error).toContain("Raise 'timeout-seconds'");
    expect(harness.armWrites()).toEqual([]);
  });

  it("GitHub's ID token endpoint that never answers", async () => {
    harness.emulator.inject({ path: "/github-actions/idtoken", hang: true, times: Infinity });

    const result = await harness.run(
      { "client-secret": undefined, "timeout-seconds": "3" },
      oidcEnv(),
    );

    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain(`Timed out signing in at ${harness.emulator.url} after 3 s`);
    expect(error).toContain("GitHub's ID token (ACTIONS_ID_TOKEN_REQUEST_URL) was still pending");
    expect(tokenRequests()).toEqual([]);
  });

  it("retries a throttled metadata endpoint within the budget, as every ARM request", async () => {
    harness.emulator.inject({
      method: "GET",
      path: "/metadata/endpoints",
      status: 429,
      headers: { "Retry-After": "0" },
      times: 5,
    });

    const result = await harness.run();

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    const metadata = harness.emulator.requests.filter((r) => r.service === "metadata");
    expect(metadata.map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 200]);
  });

  it("a metadata endpoint asking to wait longer than is left fails at once, saying so", async () => {
    harness.emulator.inject({
      method: "GET",
      path: "/metadata/endpoints",
      status: 429,
      headers: { "Retry-After": "3600" },
      times: Infinity,
    });

    const result = await harness.run({ "timeout-seconds": "20" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /Azure asked to wait 3600 s before retrying GET \/metadata\/endpoints/,
    );
    expect(harness.emulator.requests.filter((r) => r.service === "metadata")).toHaveLength(1);
  });
});

describe("secrets in their URL-encoded forms", () => {
  const secret = "Echo+Se/cr=et%41&b$c~DO-NOT-PRINT";
  const forms = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  ];

  function shown(result: ActionRun): string {
    return [visibleLog(result), result.summary, JSON.stringify(result.outputs)].join("\n");
  }

  it("a token endpoint's error that echoes the request shows no form of the secret", async () => {
    harness.emulator.inject({
      method: "POST",
      path: TOKEN_PATH,
      status: 401,
      bodyFrom: (body) => ({
        error: "invalid_client",
        error_description: `AADSTS7000215: Invalid client secret provided. Request: ${body}`,
        error_codes: [7000215],
      }),
    });

    const result = await harness.run({ "client-secret": secret });

    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain("AADSTS7000215");
    expect(error).toMatch(/echoed the request/);
    for (const form of forms) expect(shown(result)).not.toContain(form);
    // The runner is told to mask each form too (a command's data escapes `%`).
    for (const form of forms) {
      expect(result.stdout).toContain(`::add-mask::${form.replaceAll("%", "%25")}`);
    }
  });
});

describe("what a new user gets wrong", () => {
  it("an expired client secret says so and how to make a new one", async () => {
    const seed = testSeed();
    await harness.emulator.close();
    const expired = await startEmulator({
      seed: {
        ...seed,
        servicePrincipals: (seed.servicePrincipals ?? []).map((p) =>
          p.appId === ids.deployer.appId
            ? { ...p, clientSecretExpiresOn: "2020-01-01T00:00:00Z" }
            : p,
        ),
      },
    });
    try {
      const result = await runAction({
        inputs: {
          "resource-group": names.clusterGroup,
          "cluster-name": names.cluster,
          "acr-name": names.registry,
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
          "client-secret": secrets.deployer,
          "resource-manager-endpoint": expired.url,
        },
        env: { NODE_EXTRA_CA_CERTS: expired.caCertPath },
      });

      expect(result.exitCode).toBe(1);
      const error = errorText(result);
      expect(error).toContain("AADSTS7000222");
      expect(error).toMatch(/client secret has expired/);
      expect(error).toContain(`az ad app credential reset --id ${ids.deployer.appId}`);
      expect(expired.issuedTokens()).toEqual([]);
    } finally {
      await expired.close();
    }
  });

  it("an object id given as client-id is named as such", async () => {
    const result = await harness.run({ "client-id": ids.deployer.objectId });

    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain("AADSTS700016");
    expect(error).toMatch(/'client-id' is the Application \(client\) ID, not the object id/);
  });

  it.each(["SERVICE_PRINCIPAL", "Service_Principal"])(
    "auth-type %s, as azure/login spells it, signs in with the secret",
    async (authType) => {
      const result = await harness.run({ "auth-type": authType });

      expect(errorText(result)).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/a service principal secret .*auth-type: service-principal/);
    },
  );
});
