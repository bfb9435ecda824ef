/**
 * The sign-in strategies and the factory that picks one: auth-type's names and azure/login's
 * aliases, auto's order as a list, and each strategy describing the method it parsed.
 */
import { describe, expect, it } from "@jest/globals";
import { NamedClouds } from "../../src/auth/cloud.ts";
import { SignInInputs, type RawSignInInputs } from "../../src/auth/inputs.ts";
import type { RunnerFacts } from "../../src/auth/runner.ts";
import {
  AUTO_ORDER,
  chooseSignIn,
  parseAuthType,
  strategyOf,
  type AuthType,
} from "../../src/auth/strategies/factory.ts";
import type { SignInContext, SignInKind } from "../../src/auth/strategy.ts";

const CLIENT = "3f6b2c1d-7e4a-4b59-8d2c-1a9e8f7b6c04";
const TENANT = "0b8b2a44-3c7e-4a0e-9f51-7d2d3f6c1a01";

function context(
  inputs: Partial<Record<"client-id" | "tenant-id" | "client-secret", string>>,
  facts: { oidc?: boolean; cli?: boolean; mi?: string } = {},
): SignInContext {
  const raw = {
    ...Object.fromEntries(Object.values(SignInInputs).map((name) => [name, ""])),
    ...inputs,
  } as RawSignInInputs;
  const runner: RunnerFacts = {
    oidcAvailable: facts.oidc ?? false,
    managedIdentityVariable: facts.mi,
    subscriptionIdVariable: "",
    cliSignedIn: () => facts.cli ?? false,
  };
  const sourced = (name: "client-id" | "tenant-id" | "client-secret") => ({
    value: raw[name],
    from: name,
  });
  return {
    raw,
    runner,
    creds: undefined,
    clientId: sourced(SignInInputs.ClientId),
    tenantId: sourced(SignInInputs.TenantId),
    clientSecret: sourced(SignInInputs.ClientSecret),
  };
}

describe("parseAuthType", () => {
  it.each<[string, AuthType]>([
    ["", "auto"],
    ["AUTO", "auto"],
    ["oidc", "oidc"],
    ["OIDC", "oidc"],
    ["service-principal", "service-principal"],
    ["SERVICE_PRINCIPAL", "service-principal"],
    ["service_principal", "service-principal"],
    ["IDENTITY", "managed-identity"],
    ["Identity", "managed-identity"],
    ["managed-identity", "managed-identity"],
    ["azure-cli", "azure-cli"],
  ])("%j is %s", (raw, type) => {
    expect(parseAuthType(raw)).toBe(type);
  });

  it.each(["password", "service principal", "identity-x"])(
    "refuses %j, listing the ways",
    (raw) => {
      expect(() => parseAuthType(raw)).toThrow(/is not a way to sign in/);
    },
  );
});

describe("the factory", () => {
  it("tries auto's ways in azure/login's order", () => {
    expect(AUTO_ORDER.map((strategy) => strategy.kind)).toEqual([
      "service-principal",
      "oidc",
      "azure-cli",
      "managed-identity",
    ]);
  });

  // [case, inputs, runner, the way auto picks]
  it.each<[string, Parameters<typeof context>[0], Parameters<typeof context>[1], SignInKind]>([
    [
      "a secret wins over everything",
      { "client-id": CLIENT, "tenant-id": TENANT, "client-secret": "s3cret-value" },
      { oidc: true, cli: true, mi: "IDENTITY_ENDPOINT" },
      "service-principal",
    ],
    [
      "ids and GitHub's token: OIDC",
      { "client-id": CLIENT, "tenant-id": TENANT },
      { oidc: true, cli: true },
      "oidc",
    ],
    [
      "ids without GitHub's token, a CLI session",
      { "client-id": CLIENT, "tenant-id": TENANT },
      { cli: true },
      "azure-cli",
    ],
    [
      "only a managed identity endpoint",
      { "client-id": CLIENT },
      { mi: "IDENTITY_ENDPOINT" },
      "managed-identity",
    ],
  ])("auto: %s", (_, inputs, facts, kind) => {
    const chosen = chooseSignIn("auto", context(inputs, facts));

    expect(chosen.method.kind).toBe(kind);
    expect(chosen.reason).toMatch(/^auth-type auto: /);
    expect(strategyOf(chosen.method).kind).toBe(kind);
  });

  it.each<[AuthType, Parameters<typeof context>[1], RegExp]>([
    ["oidc", {}, /needs GitHub's OIDC token/],
    ["azure-cli", {}, /found no Azure CLI session/],
  ])("auth-type %s asks the runner first", (type, facts, refused) => {
    expect(() =>
      chooseSignIn(type, context({ "client-id": CLIENT, "tenant-id": TENANT }, facts)),
    ).toThrow(refused);
  });

  it("each strategy describes its own method, and says where its secret goes", () => {
    const cloud = { ...NamedClouds.AzureCloud, authorityHost: "https://login.example.test" };
    const described = AUTO_ORDER.map((strategy) => {
      const { method } = chooseSignIn(
        strategy.kind,
        context(
          { "client-id": CLIENT, "tenant-id": TENANT, "client-secret": "s3cret-value" },
          { oidc: true, cli: true },
        ),
      );
      return [strategyOf(method).describe(method), strategyOf(method).destinations(cloud)];
    });

    expect(described).toEqual([
      [
        `a service principal secret (client id ${CLIENT})`,
        "the client secret goes only to https://login.example.test",
      ],
      [
        `OIDC (client id ${CLIENT}, audience api://AzureADTokenExchange)`,
        "GitHub's ID token goes only to https://login.example.test",
      ],
      ["the Azure CLI's session", "the Azure CLI signs in with its own session"],
      [
        `the user-assigned managed identity ${CLIENT}`,
        "they come from this machine's managed identity endpoint",
      ],
    ]);
  });
});
