/**
 * Every way to sign in, end to end: the committed dist/index.js run as a runner runs it, against
 * the emulator's Entra ID, GitHub OIDC endpoint, managed identity endpoints and ARM, and (where
 * it is installed) the real Azure CLI. Assertions are on what happened in the emulator (who
 * called ARM, which sign-in endpoints were used, the role assignment), on the step's log and
 * outputs, and on what must never be there: secrets and tokens.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  PROXY_ONLY_HOST,
  startEmulator,
  startProxy,
  type Emulator,
  type Proxy,
  type Seed,
} from "../../emulator/index.ts";
import { runAction, type ActionRun } from "../../scripts/local-runner.ts";
import { ACR_PULL, ids, names, secrets, testSeed } from "../fixtures.ts";

const REPOSITORY = "octo-org/app";
const MAIN_SUBJECT = `repo:${REPOSITORY}:ref:refs/heads/main`;
const systemIdentity = {
  clientId: "7a1b2c3d-1111-4e5f-8a9b-0c1d2e3f4a01",
  objectId: "7a1b2c3d-2222-4e5f-8a9b-0c1d2e3f4a02",
};
const userIdentity = {
  clientId: "7a1b2c3d-3333-4e5f-8a9b-0c1d2e3f4a03",
  objectId: "7a1b2c3d-4444-4e5f-8a9b-0c1d2e3f4a04",
};
const subscriptionScope = `/subscriptions/${ids.subscription}`;

/** The fixtures' world, plus a federated credential for the deployer and the runner's identities. */
function signInSeed(): Seed {
  const seed = testSeed();
  return {
    ...seed,
    servicePrincipals: (seed.servicePrincipals ?? []).map((principal) =>
      principal.appId === ids.deployer.appId
        ? { ...principal, federatedCredentials: [{ subject: MAIN_SUBJECT }] }
        : principal,
    ),
    managedIdentities: [
      { kind: "system", displayName: "runner-vm", ...systemIdentity },
      { kind: "user", displayName: "runner-deployer", ...userIdentity },
    ],
    github: { repository: REPOSITORY },
    roleAssignments: [
      ...(seed.roleAssignments ?? []),
      ...[systemIdentity, userIdentity].map((identity) => ({
        scope: subscriptionScope,
        roleName: "Owner",
        principalId: identity.objectId,
        principalType: "ServicePrincipal" as const,
      })),
    ],
  };
}

/** Variables a runner machine may have that would change how the action signs in. */
const AMBIENT = [
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "IDENTITY_ENDPOINT",
  "IDENTITY_HEADER",
  "MSI_ENDPOINT",
  "MSI_SECRET",
  "IMDS_ENDPOINT",
  "AZURE_POD_IDENTITY_AUTHORITY_HOST",
  "AZURE_SUBSCRIPTION_ID",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
  "NO_PROXY",
  "no_proxy",
];

let emptyConfigDir: string;

beforeAll(async () => {
  emptyConfigDir = await mkdtemp(join(tmpdir(), "aks-attach-acr-no-cli-"));
});

afterAll(async () => {
  await rm(emptyConfigDir, { recursive: true, force: true });
});

interface World {
  readonly emulator: Emulator;
  /** Runs dist/index.js against the cluster and registry, with these inputs and variables. */
  run(inputs: Record<string, string>, env?: Record<string, string>): Promise<ActionRun>;
}

interface Context {
  /** Runs `cleanup` when the test's body ends, pass or fail. */
  onTestFinished(cleanup: () => unknown): void;
}

/**
 * A test body with cleanups of its own. Jest runs no per-test hooks around concurrent tests, so
 * each test keeps its emulator and proxies here and closes them when its body ends.
 */
function scoped<Row extends unknown[]>(
  body: (context: Context, ...row: Row) => Promise<void>,
): (...row: Row) => Promise<void> {
  return async (...row) => {
    const cleanups: Array<() => unknown> = [];
    try {
      await body({ onTestFinished: (cleanup) => void cleanups.push(cleanup) }, ...row);
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup();
    }
  };
}

