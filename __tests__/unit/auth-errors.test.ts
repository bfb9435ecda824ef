/**
 * What a failed sign-in tells the user to set, per Entra ID error code and per way of signing
 * in; and how GitHub's ID tokens are reused (within one sign-in) and masked.
 */
import { describe, expect, it } from "@jest/globals";
import { NamedClouds } from "../../src/auth/cloud.ts";
import { freshIdTokens } from "../../src/auth/credential.ts";
import { toSignInError } from "../../src/auth/errors.ts";
import type { SignInMethod } from "../../src/auth/strategy.ts";
import { describeFailure } from "../../src/errors.ts";

const CLIENT = "3f6b2c1d-7e4a-4b59-8d2c-1a9e8f7b6c04";
const TENANT = "0b8b2a44-3c7e-4a0e-9f51-7d2d3f6c1a01";
const secret: SignInMethod = {
  kind: "service-principal",
  clientId: CLIENT,
  tenantId: TENANT,
  clientSecret: "s",
};
const oidc: SignInMethod = {
  kind: "oidc",
  clientId: CLIENT,
  tenantId: TENANT,
  audience: "api://custom",
};
const cli: SignInMethod = { kind: "azure-cli", tenantId: undefined };
const system: SignInMethod = { kind: "managed-identity", clientId: undefined };
const user: SignInMethod = { kind: "managed-identity", clientId: CLIENT };

function authenticationError(message: string): Error {
  const error = new Error(message);
  error.name = "AuthenticationError";
  return error;
}

function entra(code: number, text: string): Error {
  return authenticationError(
    `ClientSecretCredential authentication failed: AADSTS${code}: ${text}\r\nTrace ID: x\r\nCorrelation ID: y`,
  );
}

describe("toSignInError", () => {
  // [case, method, thrown, message, remedy]
  it.each<[string, SignInMethod, Error, RegExp, RegExp]>([
    [
      "a wrong secret",
      secret,
      entra(7000215, "Invalid client secret provided."),
      /^Sign-in to Entra ID \(https:\/\/login\.microsoftonline\.com\) failed: .*AADSTS7000215: Invalid client secret provided\.$/,
      /'client-secret' \(or creds\.clientSecret\) holds the secret's value/,
    ],
    [
      "an unknown tenant",
      secret,
      entra(90002, "Tenant 'x' not found."),
      /AADSTS90002/,
      /Check 'tenant-id': no such tenant in AzureCloud.*'environment'/,
    ],
    [
      "a tenant MSAL could not resolve",
      oidc,
      authenticationError(
        "ClientAssertionCredential authentication failed: endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details",
      ),
      new RegExp(`could not describe tenant ${TENANT}`),
      /Check 'tenant-id'.*'environment' \(or 'authority-host'\)/,
    ],
    [
      "a federated credential for another audience",
      oidc,
      entra(
        700212,
        "No matching federated identity record found for presented assertion audience 'api://custom'.",
      ),
      /AADSTS700212/,
      /issued for audience 'api:\/\/custom'.*set 'audience'/,
    ],
    [
      "a subject no federated credential names",
      oidc,
      entra(
        700213,
        "No matching federated identity record found for presented assertion subject 'repo:o/r:ref:refs/heads/dev'.",
      ),
      /subject 'repo:o\/r:ref:refs\/heads\/dev'/,
      /repo:OWNER\/REPO:ref:refs\/heads\/BRANCH.*repo:OWNER\/REPO:environment:NAME/,
    ],
    [
      "an app that trusts no GitHub issuer",
      oidc,
      entra(
        700211,
        "No matching federated identity record found for presented assertion issuer 'https://x'.",
      ),
      /AADSTS700211/,
      /issuer https:\/\/token\.actions\.githubusercontent\.com/,
    ],
    [
      "GitHub's variables gone between the check and the request",
      oidc,
      new Error("Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"),
      /needs GitHub's OIDC token/,
      /id-token: write/,
    ],
    [
      "GitHub refusing the token request",
      oidc,
      new Error(
        "Error message: Failed to get ID Token. \n Error Code : 401\n Error Message: Unauthorized",
      ),
      /GitHub did not give the job an OIDC token/,
      /id-token: write/,
    ],
    [
      "no Azure CLI",
      cli,
      authenticationError("Azure CLI could not be found. Please visit https://aka.ms/azure-cli"),
      /needs the Azure CLI, which is not on this runner/,
      /azure\/login/,
    ],
    [
      "a CLI that is not signed in",
      cli,
      authenticationError(
        "Please run 'az login' from a command prompt to authenticate before using this credential.",
      ),
      /The Azure CLI is not signed in/,
      /azure\/login@v2/,
    ],
    [
      "a machine without a system-assigned identity",
      system,
      authenticationError(
        "ManagedIdentityCredential: Authentication failed. Message Identity not found",
      ),
      /machine's managed identity failed/,
      /no system-assigned identity: enable it, or set 'client-id'/,
    ],
    [
      "a user-assigned identity the machine does not have",
      user,
      authenticationError(
        "ManagedIdentityCredential: Authentication failed. Message Identity not found",
      ),
      /Identity not found/,
      new RegExp(`client id ${CLIENT} is attached.*check 'client-id'`),
    ],
    [
      "an unknown failure behind a proxy",
      secret,
      authenticationError("ClientSecretCredential authentication failed: network_error"),
      /network_error/,
      /HTTPS_PROXY, NO_PROXY/,
    ],
  ])("says what to set on %s", (_, method, thrown, message, remedy) => {
    const error = toSignInError(thrown, method, NamedClouds.AzureCloud);

    expect(error.message).toMatch(message);
    expect(error.remedy).toMatch(remedy);
    expect(describeFailure(error)).not.toMatch(/Trace ID|Correlation ID/);
  });

  it("says a timeout is a timeout", () => {
    const abort = new Error("The operation was aborted.");
    abort.name = "AbortError";

    expect(describeFailure(toSignInError(abort, secret, NamedClouds.AzureUSGovernment))).toMatch(
      /Timed out while signing in to https:\/\/login\.microsoftonline\.us[^]*timeout-seconds/,
    );
  });
});

describe("freshIdTokens", () => {
  /** A GitHub-like token endpoint whose tokens expire `lifetimeMs` after issue. */
  function gitHub(lifetimeMs: number) {
    let issued = 0;
    const masked: string[] = [];
    return {
      masked,
      hooks: {
        mask: (value: string) => void masked.push(value),
        getIdToken: async (audience: string) => {
          issued += 1;
          const payload = { aud: audience, exp: (Date.now() + lifetimeMs) / 1000, n: issued };
          return `h.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.s${issued}`;
        },
      },
    };
  }

  it("presents the same token again within a sign-in, masked once", async () => {
    const github = gitHub(5 * 60 * 1000);
    const assertion = freshIdTokens("api://AzureADTokenExchange", github.hooks);

    const first = await assertion();
    const second = await assertion();

    expect(second).toBe(first);
    expect(github.masked).toEqual([first]);
  });

  it("asks for a new token once the last is near its expiry", async () => {
    const github = gitHub(3 * 60 * 1000);
    const assertion = freshIdTokens("api://AzureADTokenExchange", github.hooks);

    const first = await assertion();
    const second = await assertion();

    expect(second).not.toBe(first);
    expect(github.masked).toEqual([first, second]);
  });
});
