/**
 * Settings through the real `core.getInput`: each test sets `INPUT_*` variables as the runner
 * would, and reads what the runner would see on stdout (mask and debug commands).
 */
import { describe, expect, it } from "@jest/globals";
import { useRunnerEnv, type Inputs } from "./runner-env.ts";
import { NamedClouds } from "../../src/auth/cloud.ts";
import type { RunnerFacts } from "../../src/auth/runner.ts";
import { isScopeAtOrAbove, parseResourceId } from "../../src/domain/resource-id.ts";
import { ActionError, describeFailure } from "../../src/errors.ts";
import {
  parseEndpoint,
  parseTimeoutSeconds,
  readSettings,
  type Settings,
} from "../../src/settings.ts";

const SUBSCRIPTION = "5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02";
const OTHER_SUBSCRIPTION = "9a1c5d07-2b6e-4f38-8c41-6e3d2a1b5c03";
const CLIENT_ID = "3f6b2c1d-7e4a-4b59-8d2c-1a9e8f7b6c04";
const TENANT_ID = "0b8b2a44-3c7e-4a0e-9f51-7d2d3f6c1a01";
const SECRET = "deployer-Secret~value.0123456789abcdef";
const REGISTRY_ID = `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr`;
/** The parts settings keep of REGISTRY_ID, so that the adapter does not split it again. */
const REGISTRY_PARTS = { resourceGroup: "rg-acr", name: "demoacr" };
const REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries";

const VALID: Inputs = {
  "resource-group": "rg-aks",
  "cluster-name": "aks-demo",
  "subscription-id": SUBSCRIPTION,
  "acr-name": "demoacr",
  "client-id": CLIENT_ID,
  "tenant-id": TENANT_ID,
  "client-secret": SECRET,
};

const runner = useRunnerEnv();

/** A runner that offers no way to sign in but the inputs (no OIDC, CLI, managed identity). */
const BARE_RUNNER: RunnerFacts = {
  oidcAvailable: false,
  managedIdentityVariable: undefined,
  subscriptionIdVariable: "",
  cliSignedIn: () => false,
};

function settingsFrom(overrides: Inputs): Settings {
  runner.setInputs({ ...VALID, ...overrides });
  return readSettings(undefined, BARE_RUNNER);
}