/** A fresh emulator for this test, closed when it ends. */
async function world(context: Context, seed: Seed = signInSeed()): Promise<World> {
  const emulator = await startEmulator({ seed });
  context.onTestFinished(() => emulator.close());
  return {
    emulator,
    run: (inputs, env = {}) =>
      runAction({
        inputs: {
          "resource-group": names.clusterGroup,
          "cluster-name": names.cluster,
          "acr-name": names.registry,
          "timeout-seconds": "60",
          ...inputs,
        },
        env: {
          ...Object.fromEntries(AMBIENT.map((name) => [name, ""])),
          AZURE_CONFIG_DIR: emptyConfigDir,
          NODE_EXTRA_CA_CERTS: emulator.caCertPath,
          ...env,
        },
      }),
  };
}

function cloudInputs(emulator: Emulator): Record<string, string> {
  return { "resource-manager-endpoint": emulator.url };
}

function oidcEnv(emulator: Emulator, url = emulator.github.requestUrl): Record<string, string> {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: url,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.github.requestToken,
  };
}

function credsJson(emulator: Emulator, secret: string = secrets.deployer): string {
  return JSON.stringify({
    clientId: ids.deployer.appId,
    clientSecret: secret,
    subscriptionId: ids.subscription,
    tenantId: ids.tenant,
    activeDirectoryEndpointUrl: emulator.url,
    resourceManagerEndpointUrl: `${emulator.url}/`,
    activeDirectoryGraphResourceId: "https://graph.windows.net/",
    sqlManagementEndpointUrl: "https://management.core.windows.net:8443/",
    galleryEndpointUrl: "https://gallery.azure.com/",
    managementEndpointUrl: "https://management.core.windows.net/",
  });
}

/** What a runner shows: it consumes `::add-mask::` commands instead of printing them. */
function visibleLog(result: ActionRun): string {
  return `${result.stdout}\n${result.stderr}`
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");
}

function errorText(result: ActionRun): string {
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("::error::"))
    .map((line) => line.slice("::error::".length).replaceAll("%0A", "\n").replaceAll("%25", "%"))
    .join("\n");
}

/** The object ids ARM saw calling, in order of first appearance. */
function armCallers(emulator: Emulator): string[] {
  return [
    ...new Set(
      emulator.requests
        .filter((r) => r.service === "arm" && r.callerObjectId)
        .map((r) => r.callerObjectId!),
    ),
  ];
}

function services(emulator: Emulator): string[] {
  return [...new Set(emulator.requests.map((r) => r.service))].sort();
}

function kubeletHasPull(emulator: Emulator): boolean {
  return emulator
    .roleAssignments()
    .some(
      (a) =>
        a.principalId === ids.kubelet.objectId &&
        a.roleDefinitionId.toLowerCase().endsWith(ACR_PULL),
    );
}

// --- each way, end to end ---

type Way = (w: World) => { inputs: Record<string, string>; env?: Record<string, string> };

