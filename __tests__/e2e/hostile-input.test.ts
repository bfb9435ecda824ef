/**
 * Hostile input: a corpus of bad values for every input, each run through the committed bundle
 * as a runner would. Every one must fail before any request reaches the emulator, with an
 * `::error::` naming the input, and no value may smuggle a workflow command into the log.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { runAction } from "../../scripts/local-runner.ts";
import { ids, names, scopes, secrets, testSeed } from "../fixtures.ts";
import { assertNoSecrets, errorText } from "./harness.ts";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ seed: testSeed() });
});

afterAll(async () => {
  // No case may have reached Azure, whichever order they ran in.
  expect(emulator.requests).toEqual([]);
  await emulator.close();
});

const registryId = scopes.registry;
const withoutPrefix = registryId.replace(`/subscriptions/${ids.subscription}`, "");
const injected = "::set-output name=login-server::evil.example";

/**
 * [what, inputs overriding the valid ones (undefined removes one), the input the error must name,
 * extra environment]
 */
const CORPUS: [string, Record<string, string | undefined>, string, Record<string, string>?][] = [
  ["resource-group missing", { "resource-group": undefined }, "resource-group"],
  ["resource-group blank", { "resource-group": "   " }, "resource-group"],
  ["resource-group with a path", { "resource-group": "rg/../other" }, "resource-group"],
  ["resource-group with a command", { "resource-group": `rg\n${injected}` }, "resource-group"],
  ["resource-group too long", { "resource-group": "r".repeat(91) }, "resource-group"],
  ["resource-group ending in a dot", { "resource-group": "rg." }, "resource-group"],
  ["cluster-name missing", { "cluster-name": undefined }, "cluster-name"],
  ["cluster-name starting with a dash", { "cluster-name": "-aks" }, "cluster-name"],
  ["cluster-name with a space", { "cluster-name": "aks demo" }, "cluster-name"],
  ["cluster-name with a Cyrillic look-alike", { "cluster-name": "аks-demo" }, "cluster-name"],
  ["cluster-name too long", { "cluster-name": "a".repeat(64) }, "cluster-name"],
  ["cluster-name as a workflow command", { "cluster-name": "::warning::pwned" }, "cluster-name"],
  ["acr-name with a dash", { "acr-name": "my-acr" }, "acr-name"],
  ["acr-name too short", { "acr-name": "acr" }, "acr-name"],
  ["acr-name as a URL with a path", { "acr-name": "https://demoacr.azurecr.io/v2/" }, "acr-name"],
  ["acr-name with a query", { "acr-name": "demoacr.azurecr.io?tag=1" }, "acr-name"],
  ["acr-name with a bad entry in a list", { "acr-name": "demoacr,\nmy-acr" }, "acr-name"],
  [
    "acr-name with 51 registries",
    { "acr-name": Array.from({ length: 51 }, (_, i) => `registry${i}`).join(",") },
    "acr-name",
  ],
  ["acr-name with a path", { "acr-name": "demoacr.azurecr.io/app" }, "acr-name"],
  ["acr-name in full-width letters", { "acr-name": "ｄｅｍｏａｃｒ" }, "acr-name"],
  ["acr-name too long", { "acr-name": "a".repeat(51) }, "acr-name"],
  [
    "acr-resource-id with a bad entry in a list",
    { "acr-resource-id": `${registryId}\n/subscriptions/x` },
    "acr-resource-id",
  ],
  ["create-registry not a boolean", { "create-registry": "yes" }, "create-registry"],
  [
    "create-registry with acr-resource-id",
    { "acr-name": undefined, "acr-resource-id": registryId, "create-registry": "true" },
    "acr-resource-id",
  ],
  ["create-registry with detach", { "create-registry": "true", mode: "detach" }, "create-registry"],
  ["create-registry with check", { "create-registry": "true", mode: "check" }, "create-registry"],
  ["registry-sku unknown", { "registry-sku": "Free" }, "registry-sku"],
  ["registry-sku as a command", { "registry-sku": `Basic\n${injected}` }, "registry-sku"],
  ["neither acr-name nor acr-resource-id", { "acr-name": undefined }, "acr-name"],
  [
    "acr-resource-id of a storage account",
    {
      "acr-name": undefined,
      "acr-resource-id": `/subscriptions/${ids.subscription}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/demoacr`,
    },
    "acr-resource-id",
  ],
  [
    "acr-resource-id with a subscription that is not a GUID",
    { "acr-name": undefined, "acr-resource-id": `/subscriptions/prod${withoutPrefix}` },
    "acr-resource-id",
  ],
  [
    "acr-resource-id of a child resource",
    { "acr-name": undefined, "acr-resource-id": `${registryId}/replications/westus` },
    "acr-resource-id",
  ],
  [
    "acr-resource-id with '..'",
    { "acr-name": undefined, "acr-resource-id": `${registryId}/../other` },
    "acr-resource-id",
  ],
  [
    "acr-resource-id with a query",
    { "acr-name": undefined, "acr-resource-id": `${registryId}?api-version=2025-11-01` },
    "acr-resource-id",
  ],
  [
    "acr-resource-id as a URL",
    { "acr-name": undefined, "acr-resource-id": `https://management.azure.com${registryId}` },
    "acr-resource-id",
  ],
  [
    "acr-resource-id with a trailing slash",
    { "acr-name": undefined, "acr-resource-id": `${registryId}/` },
    "acr-resource-id",
  ],
  ["mode unknown", { mode: "delete" }, "mode"],
  ["mode with a command", { mode: `attach\n${injected}` }, "mode"],
  ["dry-run not a boolean", { "dry-run": "yes" }, "dry-run"],
  ["dry-run as a number", { "dry-run": "1" }, "dry-run"],
  ["fail-on-missing not a boolean", { "fail-on-missing": "no" }, "fail-on-missing"],
  [
    "allow-privileged-role not a boolean",
    { "allow-privileged-role": "yes please" },
    "allow-privileged-role",
  ],
  ["role with a newline", { role: "Acr\nPull" }, "role"],
  ["role as a workflow command", { role: "::error::pwned" }, "role"],
  ["role too long", { role: "r".repeat(200) }, "role"],
  ["role with shell characters", { role: "AcrPull; rm -rf /" }, "role"],
  ["subscription-id not a GUID", { "subscription-id": "production" }, "subscription-id"],
  [
    "subscription-id one digit short",
    { "subscription-id": ids.subscription.slice(0, -1) },
    "subscription-id",
  ],
  ["subscription-id in braces", { "subscription-id": `{${ids.subscription}}` }, "subscription-id"],
  ["auth-type unknown", { "auth-type": "password" }, "auth-type"],
  ["client-id not a GUID", { "client-id": "my-app" }, "client-id"],
  ["tenant-id not a GUID", { "tenant-id": "contoso" }, "tenant-id"],
  ["a client secret without a client id", { "client-id": undefined }, "client-id"],
  [
    "creds that are not JSON",
    {
      "client-id": undefined,
      "tenant-id": undefined,
      "client-secret": undefined,
      creds: `{clientId: ${secrets.deployer}`,
    },
    "creds",
  ],
  [
    "creds that are a JSON array",
    { "client-id": undefined, "tenant-id": undefined, "client-secret": undefined, creds: "[]" },
    "creds",
  ],
  [
    "creds missing its secret",
    {
      "client-id": undefined,
      "tenant-id": undefined,
      "client-secret": undefined,
      creds: JSON.stringify({ clientId: ids.deployer.appId, tenantId: ids.tenant }),
    },
    "creds",
  ],
  [
    "audience with a space",
    { "auth-type": "oidc", "client-secret": undefined, audience: "api://x y" },
    "audience",
    // A job with `id-token: write`, so that the audience itself is what is wrong.
    {
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://127.0.0.1:9/token",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t",
    },
  ],
  ["environment unknown", { environment: "AzureMars" }, "environment"],
  [
    "resource-manager-endpoint over http",
    { "resource-manager-endpoint": "http://management.azure.com" },
    "resource-manager-endpoint",
  ],
  [
    "resource-manager-endpoint with a path",
    { "resource-manager-endpoint": "https://management.azure.com/x" },
    "resource-manager-endpoint",
  ],
  [
    "resource-manager-endpoint with credentials",
    { "resource-manager-endpoint": "https://user:pw@management.azure.com" },
    "resource-manager-endpoint",
  ],
  ["authority-host not a URL", { "authority-host": "login microsoftonline com" }, "authority-host"],
  ["timeout-seconds zero", { "timeout-seconds": "0" }, "timeout-seconds"],
  ["timeout-seconds negative", { "timeout-seconds": "-5" }, "timeout-seconds"],
  ["timeout-seconds fractional", { "timeout-seconds": "1.5" }, "timeout-seconds"],
  ["timeout-seconds in exponent form", { "timeout-seconds": "1e3" }, "timeout-seconds"],
  ["timeout-seconds too large", { "timeout-seconds": "99999" }, "timeout-seconds"],
];