/** The ActionError `readSettings` refuses the inputs with. */
function refusalOf(overrides: Inputs): ActionError {
  runner.setInputs({ ...VALID, ...overrides });
  try {
    readSettings(undefined, BARE_RUNNER);
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error(`readSettings accepted ${JSON.stringify(overrides)}`);
}

describe("readSettings", () => {
  it("reads valid inputs into one settings object, with defaults for what is unset", () => {
    const settings = settingsFrom({});

    expect(settings).toEqual({
      resourceGroup: "rg-aks",
      clusterName: "aks-demo",
      registries: [{ kind: "name", name: "demoacr" }],
      createRegistry: false,
      registrySku: "Basic",
      signIn: {
        method: {
          kind: "service-principal",
          clientId: CLIENT_ID,
          tenantId: TENANT_ID,
          clientSecret: SECRET,
        },
        reason: "auth-type auto: 'client-secret' is set",
        cloud: { kind: "named", cloud: NamedClouds.AzureCloud },
        subscriptionId: SUBSCRIPTION,
        subscriptionSource: "'subscription-id'",
      },
      timeoutSeconds: 300,
      mode: "attach",
      dryRun: false,
      role: { kind: "auto" },
      failOnMissing: true,
      allowPrivilegedRole: false,
    } satisfies Settings);
  });

  it("treats blank inputs (as action.yml leaves them) like unset ones", () => {
    const settings = settingsFrom({
      "resource-manager-endpoint": "",
      "authority-host": "  ",
      "timeout-seconds": "",
      "acr-resource-id": "",
    });

    expect(settings.signIn.cloud).toEqual({ kind: "named", cloud: NamedClouds.AzureCloud });
    expect(settings.timeoutSeconds).toBe(300);
    expect(settings.registries).toEqual([{ kind: "name", name: "demoacr" }]);
  });

  it("trims whitespace around inputs", () => {
    const settings = settingsFrom({ "cluster-name": "  aks-demo\n", "timeout-seconds": " 60 " });

    expect(settings.clusterName).toBe("aks-demo");
    expect(settings.timeoutSeconds).toBe(60);
  });

  // The expected fields are values or asymmetric matchers (expect.objectContaining).
  it.each<[string, Inputs, { [K in keyof Settings]?: unknown }]>([
    ["a resource group of one character", { "resource-group": "a" }, { resourceGroup: "a" }],
    [
      "a resource group with (, ), . and _",
      { "resource-group": "My_RG.(prod)" },
      { resourceGroup: "My_RG.(prod)" },
    ],
    [
      "a resource group of 90 characters",
      { "resource-group": "r".repeat(90) },
      { resourceGroup: "r".repeat(90) },
    ],
    [
      "a resource group with non-ASCII letters",
      { "resource-group": "grüße" },
      { resourceGroup: "grüße" },
    ],
    ["a cluster name of one character", { "cluster-name": "a" }, { clusterName: "a" }],
    [
      "a cluster name with - and _",
      { "cluster-name": "aks_demo-1" },
      { clusterName: "aks_demo-1" },
    ],
    [
      "a cluster name of 63 characters",
      { "cluster-name": "A".repeat(63) },
      { clusterName: "A".repeat(63) },
    ],
    [
      "an upper-case subscription id, lower-cased",
      { "subscription-id": SUBSCRIPTION.toUpperCase() },
      { signIn: expect.objectContaining({ subscriptionId: SUBSCRIPTION }) },
    ],
    [
      "a registry name in capitals",
      { "acr-name": "DemoAcr" },
      { registries: [{ kind: "name", name: "demoacr" }] },
    ],
    [
      "a login server",
      { "acr-name": "demoacr.azurecr.io" },
      { registries: [{ kind: "name", name: "demoacr", loginServer: "demoacr.azurecr.io" }] },
    ],
    [
      "a login server as a URL, with a trailing slash",
      { "acr-name": "https://demoacr.azurecr.io/" },
      { registries: [{ kind: "name", name: "demoacr", loginServer: "demoacr.azurecr.io" }] },
    ],
    [
      "a login server with a domain-name-label hash",
      { "acr-name": "myacr-abc123.azurecr.io" },
      {
        registries: [{ kind: "name", name: "myacr", loginServer: "myacr-abc123.azurecr.io" }],
      },
    ],
    [
      "a sovereign-cloud login server in capitals",
      { "acr-name": "MYACR.AZURECR.US" },
      { registries: [{ kind: "name", name: "myacr", loginServer: "myacr.azurecr.us" }] },
    ],
    [
      "a registry resource id instead of a name",
      { "acr-name": undefined, "acr-resource-id": REGISTRY_ID },
      {
        registries: [
          { kind: "id", id: REGISTRY_ID, subscriptionId: OTHER_SUBSCRIPTION, ...REGISTRY_PARTS },
        ],
      },
    ],
    [
      "several registries by name and by id together",
      { "acr-name": "demoacr, otheracr\n", "acr-resource-id": REGISTRY_ID },
      {
        registries: [
          { kind: "name", name: "demoacr" },
          { kind: "name", name: "otheracr" },
          { kind: "id", id: REGISTRY_ID, subscriptionId: OTHER_SUBSCRIPTION, ...REGISTRY_PARTS },
        ],
      },
    ],
    [
      "create-registry with no registry named, and a SKU in lower case",
      { "acr-name": undefined, "create-registry": "true", "registry-sku": "premium" },
      { registries: [], createRegistry: true, registrySku: "Premium" },
    ],
    [
      "a registry resource id as ARM writes it in lower case",
      { "acr-name": undefined, "acr-resource-id": REGISTRY_ID.toLowerCase() },
      {
        registries: [
          {
            kind: "id",
            id: REGISTRY_ID.toLowerCase(),
            subscriptionId: OTHER_SUBSCRIPTION,
            ...REGISTRY_PARTS,
          },
        ],
      },
    ],
    [
      "a registry resource id with an upper-case subscription",
      {
        "acr-name": undefined,
        "acr-resource-id": REGISTRY_ID.replace(
          OTHER_SUBSCRIPTION,
          OTHER_SUBSCRIPTION.toUpperCase(),
        ),
      },
      {
        registries: [
          {
            kind: "id",
            id: REGISTRY_ID.replace(OTHER_SUBSCRIPTION, OTHER_SUBSCRIPTION.toUpperCase()),
            subscriptionId: OTHER_SUBSCRIPTION,
            ...REGISTRY_PARTS,
          },
        ],
      },
    ],
    [
      "upper-case client and tenant ids, lower-cased",
      { "client-id": CLIENT_ID.toUpperCase(), "tenant-id": TENANT_ID.toUpperCase() },
      {
        signIn: expect.objectContaining({
          method: {
            kind: "service-principal",
            clientId: CLIENT_ID,
            tenantId: TENANT_ID,
            clientSecret: SECRET,
          },
        }),
      },
    ],
    [
      "endpoints with a trailing slash, normalized",
      {
        "resource-manager-endpoint": "https://management.usgovcloudapi.net/",
        "authority-host": "https://login.microsoftonline.us/",
      },
      {
        signIn: expect.objectContaining({
          cloud: { kind: "named", cloud: NamedClouds.AzureUSGovernment },
        }),
      },
    ],
    [
      "endpoints with a port and capitals",
      {
        "resource-manager-endpoint": "https://ARM.Example.test:8443",
        "authority-host": "https://login.example.test:443/",
      },
      {
        signIn: expect.objectContaining({
          cloud: {
            kind: "custom",
            resourceManagerEndpoint: "https://arm.example.test:8443",
            authorityHost: "https://login.example.test",
          },
        }),
      },
    ],
    ["the shortest timeout", { "timeout-seconds": "1" }, { timeoutSeconds: 1 }],
    ["the longest timeout", { "timeout-seconds": "3600" }, { timeoutSeconds: 3600 }],
  ])("accepts %s", (_, overrides, expected) => {
    const settings = settingsFrom(overrides);

    expect(settings).toMatchObject(expected);
  });

  // [case, inputs, the input the message must name, the value it must show, the remedy]
  it.each<[string, Inputs, string, string | undefined, RegExp]>([
    [
      "an unset resource group",
      { "resource-group": undefined },
      "resource-group",
      undefined,
      /resource group of the AKS cluster/,
    ],
    [
      "a resource group with a space",
      { "resource-group": "rg aks" },
      "resource-group",
      "rg aks",
      /1-90 letters/,
    ],
    [
      "a resource group ending in '.'",
      { "resource-group": "rg-aks." },
      "resource-group",
      "rg-aks.",
      /not ending in '\.'/,
    ],
    [
      "a resource group with a slash",
      { "resource-group": "rg/../x" },
      "resource-group",
      "rg/../x",
      /1-90 letters/,
    ],
    [
      "a resource group of 91 characters",
      { "resource-group": "r".repeat(91) },
      "resource-group",
      "r".repeat(91),
      /1-90 letters/,
    ],
    [
      "an unset cluster name",
      { "cluster-name": undefined },
      "cluster-name",
      undefined,
      /name of the AKS cluster/,
    ],
    [
      "a cluster name starting with '-'",
      { "cluster-name": "-aks" },
      "cluster-name",
      "-aks",
      /starting and ending with a letter or digit/,
    ],
    [
      "a cluster name ending with '_'",
      { "cluster-name": "aks_" },
      "cluster-name",
      "aks_",
      /starting and ending with a letter or digit/,
    ],
    [
      "a cluster name with a dot",
      { "cluster-name": "aks.demo" },
      "cluster-name",
      "aks.demo",
      /1-63 letters/,
    ],
    [
      "a cluster name of 64 characters",
      { "cluster-name": "a".repeat(64) },
      "cluster-name",
      "a".repeat(64),
      /1-63 letters/,
    ],
    [
      "an unset subscription id",
      { "subscription-id": undefined },
      "subscription-id",
      undefined,
      /subscription id of the cluster \(a GUID\)/,
    ],
    [
      "a subscription name",
      { "subscription-id": "Pay-As-You-Go" },
      "subscription-id",
      "Pay-As-You-Go",
      /00000000-0000-0000-0000-000000000000/,
    ],
    [
      "a subscription id without dashes",
      { "subscription-id": SUBSCRIPTION.replaceAll("-", "") },
      "subscription-id",
      SUBSCRIPTION.replaceAll("-", ""),
      /00000000-0000/,
    ],
    [
      "a subscription id in braces",
      { "subscription-id": `{${SUBSCRIPTION}}` },
      "subscription-id",
      `{${SUBSCRIPTION}}`,
      /00000000-0000/,
    ],
    [
      "a registry name of 4 characters",
      { "acr-name": "acr1" },
      "acr-name",
      "acr1",
      /5-50 letters and digits/,
    ],
    [
      "a registry name of 51 characters",
      { "acr-name": "a".repeat(51) },
      "acr-name",
      "a".repeat(51),
      /5-50 letters and digits/,
    ],
    [
      "a registry name with a dash",
      { "acr-name": "my-acr" },
      "acr-name",
      "my-acr",
      /5-50 letters and digits/,
    ],
    [
      "a registry name with '_'",
      { "acr-name": "my_acr" },
      "acr-name",
      "my_acr",
      /myregistry\.azurecr\.io/,
    ],
    [
      "a login server as a URL with a path",
      { "acr-name": "https://myacr.azurecr.io/v2/" },
      "acr-name",
      "https://myacr.azurecr.io/v2/",
      /no path or query/,
    ],
    [
      "a login server with a query",
      { "acr-name": "myacr.azurecr.io?x=1" },
      "acr-name",
      "myacr.azurecr.io?x=1",
      /no path or query/,
    ],
    [
      "a registry SKU that is not one of the three",
      { "registry-sku": "Free" },
      "registry-sku",
      "Free",
      /Basic, Standard, Premium/,
    ],
    [
      "create-registry with detach",
      { "create-registry": "true", mode: "detach" },
      "create-registry",
      "detach",
      /Remove 'create-registry: true'/,
    ],
    [
      "create-registry with check",
      { "create-registry": "true", mode: "check" },
      "create-registry",
      "check",
      /Remove 'create-registry: true'/,
    ],
    [
      "a login server with a path",
      { "acr-name": "myacr.azurecr.io/app" },
      "acr-name",
      "myacr.azurecr.io/app",
      /login server/,
    ],
    [
      "a login server with a port",
      { "acr-name": "myacr.azurecr.io:443" },
      "acr-name",
      "myacr.azurecr.io:443",
      /login server/,
    ],
    [
      "a login server with an empty label",
      { "acr-name": "myacr..azurecr.io" },
      "acr-name",
      "myacr..azurecr.io",
      /login server/,
    ],
    [
      "a login server whose registry name is too short",
      { "acr-name": "acr.azurecr.io" },
      "acr-name",
      "acr.azurecr.io",
      /5-50 letters/,
    ],
    [
      "a resource id of another type",
      {
        "acr-name": undefined,
        "acr-resource-id": REGISTRY_ID.replace(REGISTRY_TYPE, "Microsoft.Storage/storageAccounts"),
      },
      "acr-resource-id",
      REGISTRY_ID.replace(REGISTRY_TYPE, "Microsoft.Storage/storageAccounts"),
      /providers\/Microsoft\.ContainerRegistry\/registries\/<name>/,
    ],
    [
      "a child resource id",
      { "acr-name": undefined, "acr-resource-id": `${REGISTRY_ID}/replications/westus` },
      "acr-resource-id",
      `${REGISTRY_ID}/replications/westus`,
      /az resource show --query id/,
    ],
    [
      "a resource id with '..'",
      { "acr-name": undefined, "acr-resource-id": `${REGISTRY_ID}/../other` },
      "acr-resource-id",
      `${REGISTRY_ID}/../other`,
      /az resource show --query id/,
    ],
    [
      "a resource id with a query string",
      { "acr-name": undefined, "acr-resource-id": `${REGISTRY_ID}?api-version=2023-07-01` },
      "acr-resource-id",
      `${REGISTRY_ID}?api-version=2023-07-01`,
      /az resource show --query id/,
    ],
    [
      "a resource URL",
      { "acr-name": undefined, "acr-resource-id": `https://management.azure.com${REGISTRY_ID}` },
      "acr-resource-id",
      `https://management.azure.com${REGISTRY_ID}`,
      /\/subscriptions\/<subscription-guid>\/resourceGroups\/<group>/,
    ],
    [
      "a resource id with a subscription name",
      {
        "acr-name": undefined,
        "acr-resource-id": REGISTRY_ID.replace(OTHER_SUBSCRIPTION, "my-sub"),
      },
      "acr-resource-id",
      REGISTRY_ID.replace(OTHER_SUBSCRIPTION, "my-sub"),
      /<subscription-guid>/,
    ],
    [
      "a resource id with a trailing slash",
      { "acr-name": undefined, "acr-resource-id": `${REGISTRY_ID}/` },
      "acr-resource-id",
      `${REGISTRY_ID}/`,
      /az resource show --query id/,
    ],
    [
      "a non-GUID client id",
      { "client-id": "my-app" },
      "client-id",
      "my-app",
      /application \(client\) id in the form 00000000-/,
    ],
    [
      "a non-GUID tenant id",
      { "tenant-id": "contoso.onmicrosoft.com" },
      "tenant-id",
      "contoso.onmicrosoft.com",
      /directory \(tenant\) id in the form 00000000-/,
    ],
    [
      "an http ARM endpoint",
      { "resource-manager-endpoint": "http://management.azure.com" },
      "resource-manager-endpoint",
      "http://management.azure.com",
      /https URL with no path/,
    ],
    [
      "an ARM endpoint with a path",
      { "resource-manager-endpoint": "https://management.azure.com/subscriptions" },
      "resource-manager-endpoint",
      "https://management.azure.com/subscriptions",
      /https URL with no path/,
    ],
    [
      "an ARM endpoint with a query",
      { "resource-manager-endpoint": "https://management.azure.com/?x=1" },
      "resource-manager-endpoint",
      "https://management.azure.com/?x=1",
      /https URL with no path/,
    ],
    [
      "an ARM endpoint with credentials",
      { "resource-manager-endpoint": "https://user:pw@management.azure.com" },
      "resource-manager-endpoint",
      "https://user:pw@management.azure.com",
      /https URL with no path/,
    ],
    [
      "an ARM endpoint that is not a URL",
      { "resource-manager-endpoint": "management.azure.com" },
      "resource-manager-endpoint",
      "management.azure.com",
      /https URL with no path/,
    ],
    [
      "an http authority host",
      { "authority-host": "http://login.microsoftonline.com" },
      "authority-host",
      "http://login.microsoftonline.com",
      /https URL/,
    ],
    [
      "an authority host with a tenant path",
      { "authority-host": `https://login.microsoftonline.com/${TENANT_ID}` },
      "authority-host",
      `https://login.microsoftonline.com/${TENANT_ID}`,
      /https URL with no path/,
    ],
    [
      "an authority host with a query",
      { "authority-host": "https://login.microsoftonline.com?p=1" },
      "authority-host",
      "https://login.microsoftonline.com?p=1",
      /https URL/,
    ],
    [
      "an authority host that is not a URL",
      { "authority-host": "login" },
      "authority-host",
      "login",
      /https URL/,
    ],
    ["a timeout of 0", { "timeout-seconds": "0" }, "timeout-seconds", "0", /Use e\.g\. 300/],
    ["a negative timeout", { "timeout-seconds": "-1" }, "timeout-seconds", "-1", /Use e\.g\. 300/],
    [
      "a fractional timeout",
      { "timeout-seconds": "1.5" },
      "timeout-seconds",
      "1.5",
      /Use e\.g\. 300/,
    ],
    [
      "a timeout that is not a number",
      { "timeout-seconds": "abc" },
      "timeout-seconds",
      "abc",
      /Use e\.g\. 300/,
    ],
    [
      "a timeout with a unit",
      { "timeout-seconds": "60s" },
      "timeout-seconds",
      "60s",
      /Use e\.g\. 300/,
    ],
    [
      "a timeout above an hour",
      { "timeout-seconds": "3601" },
      "timeout-seconds",
      "3601",
      /Use e\.g\. 300/,
    ],
  ])("refuses %s, naming the input and showing the value", (_, overrides, input, shown, remedy) => {
    const error = refusalOf(overrides);

    expect(error.message).toContain(`'${input}'`);
    if (shown === undefined) expect(error.message).toMatch(/is required but was not set/);
    else expect(error.message).toContain(JSON.stringify(shown));
    expect(error.remedy).toMatch(remedy);
    expect(describeFailure(error)).toMatch(/How to fix: /);
  });

  it("refuses neither acr-name nor acr-resource-id, saying what to set", () => {
    const error = refusalOf({ "acr-name": undefined, "acr-resource-id": undefined });

    expect(error.message).toMatch(/No registry given: set 'acr-name' or 'acr-resource-id'/);
    expect(error.remedy).toMatch(/registry's name .* or 'acr-resource-id' to its full resource id/);
  });

  it.each([
    ["client id", { "client-id": undefined }, ["client-id"]],
    ["tenant id", { "tenant-id": undefined }, ["tenant-id"]],
    [
      "client id and tenant id",
      { "client-id": undefined, "tenant-id": undefined },
      ["client-id", "tenant-id"],
    ],
    [
      "client secret (auth-type service-principal)",
      { "client-secret": undefined, "auth-type": "service-principal" },
      ["client-secret"],
    ],
    [
      "every sign-in input (auth-type service-principal)",
      {
        "client-id": undefined,
        "tenant-id": undefined,
        "client-secret": undefined,
        "auth-type": "service-principal",
      },
      ["client-id", "tenant-id", "client-secret"],
    ],
  ] as const)(
    "refuses a sign-in without its %s, listing what is missing",
    (_, overrides, absent) => {
      const error = refusalOf(overrides);

      const listed = /missing: (.*)\.$/.exec(error.message)?.[1];
      expect(listed).toBe(absent.map((name) => `'${name}'`).join(", "));
      expect(error.remedy).toMatch(/secrets\.AZURE_CLIENT_SECRET/);
    },
  );

  it("reports every bad input in one error, each with its remedy", () => {
    const error = refusalOf({
      "cluster-name": "-bad-",
      "subscription-id": "nope",
      "acr-name": "x",
      "authority-host": "http://login",
      "timeout-seconds": "0",
    });

    expect(error.message).toMatch(/^5 inputs are invalid:\n/);
    const lines = error.message.split("\n").slice(1);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^- Input 'cluster-name' .*"-bad-".* Use 1-63 letters/);
    expect(lines[1]).toMatch(/^- Input 'acr-name' .*"x".*5-50 letters/);
    expect(lines[2]).toMatch(/^- Input 'authority-host' .*"http:\/\/login".* https URL/);
    expect(lines[3]).toMatch(/^- Input 'subscription-id' .*"nope".* in the form 0000/);
    expect(lines[4]).toMatch(/^- Input 'timeout-seconds' .*"0".* Use e\.g\. 300/);
  });

  it.each<[string, Inputs]>([
    ["the client id is missing", { "client-id": undefined }],
    ["the tenant id is not a GUID", { "tenant-id": "contoso" }],
    ["the client id is not a GUID", { "client-id": "app" }],
    [
      "every input is wrong",
      {
        "resource-group": "rg aks",
        "cluster-name": "-",
        "subscription-id": "x",
        "acr-resource-id": "/x",
        "client-id": "x",
        "tenant-id": undefined,
        "resource-manager-endpoint": "ftp://x",
        "authority-host": "x",
        "timeout-seconds": "-5",
      },
    ],
  ])("never shows the client secret when %s", (_, overrides) => {
    const error = refusalOf(overrides);

    expect(describeFailure(error)).not.toContain(SECRET);
    expect(runner.writes().filter((line) => line.includes(SECRET))).toEqual([
      `::add-mask::${SECRET}\n`,
    ]);
  });

  it("masks the client secret before writing anything else, and logs every setting but it", () => {
    settingsFrom({ "acr-name": undefined, "acr-resource-id": REGISTRY_ID });

    expect(runner.writes()[0]).toBe(`::add-mask::${SECRET}\n`);
    const rest = runner.writes().slice(1).join("");
    expect(rest).not.toContain(SECRET);
    for (const shown of [
      "rg-aks",
      "aks-demo",
      SUBSCRIPTION,
      REGISTRY_ID,
      CLIENT_ID,
      TENANT_ID,
      "300",
    ]) {
      expect(rest).toContain(shown);
    }
  });

  it("masks nothing when no secret is given", () => {
    refusalOf({ "client-secret": undefined });

    expect(runner.writes().join("")).not.toContain("::add-mask::");
  });
});

describe("parseEndpoint", () => {
  it.each([
    ["https://management.azure.com", "https://management.azure.com"],
    ["https://management.azure.com/", "https://management.azure.com"],
    ["https://Management.Azure.com:443/", "https://management.azure.com"],
    ["https://localhost:8443", "https://localhost:8443"],
  ])("reads %j as %j", (raw, expected) => {
    expect(parseEndpoint("resource-manager-endpoint", raw)).toBe(expected);
  });

  it.each([
    ["http://management.azure.com", /must use https/],
    ["https://management.azure.com/path", /must be a bare https origin/],
    ["https://management.azure.com/?q=1", /must be a bare https origin/],
    ["https://management.azure.com/#frag", /must be a bare https origin/],
    ["https://u:p@management.azure.com", /must be a bare https origin/],
    ["management.azure.com", /is not a URL/],
    ["", /is not a URL/],
  ])("refuses %j", (raw, problem) => {
    expect(() => parseEndpoint("authority-host", raw)).toThrow(problem);
    expect(() => parseEndpoint("authority-host", raw)).toThrow(/^Input 'authority-host'/);
  });
});

describe("parseTimeoutSeconds", () => {
  it.each([
    ["1", 1],
    ["300", 300],
    ["3600", 3600],
  ])("reads %j as %d", (raw, expected) => {
    expect(parseTimeoutSeconds(raw)).toBe(expected);
  });

  it.each(["0", "-1", "1.5", "abc", "3601", "", "1e3", "0x10", "99999999999999999999"])(
    "refuses %j",
    (raw) => {
      expect(() => parseTimeoutSeconds(raw)).toThrow(
        /'timeout-seconds' is not a whole number of seconds between 1 and 3600/,
      );
    },
  );
});

describe("parseResourceId", () => {
  it("splits a registry id into its parts", () => {
    const id = parseResourceId(REGISTRY_ID, REGISTRY_TYPE, "acr-resource-id");

    expect(id).toEqual({
      id: REGISTRY_ID,
      subscriptionId: OTHER_SUBSCRIPTION,
      resourceGroup: "rg-acr",
      type: REGISTRY_TYPE,
      name: "demoacr",
    });
  });

  it("matches the type in any case", () => {
    const lower = REGISTRY_ID.toLowerCase();

    expect(parseResourceId(lower, REGISTRY_TYPE, "acr-resource-id").type).toBe(
      REGISTRY_TYPE.toLowerCase(),
    );
  });

  it.each([
    ["no leading slash", REGISTRY_ID.slice(1), /does not start with '\/subscriptions\/'/],
    ["a URL", `https://management.azure.com${REGISTRY_ID}`, /does not start with/],
    ["a query string", `${REGISTRY_ID}?api-version=1`, /query string/],
    ["a fragment", `${REGISTRY_ID}#x`, /query string/],
    ["an escape", REGISTRY_ID.replace("rg-acr", "rg%2Facr"), /an escape/],
    ["a backslash", REGISTRY_ID.replace("/rg-acr", "\\rg-acr"), /an escape/],
    ["whitespace", REGISTRY_ID.replace("rg-acr", "rg acr"), /whitespace/],
    ["an empty segment", REGISTRY_ID.replace("/rg-acr/", "//"), /empty segment/],
    ["a '..' segment", `${REGISTRY_ID}/..`, /'\.' or '\.\.' segment/],
    [
      "a '.' segment",
      REGISTRY_ID.replace("/registries/", "/registries/./"),
      /'\.' or '\.\.' segment/,
    ],
    ["a trailing slash", `${REGISTRY_ID}/`, /does not have the form of a resource id/],
    ["a child resource", `${REGISTRY_ID}/webhooks/hook`, /does not have the form/],
    [
      "a resource group id",
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-acr`,
      /does not have the form/,
    ],
    [
      "a misspelt 'providers'",
      REGISTRY_ID.replace("providers", "provider"),
      /does not have the form/,
    ],
    [
      "a non-GUID subscription",
      REGISTRY_ID.replace(OTHER_SUBSCRIPTION, "sub"),
      /subscription id that is not a GUID/,
    ],
    [
      "another type",
      REGISTRY_ID.replace(REGISTRY_TYPE, "Microsoft.ContainerService/managedClusters"),
      /is a Microsoft\.ContainerService\/managedClusters, not a Microsoft\.ContainerRegistry\/registries/,
    ],
  ])("refuses %s", (_, raw, why) => {
    expect(() => parseResourceId(raw, REGISTRY_TYPE, "acr-resource-id")).toThrow(why);
    expect(() => parseResourceId(raw, REGISTRY_TYPE, "acr-resource-id")).toThrow(
      /^Input 'acr-resource-id' is not a valid resource id/,
    );
  });
});

describe("isScopeAtOrAbove", () => {
  const sub = `/subscriptions/${SUBSCRIPTION}`;
  const group = `${sub}/resourceGroups/rg-acr`;
  const registry = `${group}/providers/${REGISTRY_TYPE}/demoacr`;

  it.each([
    ["the same scope", registry, registry, true],
    [
      "the same scope in other casing and with a trailing slash",
      `${registry.toLowerCase()}/`,
      registry,
      true,
    ],
    ["the resource group", group, registry, true],
    ["the subscription", sub, registry, true],
    ["the subscription, upper-case", sub.toUpperCase(), registry, true],
    ["the root", "/", registry, true],
    ["a management group", "/providers/Microsoft.Management/managementGroups/mg", registry, true],
    ["a child of the target", `${registry}/replications/westus`, registry, false],
    ["a sibling registry", `${group}/providers/${REGISTRY_TYPE}/otheracr`, registry, false],
    [
      "a registry whose name the target's starts with",
      `${group}/providers/${REGISTRY_TYPE}/demo`,
      registry,
      false,
    ],
    ["a group whose name the target's starts with", `${sub}/resourceGroups/rg`, registry, false],
    ["another subscription", `/subscriptions/${OTHER_SUBSCRIPTION}`, registry, false],
  ])("%s: %s over %s is %s", (_, scope, target, expected) => {
    expect(isScopeAtOrAbove(scope, target)).toBe(expected);
  });
});