describe("signing in, each way, then attaching", () => {
  // [way, inputs and variables, the log's reason, the ARM caller, the sign-in services used]
  it.concurrent.each<[string, Way, RegExp, string, string[]]>([
    [
      "auto: a client secret",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
          "client-secret": secrets.deployer,
        },
      }),
      /a service principal secret .*auth-type auto: 'client-secret' is set/,
      ids.deployer.objectId,
      ["arm", "login", "metadata"],
    ],
    [
      "auto: creds, with its subscription and endpoints",
      ({ emulator }) => ({ inputs: { creds: credsJson(emulator) } }),
      /auth-type auto: 'creds' is set/,
      ids.deployer.objectId,
      ["arm", "login", "metadata"],
    ],
    [
      "service-principal: creds, with separate inputs winning",
      ({ emulator }) => ({
        inputs: {
          "auth-type": "service-principal",
          creds: credsJson(emulator, "not-the-secret-in-use"),
          "client-secret": secrets.deployer,
          "subscription-id": ids.subscription,
        },
      }),
      /auth-type: service-principal/,
      ids.deployer.objectId,
      ["arm", "login", "metadata"],
    ],
    [
      "auto: OIDC, with GitHub's token request variables",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
        },
        env: oidcEnv(emulator),
      }),
      /OIDC \(client id .*audience api:\/\/AzureADTokenExchange\) \(auth-type auto: 'client-id' and 'tenant-id' are set and the job may request GitHub's OIDC token\)/,
      ids.deployer.objectId,
      ["arm", "github", "login", "metadata"],
    ],
    [
      "oidc: the subscription from AZURE_SUBSCRIPTION_ID",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "auth-type": "oidc",
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
        },
        env: { ...oidcEnv(emulator), AZURE_SUBSCRIPTION_ID: ids.subscription },
      }),
      /auth-type: oidc/,
      ids.deployer.objectId,
      ["arm", "github", "login", "metadata"],
    ],
    [
      "managed-identity: the VM's system-assigned identity over IMDS",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "auth-type": "managed-identity",
          "subscription-id": ids.subscription,
        },
        env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: emulator.managedIdentity.imdsHost },
      }),
      /the machine's system-assigned managed identity \(auth-type: managed-identity\)/,
      systemIdentity.objectId,
      ["arm", "identity", "metadata"],
    ],
    [
      "auto: a user-assigned identity by client-id, found by IDENTITY_ENDPOINT",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "client-id": userIdentity.clientId,
          "subscription-id": ids.subscription,
        },
        env: {
          IDENTITY_ENDPOINT: emulator.managedIdentity.identityEndpoint,
          IDENTITY_HEADER: emulator.managedIdentity.identityHeader,
        },
      }),
      /user-assigned managed identity .*auth-type auto: a managed identity endpoint is configured \(IDENTITY_ENDPOINT\)/,
      userIdentity.objectId,
      ["arm", "identity", "metadata"],
    ],
  ])(
    "%s",
    scoped(async (context, _, way, reason, caller, used) => {
      const w = await world(context);
      const { inputs, env } = way(w);

      const result = await w.run(inputs, env);

      expect(errorText(result)).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(reason);
      expect(armCallers(w.emulator)).toEqual([caller]);
      expect(services(w.emulator)).toEqual(used);
      expect(kubeletHasPull(w.emulator)).toBe(true);
      expect(result.outputs["changed"]).toBe("true");
    }),
  );

  it(
    "asks GitHub for the token with the configured audience, and Entra ID checks it",
    scoped(async (context) => {
      const seed = signInSeed();
      const w = await world(context, {
        ...seed,
        servicePrincipals: (seed.servicePrincipals ?? []).map((principal) =>
          principal.appId === ids.deployer.appId
            ? {
                ...principal,
                federatedCredentials: [
                  { subject: MAIN_SUBJECT, audiences: ["api://custom-audience"] },
                ],
              }
            : principal,
        ),
      });

      const result = await w.run(
        {
          ...cloudInputs(w.emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
          audience: "api://custom-audience",
        },
        oidcEnv(w.emulator),
      );

      expect(errorText(result)).toBe("");
      const tokenRequests = w.emulator.requests.filter((r) => r.service === "github");
      expect(tokenRequests.map((r) => new URLSearchParams(r.query).get("audience"))).toEqual([
        "api://custom-audience",
      ]);
    }),
  );
});

// --- the Azure CLI, for real ---

const az = await promisify(execFile)("az", ["version", "--output", "none"]).then(
  () => true,
  () => false,
);
if (!az) {
  console.warn(
    "Skipping the azure-cli end-to-end tests: the Azure CLI (az) is not installed. " +
      ".ci/run installs Debian's azure-cli package; or: apt-get install azure-cli.",
  );
}

