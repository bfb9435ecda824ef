/**
 * How the action decides to sign in: auth-type (auto's order and its reasons), creds, the
 * subscription's defaults, and what each refusal tells the user to set. Pure functions over raw
 * strings and a described runner; no request is sent.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { NamedClouds } from "../../src/auth/cloud.ts";
import { credsSecret, parseCreds } from "../../src/auth/creds.ts";
import { SignInInputs, type RawSignInInputs } from "../../src/auth/inputs.ts";
import { cliProfileHasAccount, probeRunner, type RunnerFacts } from "../../src/auth/runner.ts";
import {
  parseSignInSettings,
  SignInProblems,
  type SignInSettings,
} from "../../src/auth/sign-in.ts";
import { ActionError, describeFailure } from "../../src/errors.ts";

const CLIENT = "3f6b2c1d-7e4a-4b59-8d2c-1a9e8f7b6c04";
const TENANT = "0b8b2a44-3c7e-4a0e-9f51-7d2d3f6c1a01";
const SUBSCRIPTION = "5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02";
const OTHER_SUBSCRIPTION = "9a1c5d07-2b6e-4f38-8c41-6e3d2a1b5c03";
const SECRET = "unit-Secret~value.1234";
const CREDS_SECRET = "creds-Secret~value.5678";

type Raw = Partial<Record<(typeof SignInInputs)[keyof typeof SignInInputs], string>>;

function raw(inputs: Raw): RawSignInInputs {
  const blank = Object.fromEntries(Object.values(SignInInputs).map((name) => [name, ""]));
  return { ...blank, ...inputs } as RawSignInInputs;
}

function runner(facts: Partial<Omit<RunnerFacts, "cliSignedIn">> & { cli?: boolean } = {}) {
  return {
    oidcAvailable: facts.oidcAvailable ?? false,
    managedIdentityVariable: facts.managedIdentityVariable,
    subscriptionIdVariable: facts.subscriptionIdVariable ?? "",
    cliSignedIn: () => facts.cli ?? false,
  } satisfies RunnerFacts;
}

const ids = { "client-id": CLIENT, "tenant-id": TENANT };
const creds = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    clientId: CLIENT,
    clientSecret: CREDS_SECRET,
    tenantId: TENANT,
    subscriptionId: SUBSCRIPTION,
    ...fields,
  });

function refusal(inputs: Raw, facts = runner()): ActionError {
  try {
    parseSignInSettings(raw(inputs), facts);
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(inputs)}`);
}

describe("auth-type auto", () => {
  // [case, inputs, runner, method, reason]
  it.each<[string, Raw, RunnerFacts, SignInSettings["method"], RegExp]>([
    [
      "a client secret: service principal",
      { ...ids, "client-secret": SECRET, "subscription-id": SUBSCRIPTION },
      runner({ oidcAvailable: true, cli: true, managedIdentityVariable: "IDENTITY_ENDPOINT" }),
      { kind: "service-principal", clientId: CLIENT, tenantId: TENANT, clientSecret: SECRET },
      /^auth-type auto: 'client-secret' is set$/,
    ],
    [
      "creds: service principal, from its fields",
      { creds: creds() },
      runner({ oidcAvailable: true }),
      {
        kind: "service-principal",
        clientId: CLIENT,
        tenantId: TENANT,
        clientSecret: CREDS_SECRET,
      },
      /'creds' is set/,
    ],
    [
      "client-id and tenant-id with GitHub's variables: OIDC, default audience",
      { ...ids, "subscription-id": SUBSCRIPTION },
      runner({ oidcAvailable: true, cli: true }),
      { kind: "oidc", clientId: CLIENT, tenantId: TENANT, audience: "api://AzureADTokenExchange" },
      /'client-id' and 'tenant-id' are set and the job may request GitHub's OIDC token/,
    ],
    [
      "no inputs and a signed-in CLI: its session",
      {},
      runner({ cli: true, managedIdentityVariable: "MSI_ENDPOINT" }),
      { kind: "azure-cli", tenantId: undefined },
      /an Azure CLI session was found/,
    ],
    [
      "ids without GitHub's variables and a signed-in CLI: its session, saying why not OIDC",
      ids,
      runner({ cli: true }),
      { kind: "azure-cli", tenantId: TENANT },
      /GitHub's OIDC token is not available to this job \(no id-token: write\)/,
    ],
    [
      "a managed identity endpoint: the system-assigned identity",
      { "subscription-id": SUBSCRIPTION },
      runner({ managedIdentityVariable: "IDENTITY_ENDPOINT" }),
      { kind: "managed-identity", clientId: undefined },
      /a managed identity endpoint is configured \(IDENTITY_ENDPOINT\)/,
    ],
    [
      "a managed identity endpoint and client-id: that user-assigned identity",
      { "client-id": CLIENT.toUpperCase(), "subscription-id": SUBSCRIPTION },
      runner({ managedIdentityVariable: "IMDS_ENDPOINT" }),
      { kind: "managed-identity", clientId: CLIENT },
      /IMDS_ENDPOINT/,
    ],
  ])("%s", (_, inputs, facts, method, reason) => {
    const settings = parseSignInSettings(raw(inputs), facts);

    expect(settings.method).toEqual(method);
    expect(settings.reason).toMatch(reason);
  });

  it("lists what each way needs when nothing is there, and says a VM needs auth-type", () => {
    const error = refusal({ "subscription-id": SUBSCRIPTION });

    expect(error.message).toBe("No way to sign in to Azure was found (auth-type: auto).");
    for (const needed of [
      /OIDC .*'client-id' and 'tenant-id'/,
      /id-token: write\n\s+contents: read/,
      /'client-secret', or 'creds'/,
      /azure\/login step/,
      /'auth-type: managed-identity'.*IMDS sets no variable/s,
    ]) {
      expect(error.remedy).toMatch(needed);
    }
  });

  it("points client-id and tenant-id without GitHub's variables at the permission", () => {
    const error = refusal({ ...ids, "subscription-id": SUBSCRIPTION });

    expect(describeFailure(error)).toMatch(
      /'client-id' and 'tenant-id' \(OIDC\) needs GitHub's OIDC token[^]*permissions:\n {4}id-token: write\n {4}contents: read/,
    );
  });
});

describe("auth-type given", () => {
  it.each<[string, Raw, RunnerFacts, RegExp, RegExp]>([
    [
      "oidc without GitHub's variables",
      { "auth-type": "oidc", ...ids, "subscription-id": SUBSCRIPTION },
      runner({ cli: true }),
      /'auth-type: oidc' needs GitHub's OIDC token.*ACTIONS_ID_TOKEN_REQUEST_URL is not set/,
      /permissions:\n {4}id-token: write\n {4}contents: read/,
    ],
    [
      "oidc without a tenant",
      { "auth-type": "oidc", "client-id": CLIENT, "subscription-id": SUBSCRIPTION },
      runner({ oidcAvailable: true }),
      /Signing in with OIDC needs 'client-id', 'tenant-id'; missing: 'tenant-id'/,
      /federated credential trusts this repository/,
    ],
    [
      "azure-cli with no CLI session",
      { "auth-type": "azure-cli" },
      runner({ oidcAvailable: true }),
      /found no Azure CLI session/,
      /azure\/login@v2.*AZURE_CONFIG_DIR/s,
    ],
    [
      "service-principal without a secret",
      { "auth-type": "service-principal", ...ids, "subscription-id": SUBSCRIPTION },
      runner({ oidcAvailable: true }),
      /missing: 'client-secret'\.$/,
      /secrets\.AZURE_CLIENT_SECRET.*'creds'/,
    ],
    [
      "an auth-type that does not exist",
      { "auth-type": "password", ...ids, "subscription-id": SUBSCRIPTION },
      runner(),
      /Input 'auth-type' is not a way to sign in: "password"/,
      /auto, oidc, service-principal, azure-cli, managed-identity/,
    ],
    [
      "an audience with a space",
      { "auth-type": "oidc", ...ids, audience: "api://a b", "subscription-id": SUBSCRIPTION },
      runner({ oidcAvailable: true }),
      /Input 'audience' contains whitespace/,
      /api:\/\/AzureADTokenExchange/,
    ],
  ])("refuses %s", (_, inputs, facts, message, remedy) => {
    const error = refusal(inputs, facts);

    expect(error.message).toMatch(message);
    expect(error.remedy).toMatch(remedy);
  });

  it("takes a managed identity without any endpoint variable (a VM's IMDS has none)", () => {
    const settings = parseSignInSettings(
      raw({ "auth-type": "managed-identity", "subscription-id": SUBSCRIPTION }),
      runner(),
    );

    expect(settings.method).toEqual({ kind: "managed-identity", clientId: undefined });
  });
});

describe("creds and separate inputs", () => {
  it("lets each separate input win over its field of creds", () => {
    const settings = parseSignInSettings(
      raw({ creds: creds(), "client-secret": SECRET, "subscription-id": OTHER_SUBSCRIPTION }),
      runner(),
    );

    expect(settings.method).toMatchObject({ clientId: CLIENT, clientSecret: SECRET });
    expect(settings.subscriptionId).toBe(OTHER_SUBSCRIPTION);
    expect(settings.subscriptionSource).toBe("'subscription-id'");
  });

  it("takes the cloud from creds' endpoints unless an input names one", () => {
    const sovereign = creds({
      resourceManagerEndpointUrl: "https://management.usgovcloudapi.net/",
      activeDirectoryEndpointUrl: "https://login.microsoftonline.us",
    });

    const fromCreds = parseSignInSettings(raw({ creds: sovereign }), runner());
    const fromInput = parseSignInSettings(
      raw({ creds: sovereign, environment: "AzureChinaCloud" }),
      runner(),
    );

    expect(fromCreds.cloud).toEqual({ kind: "named", cloud: NamedClouds.AzureUSGovernment });
    expect(fromInput.cloud).toEqual({ kind: "named", cloud: NamedClouds.AzureChinaCloud });
  });

  it("names creds' field when its value is wrong", () => {
    const error = refusal({ creds: creds({ tenantId: "contoso" }) });

    expect(error.message).toBe(`Input 'creds.tenantId' is not a GUID: "contoso".`);
  });
});

describe("the subscription", () => {
  it.each<[string, Raw, RunnerFacts, string | undefined, string]>([
    [
      "subscription-id first",
      { ...ids, "client-secret": SECRET, "subscription-id": SUBSCRIPTION, creds: creds() },
      runner({ subscriptionIdVariable: OTHER_SUBSCRIPTION }),
      SUBSCRIPTION,
      "'subscription-id'",
    ],
    [
      "then creds",
      { creds: creds() },
      runner({ subscriptionIdVariable: OTHER_SUBSCRIPTION }),
      SUBSCRIPTION,
      "'creds.subscriptionId'",
    ],
    [
      "then AZURE_SUBSCRIPTION_ID",
      { ...ids, "client-secret": SECRET },
      runner({ subscriptionIdVariable: OTHER_SUBSCRIPTION.toUpperCase(), cli: true }),
      OTHER_SUBSCRIPTION,
      "AZURE_SUBSCRIPTION_ID",
    ],
    [
      "then the Azure CLI's, when signing in with it",
      {},
      runner({ cli: true }),
      undefined,
      "the Azure CLI's current subscription",
    ],
  ])("%s", (_, inputs, facts, subscriptionId, source) => {
    const settings = parseSignInSettings(raw(inputs), facts);

    expect(settings.subscriptionId).toBe(subscriptionId);
    expect(settings.subscriptionSource).toBe(source);
  });

  it("is required otherwise, with every place it can come from", () => {
    const error = refusal({ ...ids, "client-secret": SECRET });

    expect(error.message).toBe("Input 'subscription-id' is required but was not set.");
    expect(error.remedy).toMatch(/'subscriptionId' in 'creds'.*AZURE_SUBSCRIPTION_ID/);
  });

  it("reports every sign-in problem at once", () => {
    const error = refusal({
      ...ids,
      "client-secret": SECRET,
      environment: "Mars",
      "subscription-id": "nope",
    });

    expect(error).toBeInstanceOf(SignInProblems);
    expect((error as SignInProblems).problems.map((p) => p.message)).toEqual([
      `Input 'environment' is not an Azure cloud: "Mars".`,
      `Input 'subscription-id' is not a GUID: "nope".`,
    ]);
  });
});

describe("parseCreds", () => {
  it("reads azure/login's JSON, extra fields and all", () => {
    expect(parseCreds(creds({ galleryEndpointUrl: "https://gallery.azure.com/" }))).toEqual({
      clientId: CLIENT,
      clientSecret: CREDS_SECRET,
      tenantId: TENANT,
      subscriptionId: SUBSCRIPTION,
      resourceManagerEndpointUrl: "",
      activeDirectoryEndpointUrl: "",
    });
  });

  it.each([
    [
      "not JSON",
      `{"clientSecret": "${CREDS_SECRET}", clientId}`,
      /is not valid JSON \(error at character \d+\)/,
    ],
    ["cut short", `{"clientSecret": "${CREDS_SECRET}"`, /is not valid JSON/],
    ["an array", `["${CREDS_SECRET}"]`, /must be a JSON object/],
    ["a string", JSON.stringify(CREDS_SECRET), /must be a JSON object/],
    [
      "without clientId and tenantId",
      JSON.stringify({ clientSecret: CREDS_SECRET }),
      /lacks 'clientId', 'tenantId'/,
    ],
    ["with an empty secret", creds({ clientSecret: "" }), /lacks 'clientSecret'/],
    [
      "with a numeric subscription",
      creds({ subscriptionId: 42 }),
      /'subscriptionId' that is not a string/,
    ],
  ])("refuses creds %s, without showing them", (_, text, message) => {
    let error: unknown;
    try {
      parseCreds(text);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ActionError);
    const shown = describeFailure(error);
    expect(shown).toMatch(message);
    expect(shown).toMatch(/secrets\.AZURE_CREDENTIALS/);
    expect(shown).not.toContain(CREDS_SECRET);
  });

  it.each([
    [creds(), CREDS_SECRET],
    ["{not json", undefined],
    [JSON.stringify({ clientSecret: 7 }), undefined],
  ])("finds the secret to mask in %j", (text, secret) => {
    expect(credsSecret(text)).toBe(secret);
  });
});

describe("the runner", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "auth-runner-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sees GitHub's OIDC variables only when both are set", () => {
    const url = "https://token.example/idtoken?api-version=2.0";
    expect(probeRunner({ ACTIONS_ID_TOKEN_REQUEST_URL: url }).oidcAvailable).toBe(false);
    expect(
      probeRunner({ ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t" })
        .oidcAvailable,
    ).toBe(true);
  });

  it.each([
    [{}, undefined],
    [{ IDENTITY_ENDPOINT: "" }, undefined],
    [{ MSI_ENDPOINT: "http://x" }, "MSI_ENDPOINT"],
    [{ IMDS_ENDPOINT: "http://x", IDENTITY_ENDPOINT: "http://x" }, "IDENTITY_ENDPOINT"],
  ])("finds a managed identity endpoint in %j", (env, found) => {
    expect(probeRunner(env).managedIdentityVariable).toBe(found);
  });

  it.each<[string, string | undefined, boolean]>([
    ["no profile", undefined, false],
    [
      "a profile with an account, byte order mark and all",
      `\uFEFF{"subscriptions":[{"id":"x"}]}`,
      true,
    ],
    ["a profile after az logout", `{"subscriptions":[]}`, false],
    ["a broken profile", `{"subscriptions":`, false],
  ])("reads the CLI's session from %s", async (_, profile, signedIn) => {
    if (profile !== undefined) await writeFile(join(dir, "azureProfile.json"), profile);

    expect(cliProfileHasAccount(dir)).toBe(signedIn);
    expect(probeRunner({ AZURE_CONFIG_DIR: dir }).cliSignedIn()).toBe(signedIn);
  });
});