/** The workflow commands a run may issue; anything else at the start of a line is injected. */
const ALLOWED_COMMANDS = /^::(error|warning|debug|group|endgroup|add-mask)::/;

function validInputs(): Record<string, string> {
  return {
    "resource-group": names.clusterGroup,
    "cluster-name": names.cluster,
    "acr-name": names.registry,
    "subscription-id": ids.subscription,
    "client-id": ids.deployer.appId,
    "tenant-id": ids.tenant,
    "client-secret": secrets.deployer,
    "resource-manager-endpoint": emulator.url,
    "authority-host": emulator.url,
  };
}

describe("hostile input", () => {
  it("has at least 40 cases covering every input the action declares", async () => {
    const { readFile } = await import("node:fs/promises");
    const actionYml = await readFile(new URL("../../action.yml", import.meta.url), "utf8");
    const inputs = actionYml
      .slice(actionYml.indexOf("inputs:"), actionYml.indexOf("outputs:"))
      .match(/^ {2}([a-z-]+):$/gm)!
      .map((line) => line.trim().slice(0, -1));
    const named = new Set(CORPUS.map(([, , input]) => input));

    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
    expect(inputs.filter((input) => !named.has(input) && input !== "client-secret")).toEqual([]);
  });

  it.concurrent.each(CORPUS)("%s: refused before any request", async (_, overrides, input, env) => {
    const merged = Object.fromEntries(
      Object.entries({ ...validInputs(), ...overrides }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );

    const result = await runAction({
      inputs: merged,
      env: { NODE_EXTRA_CA_CERTS: emulator.caCertPath, ...env },
    });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain(`'${input}'`);
    const commands = result.stdout.split("\n").filter((line) => line.startsWith("::"));
    expect(commands.filter((line) => !ALLOWED_COMMANDS.test(line))).toEqual([]);
    expect(result.outputs).toEqual({});
    if (overrides["creds"]) expect(result.stdout).not.toContain(overrides["creds"]);
    assertNoSecrets(result, [secrets.deployer]);
    expect(emulator.requests).toEqual([]);
  });
});