(az ? describe : describe.skip)("signing in with the Azure CLI's session (the real az)", () => {
  let w: World;
  let emulator: Emulator;
  let configDir: string;

  /** `az`, with this test's profile and the emulator's CA. */
  async function azCli(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)("az", args, {
      env: cliEnv(),
      timeout: 60_000,
    });
    return stdout;
  }

  function cliEnv(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      AZURE_CONFIG_DIR: configDir,
      REQUESTS_CA_BUNDLE: emulator.caCertPath,
      AZURE_CORE_COLLECT_TELEMETRY: "0",
      AZURE_CORE_NO_COLOR: "1",
    };
  }

  beforeAll(async () => {
    emulator = await startEmulator({ seed: signInSeed() });
    configDir = await mkdtemp(join(tmpdir(), "aks-attach-acr-az-"));
    // The emulator as a custom cloud, as azure/login would leave a sovereign or Stack session.
    // Its AD FS-style authority spares MSAL the instance discovery against the public cloud.
    await azCli(
      "cloud", "register", "--name", "Emulator",
      "--endpoint-resource-manager", `${emulator.url}/`,
      "--endpoint-active-directory", `${emulator.url}/adfs`,
      "--endpoint-active-directory-resource-id", `${emulator.url}/`,
      "--endpoint-active-directory-graph-resource-id", `${emulator.url}/`,
    ); // prettier-ignore
    await azCli("cloud", "set", "--name", "Emulator");
    await azCli(
      "login", "--service-principal", "--username", ids.deployer.appId,
      "--password", secrets.deployer, "--tenant", ids.tenant, "--output", "none",
    ); // prettier-ignore
    w = {
      emulator,
      run: (inputs, env = {}) =>
        runAction({
          inputs: {
            "resource-group": names.clusterGroup,
            "cluster-name": names.cluster,
            "acr-name": names.registry,
            ...inputs,
          },
          env: {
            ...Object.fromEntries(AMBIENT.map((name) => [name, ""])),
            AZURE_CONFIG_DIR: configDir,
            REQUESTS_CA_BUNDLE: emulator.caCertPath,
            AZURE_CORE_COLLECT_TELEMETRY: "0",
            NODE_EXTRA_CA_CERTS: emulator.caCertPath,
            ...env,
          },
        }),
    };
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it("auto: finds azure/login's session, takes the CLI's subscription, and attaches", async () => {
    emulator.clearRequests();

    const result = await w.run(cloudInputs(emulator));

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /the Azure CLI's session \(auth-type auto: an Azure CLI session was found/,
    );
    expect(result.stdout).toContain(
      `Subscription ${ids.subscription} (from the Azure CLI's current subscription)`,
    );
    expect(armCallers(emulator)).toEqual([ids.deployer.objectId]);
    expect(kubeletHasPull(emulator)).toBe(true);
  });

  it("azure-cli: a subscription-id given wins over the CLI's", async () => {
    emulator.clearRequests();

    const result = await w.run({
      ...cloudInputs(emulator),
      "auth-type": "azure-cli",
      "subscription-id": ids.subscription,
    });

    expect(errorText(result)).toBe("");
    expect(result.stdout).toContain(`Subscription ${ids.subscription} (from 'subscription-id')`);
    expect(armCallers(emulator)).toEqual([ids.deployer.objectId]);
  });
});

// --- what to set when it goes wrong ---

describe("misconfigurations say what to set", () => {
  it.concurrent.each<[string, Way, RegExp[]]>([
    [
      "OIDC without the id-token permission",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "auth-type": "oidc",
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
        },
      }),
      [
        /ACTIONS_ID_TOKEN_REQUEST_URL is not set/,
        /permissions:\n\s+id-token: write\n\s+contents: read/,
      ],
    ],
    [
      "OIDC with an audience no federated credential accepts",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
          audience: "api://wrong-audience",
        },
        env: oidcEnv(emulator),
      }),
      [/AADSTS700212/, /set 'audience'/],
    ],
    [
      "creds that are not JSON",
      () => ({ inputs: { creds: "{clientId: 1, clientSecret: oops-Secret-in-bad-json" } }),
      [
        /Input 'creds' is not valid JSON/,
        /not shown because it holds a secret/,
        /AZURE_CREDENTIALS/,
      ],
    ],
    [
      "a tenant the cloud does not know",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": "0b8b2a44-0000-4000-8000-000000000000",
          "client-secret": secrets.deployer,
        },
      }),
      [/could not describe tenant 0b8b2a44-0000-4000-8000-000000000000/, /Check 'tenant-id'/],
    ],
    [
      "an unknown environment",
      () => ({
        inputs: {
          environment: "AzureMars",
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
          "client-secret": secrets.deployer,
        },
      }),
      [/Input 'environment' is not an Azure cloud: "AzureMars"/, /AzureUSGovernment/],
    ],
    [
      "azure-cli when the CLI is not signed in",
      ({ emulator }) => ({ inputs: { ...cloudInputs(emulator), "auth-type": "azure-cli" } }),
      [/found no Azure CLI session/, /azure\/login/],
    ],
  ])(
    "%s",
    scoped(async (context, _, way, expected) => {
      const w = await world(context);
      const { inputs, env } = way(w);

      const result = await w.run(inputs, env);

      expect(result.exitCode).toBe(1);
      const error = errorText(result);
      for (const pattern of expected) expect(error).toMatch(pattern);
      expect(w.emulator.requests.filter((r) => r.service === "arm")).toEqual([]);
      expect(result.summary).toContain("failed");
    }),
  );

  it(
    "names the subject GitHub presented when no federated credential matches it",
    scoped(async (context) => {
      const seed = signInSeed();
      const w = await world(context, {
        ...seed,
        github: { repository: REPOSITORY, environment: "production" },
      });

      const result = await w.run(
        {
          ...cloudInputs(w.emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
        },
        oidcEnv(w.emulator),
      );

      expect(result.exitCode).toBe(1);
      const error = errorText(result);
      expect(error).toContain(`AADSTS700213`);
      expect(error).toContain(`repo:${REPOSITORY}:environment:production`);
      expect(error).toContain("repo:OWNER/REPO:environment:NAME");
    }),
  );
});

// --- clouds ---

describe("clouds", () => {
  it.concurrent.each([
    ["AzureUSGovernment", "login.microsoftonline.us:443"],
    // MSAL's own metadata sends login.chinacloudapi.cn's traffic to its preferred network alias.
    ["AzureChinaCloud", "login.partner.microsoftonline.cn:443"],
  ])(
    "%s: signs in at %s (seen at a proxy that lets nothing out)",
    scoped(async (context, environment, host) => {
      const w = await world(context);
      const proxy = await startProxy();
      context.onTestFinished(() => proxy.close());

      const result = await w.run(
        {
          environment,
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
          "client-secret": secrets.deployer,
          "timeout-seconds": "5",
        },
        { HTTPS_PROXY: proxy.url },
      );

      expect(result.exitCode).toBe(1);
      expect(proxy.refused).toContain(host);
      expect(result.stdout).toContain(`Cloud ${environment}: ARM `);
      expect(w.emulator.requests).toEqual([]);
    }),
  );
});

// --- proxies ---

describe("behind a proxy", () => {
  // Every request of these runs goes through the proxy: the emulator's connections all come from
  // the proxy's own sockets. GitHub's token endpoint is under a name only the proxy resolves.
  it.concurrent.each<[string, Way, string[]]>([
    [
      "a client secret (metadata, Entra ID, ARM)",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
          "client-secret": secrets.deployer,
        },
      }),
      ["127.0.0.1"],
    ],
    [
      "OIDC (GitHub's token endpoint too)",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
        },
        env: oidcEnv(emulator, emulator.github.requestUrlViaProxy),
      }),
      ["127.0.0.1", PROXY_ONLY_HOST],
    ],
    [
      "a managed identity endpoint",
      ({ emulator }) => ({
        inputs: {
          ...cloudInputs(emulator),
          "auth-type": "managed-identity",
          "client-id": userIdentity.clientId,
          "subscription-id": ids.subscription,
        },
        env: {
          IDENTITY_ENDPOINT: emulator.managedIdentity.identityEndpoint,
          IDENTITY_HEADER: emulator.managedIdentity.identityHeader,
        },
      }),
      ["127.0.0.1"],
    ],
  ])(
    "%s",
    scoped(async (context, _, way, hosts) => {
      const w = await world(context);
      const proxy: Proxy = await startProxy();
      context.onTestFinished(() => proxy.close());
      const { inputs, env } = way(w);

      const result = await w.run(inputs, { ...env, HTTPS_PROXY: proxy.url });

      expect(errorText(result)).toBe("");
      expect(kubeletHasPull(w.emulator)).toBe(true);
      const port = new URL(w.emulator.url).port;
      const tunnels = proxy.tunnels();
      expect(Object.keys(tunnels).sort()).toEqual(hosts.map((h) => `${h}:${port}`).sort());
      // Tunnels are kept: GitHub's token endpoint is asked once; the emulator's host (sign-in,
      // metadata, ARM) needs no more than the first parallel reads (the cluster, the guessed
      // registry, its assignments) and one more, for many more requests.
      if (hosts.includes(PROXY_ONLY_HOST)) expect(tunnels[`${PROXY_ONLY_HOST}:${port}`]).toBe(1);
      const toEmulator = w.emulator.requests.filter((r) => r.service !== "github");
      expect(tunnels[`127.0.0.1:${port}`]).toBeLessThanOrEqual(3 + 1);
      expect(toEmulator.length).toBeGreaterThan(3 + 1);
      expect(w.emulator.connections.length).toBeGreaterThan(0);
      for (const connection of w.emulator.connections) {
        expect(proxy.upstreamPorts.has(connection.remotePort)).toBe(true);
      }
      expect(proxy.refused).toEqual([]);
    }),
  );

  it(
    "leaves the hosts in NO_PROXY out",
    scoped(async (context) => {
      const w = await world(context);
      const proxy = await startProxy();
      context.onTestFinished(() => proxy.close());

      const result = await w.run(
        {
          ...cloudInputs(w.emulator),
          "subscription-id": ids.subscription,
          "client-id": ids.deployer.appId,
          "tenant-id": ids.tenant,
        },
        {
          ...oidcEnv(w.emulator, w.emulator.github.requestUrlViaProxy),
          HTTPS_PROXY: proxy.url,
          NO_PROXY: "127.0.0.1",
        },
      );

      expect(errorText(result)).toBe("");
      const port = new URL(w.emulator.url).port;
      expect(proxy.tunnels()).toEqual({ [`${PROXY_ONLY_HOST}:${port}`]: 1 });
      const proxied = w.emulator.connections.filter((c) => proxy.upstreamPorts.has(c.remotePort));
      expect(proxied.map((c) => c.servername)).toEqual([PROXY_ONLY_HOST]);
    }),
  );
});

// --- secrets ---

describe("secrets", () => {
  it(
    "never shows a secret or a token, whichever way it signs in, on success or failure",
    scoped(async (context) => {
      const w = await world(context);
      const { emulator } = w;
      const wrongSecret = "wrong-Secret~DO-NOT-PRINT.5150";
      const credsSecret = "creds-Secret~DO-NOT-PRINT.8086";
      const brokenCredsSecret = "broken-creds-Secret~DO-NOT-PRINT.6502";
      const base = { ...cloudInputs(emulator), "subscription-id": ids.subscription };
      const sp = { "client-id": ids.deployer.appId, "tenant-id": ids.tenant };
      const mi = {
        IDENTITY_ENDPOINT: emulator.managedIdentity.identityEndpoint,
        IDENTITY_HEADER: emulator.managedIdentity.identityHeader,
      };
      const runs: Array<[Record<string, string>, Record<string, string>?]> = [
        [{ ...base, ...sp, "client-secret": secrets.deployer }],
        [{ ...base, ...sp, "client-secret": wrongSecret }],
        [
          {
            ...base,
            // Signs in, then fails on a cluster it cannot attach (access token issued, run failed).
            "cluster-name": "aks-noidentity",
            "client-id": ids.reader.appId,
            "tenant-id": ids.tenant,
            "client-secret": secrets.reader,
          },
        ],
        [{ creds: credsJson(emulator) }],
        [{ creds: credsJson(emulator, credsSecret) }],
        [
          {
            creds: `{"clientId": "${ids.deployer.appId}", "clientSecret": "${brokenCredsSecret}", `,
          },
        ],
        [{ ...base, ...sp }, oidcEnv(emulator)],
        [{ ...base, ...sp, audience: "api://wrong" }, oidcEnv(emulator)],
        [{ ...base, "auth-type": "managed-identity", "client-id": userIdentity.clientId }, mi],
        [{ ...base, "auth-type": "managed-identity", "client-id": ids.reader.appId }, mi],
        [{ ...base, "auth-type": "azure-cli" }],
      ];

      const results = await Promise.all(runs.map(([inputs, env]) => w.run(inputs, env)));

      expect(results.map((r) => r.exitCode)).toEqual([0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1]);
      const tokens = emulator.issuedTokens();
      const idTokens = emulator.requests.filter((r) => r.service === "github").length;
      expect(idTokens).toBeGreaterThanOrEqual(2);
      // Access tokens: the secret, the reader, creds, OIDC, the managed identity; ID tokens: 2.
      expect(tokens).toHaveLength(7);
      const secretValues = [
        secrets.deployer,
        secrets.reader,
        wrongSecret,
        credsSecret,
        brokenCredsSecret,
        emulator.github.requestToken,
        emulator.managedIdentity.identityHeader,
        ...tokens,
      ];
      for (const result of results) {
        const shown = [
          visibleLog(result),
          result.stderr,
          JSON.stringify(result.outputs),
          result.summary,
        ].join("\n");
        for (const secret of secretValues) expect(shown).not.toContain(secret);
        // Nor a part of a token long enough to be one (a JWT's signature, say).
        for (const token of tokens) expect(shown).not.toContain(token.split(".")[2]);
      }
    }),
  );
});
