/**
 * Where tokens and secrets may go: which audiences belong to Azure's named clouds, which sign-in
 * hosts share a custom endpoint's domain, the token host policy, and the forms of a secret.
 */
import {
  createHttpHeaders,
  createPipelineRequest,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { describe, expect, it } from "@jest/globals";
import { cloudFromMetadata, NamedClouds, parseCloudChoice } from "../../src/auth/cloud.ts";
import {
  checkedCloudName,
  namedAudienceOf,
  onSameDomain,
  sameArmEndpoint,
} from "../../src/auth/endpoint-rules.ts";
import { secretForms, withoutEchoedRequest } from "../../src/auth/secrets.ts";
import { tokenHostPolicy } from "../../src/azure/token-host-policy.ts";
import { describeFailure } from "../../src/errors.ts";

describe("namedAudienceOf", () => {
  it.each<[string, string | undefined]>([
    ["https://management.azure.com/", "AzureCloud's ARM"],
    ["https://management.azure.com", "AzureCloud's ARM"],
    ["HTTPS://Management.Azure.Com//", "AzureCloud's ARM"],
    ["https://management.azure.com/.default", "AzureCloud's ARM"],
    ["https://management.core.windows.net/", "AzureCloud's ARM"],
    ["https://management.usgovcloudapi.net/", "AzureUSGovernment's ARM"],
    ["https://management.core.usgovcloudapi.net", "AzureUSGovernment's ARM"],
    ["https://management.chinacloudapi.cn", "AzureChinaCloud's ARM"],
    ["https://management.core.chinacloudapi.cn/", "AzureChinaCloud's ARM"],
    ["https://graph.microsoft.com/", "AzureCloud's Microsoft Graph"],
    ["https://management.azure.com./", "AzureCloud's ARM"],
    ["797f4846-ba00-4fd7-ba43-dac1f8f63013", "Azure's ARM (Windows Azure Service Management API)"],
    ["https://management.local.azurestack.external/", undefined],
    ["https://management.contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155", undefined],
    ["https://management.azure.com.evil.test/", undefined],
    ["https://127.0.0.1:8443/", undefined],
    ["not a url", undefined],
  ])("%s: %s", (audience, claimed) => {
    expect(namedAudienceOf(audience)).toBe(claimed);
  });

  it.each<[string, string, string | undefined]>([
    [
      "https://vault.azure.net",
      "https://management.stack.test",
      "a service of Microsoft's clouds (vault.azure.net)",
    ],
    [
      "https://x.blob.core.windows.net/",
      "https://management.stack.test",
      "a service of Microsoft's clouds (x.blob.core.windows.net)",
    ],
    [
      "https://arm.myvm.westeurope.cloudapp.azure.com/",
      "https://arm.myvm.westeurope.cloudapp.azure.com",
      undefined,
    ],
    [
      "https://other.westeurope.cloudapp.azure.com/",
      "https://arm.myvm.westeurope.cloudapp.azure.com",
      "a service of Microsoft's clouds (other.westeurope.cloudapp.azure.com)",
    ],
    ["https://management.contoso.onmicrosoft.com/app", "https://management.stack.test", undefined],
  ])("%s for %s: %s", (audience, endpoint, claimed) => {
    expect(namedAudienceOf(audience, endpoint)).toBe(claimed);
  });
});

describe("onSameDomain", () => {
  it.each<[string, string, string, boolean]>([
    [
      "the same host",
      "https://management.region.stack.test",
      "https://management.region.stack.test",
      true,
    ],
    [
      "Azure Stack Hub's AD FS",
      "https://management.region.stack.test",
      "https://adfs.region.stack.test",
      true,
    ],
    [
      "the parent domain",
      "https://management.region.stack.test",
      "https://region.stack.test",
      true,
    ],
    [
      "another port of a host name",
      "https://management.region.stack.test",
      "https://login.region.stack.test:8443",
      true,
    ],
    [
      "any case, a trailing dot",
      "https://MANAGEMENT.region.stack.test",
      "https://adfs.Region.Stack.Test.",
      true,
    ],
    [
      "a sibling region",
      "https://management.region.stack.test",
      "https://adfs.other.stack.test",
      false,
    ],
    [
      "a look-alike suffix",
      "https://management.region.stack.test",
      "https://adfs.evilregion.stack.test",
      false,
    ],
    [
      "a two-label host: only under itself",
      "https://contoso.test",
      "https://login.contoso.test",
      true,
    ],
    ["a two-label host's neighbour", "https://arm.contoso.test", "https://login.test", false],
    [
      "a single-label parent is no domain",
      "https://management.example",
      "https://login.example",
      false,
    ],
    ["the same IP and port", "https://127.0.0.1:8443", "https://127.0.0.1:8443", true],
    ["the same IP, another port", "https://127.0.0.1:8443", "https://127.0.0.1:9443", false],
    ["another IP", "https://10.0.0.1", "https://10.0.0.2", false],
    ["a name for an IP", "https://127.0.0.1:8443", "https://localhost:8443", false],
    ["IPv6", "https://[::1]:8443", "https://[::1]:8443", true],
    ["plain http", "https://management.region.stack.test", "http://adfs.region.stack.test", false],
    [
      "Microsoft's Entra ID is not the endpoint's domain",
      "https://management.region.stack.test",
      "https://login.microsoftonline.com",
      false,
    ],
  ])("%s", (_, endpoint, other, same) => {
    expect(onSameDomain(endpoint, other)).toBe(same);
  });
});

describe("sameArmEndpoint", () => {
  // [endpoint asked, resourceManager listed, the same?]
  it.each<[string, unknown, boolean]>([
    ["https://management.region.stack.test", "https://management.region.stack.test/", true],
    ["https://management.region.stack.test", "https://management.region.stack.test", true],
    ["https://management.region.stack.test", "HTTPS://Management.Region.STACK.test//", true],
    ["https://management.region.stack.test", "https://management.region.stack.test:443/", true],
    ["https://arm.example.test:8443", "https://ARM.example.test:8443/", true],
    ["https://127.0.0.1:4443", "https://127.0.0.1:4443/", true],
    ["https://[::1]:4443", "https://[0:0:0:0:0:0:0:1]:4443", true],
    ["https://arm.example.test:8443", "https://arm.example.test/", false],
    ["https://arm.example.test", "https://arm.example.test:8443/", false],
    ["https://127.0.0.1:4443", "https://127.0.0.1:4444/", false],
    ["https://management.region.stack.test", "http://management.region.stack.test/", false],
    ["https://management.region.stack.test", "https://management.region.stack.test/arm", false],
    ["https://management.region.stack.test", "https://management.region.stack.test/?x=1", false],
    ["https://management.region.stack.test", "https://user@management.region.stack.test/", false],
    [
      "https://management.region.stack.test",
      "https://management.region.stack.test.evil.test/",
      false,
    ],
    ["https://management.region.stack.test", "https://management.region.stack.test./", false],
    ["https://management.region.stack.test", "management.region.stack.test", false],
    ["https://management.region.stack.test", "", false],
    ["https://management.region.stack.test", undefined, false],
    ["https://management.region.stack.test", 443, false],
  ])("%s and %j: %s", (asked, listed, same) => {
    expect(sameArmEndpoint(asked, listed)).toBe(same);
  });
});

describe("checkedCloudName", () => {
  const named = Object.keys(NamedClouds);
  it.each<[unknown, string]>([
    ["AzureStack-User-1234", "AzureStack-User-1234"],
    ["AzureCloud", "AzureStack"],
    ["azureusgovernment", "AzureStack"],
    ["Evil\n::add-mask::x", "AzureStack"],
    ["a".repeat(65), "AzureStack"],
    [42, "AzureStack"],
  ])("%j: %s", (raw, name) => {
    expect(checkedCloudName(raw, named, "AzureStack")).toBe(name);
  });
});

describe("cloudFromMetadata refuses what a custom endpoint may not claim", () => {
  const endpoint = "https://management.region.stack.test";
  const custom = {
    kind: "custom",
    resourceManagerEndpoint: endpoint,
    authorityHost: undefined,
  } as const;
  const metadata = (authentication: Record<string, unknown>) => ({
    authentication: {
      loginEndpoint: "https://login.microsoftonline.com/",
      audiences: ["https://management.contoso.onmicrosoft.com/app"],
      identityProvider: "AAD",
      ...authentication,
    },
  });

  it.each<[string, Record<string, unknown>, string | undefined, RegExp]>([
    [
      "the public ARM audience",
      { audiences: ["https://management.azure.com/"] },
      undefined,
      /is AzureCloud's ARM/,
    ],
    [
      "the classic audience, with authority-host",
      { audiences: ["https://management.core.windows.net/"] },
      "https://login.microsoftonline.com",
      /is AzureCloud's ARM/,
    ],
    [
      "the US Gov audience",
      { audiences: ["https://MANAGEMENT.usgovcloudapi.net"] },
      undefined,
      /AzureUSGovernment's ARM/,
    ],
    [
      "a foreign sign-in host",
      { loginEndpoint: "https://login.attacker.test/" },
      undefined,
      /names "https:\/\/login\.attacker\.test" as its sign-in host/,
    ],
    [
      "a sign-in host over http",
      { loginEndpoint: "http://adfs.region.stack.test/" },
      undefined,
      /as its sign-in host/,
    ],
  ])("%s", (_, authentication, authorityHost, message) => {
    expect(() => cloudFromMetadata({ ...custom, authorityHost }, metadata(authentication))).toThrow(
      message,
    );
  });

  it.each<[string, Record<string, unknown>, string | undefined, string]>([
    ["Microsoft's Entra ID", {}, undefined, "https://login.microsoftonline.com"],
    [
      "a host on the endpoint's domain",
      { loginEndpoint: "https://login.region.stack.test/" },
      undefined,
      "https://login.region.stack.test",
    ],
    [
      "authority-host over a foreign one",
      { loginEndpoint: "https://login.attacker.test/" },
      "https://login.example.test",
      "https://login.example.test",
    ],
  ])("takes %s as the sign-in host", (_, authentication, authorityHost, host) => {
    expect(
      cloudFromMetadata({ ...custom, authorityHost }, metadata(authentication)).authorityHost,
    ).toBe(host);
  });

  it("names the fix: authority-host", () => {
    let failure: unknown;
    try {
      cloudFromMetadata(custom, metadata({ loginEndpoint: "https://login.attacker.test/" }));
    } catch (error) {
      failure = error;
    }

    expect(describeFailure(failure)).toMatch(/How to fix: Set 'authority-host'/);
  });

  it("a named cloud's ARM host with AzureStack is that cloud, its metadata never read", () => {
    expect(parseCloudChoice("AzureStack", "https://management.azure.com/", "")).toEqual({
      kind: "named",
      cloud: NamedClouds.AzureCloud,
    });
  });
});

describe("tokenHostPolicy", () => {
  const policy = tokenHostPolicy(["https://arm.test", "https://graph.test"]);
  const answer =
    (status: number, location?: string) =>
    async (request: PipelineRequest): Promise<PipelineResponse> => ({
      request,
      status,
      headers: createHttpHeaders(location ? { location } : {}),
    });
  const request = (url: string, token: boolean) =>
    createPipelineRequest({
      url,
      headers: createHttpHeaders(token ? { authorization: "Bearer x" } : {}),
    });

  it.each<[string, string, boolean, number, string | undefined, RegExp | undefined]>([
    ["a token to ARM", "https://arm.test/subscriptions", true, 200, undefined, undefined],
    ["a token to Graph", "https://graph.test/v1.0/x", true, 200, undefined, undefined],
    ["no token anywhere", "https://elsewhere.test/x", false, 200, undefined, undefined],
    [
      "a token to another host",
      "https://elsewhere.test/x",
      true,
      200,
      undefined,
      /Refused to send the run's token to "https:\/\/elsewhere\.test"/,
    ],
    ["a token to another port", "https://arm.test:8443/x", true, 200, undefined, /Refused/],
    ["a token over http", "http://arm.test/x", true, 200, undefined, /Refused/],
    ["a redirect on the same host", "https://arm.test/a", true, 302, "/b", undefined],
    [
      "a redirect to another host",
      "https://arm.test/a",
      true,
      302,
      "https://elsewhere.test/b",
      /redirect \(302\) to "https:\/\/elsewhere\.test"/,
    ],
  ])("%s", async (_, url, token, status, location, refused) => {
    const sent = policy.sendRequest(request(url, token), answer(status, location));

    if (refused) await expect(sent).rejects.toThrow(refused);
    else await expect(sent).resolves.toMatchObject({ status });
  });
});

describe("secrets", () => {
  it("lists the forms a token request and an echo may carry", () => {
    expect(secretForms("a+b/c=d%e&f$ g~")).toEqual([
      "a+b/c=d%e&f$ g~",
      "a%2Bb%2Fc%3Dd%25e%26f%24%20g~",
      "a%2bb%2fc%3dd%25e%26f%24%20g~",
      "a%2Bb%2Fc%3Dd%25e%26f%24+g%7E",
      "a%2bb%2fc%3dd%25e%26f%24+g%7e",
      "a%252Bb%252Fc%253Dd%2525e%2526f%2524%2520g~",
    ]);
    expect(secretForms("")).toEqual([]);
  });

  it.each<[string, string, string]>([
    [
      "an echoed form body",
      "AADSTS7000215: Invalid client secret provided. Request: grant_type=client_credentials&client_secret=s%2Bx-secret",
      "AADSTS7000215: Invalid client secret provided. (the rest of the answer echoed the request and is not shown)",
    ],
    [
      "a secret quoted alone",
      'AADSTS7000215: Invalid client secret "s+x-secret" provided.',
      'AADSTS7000215: Invalid client secret "***" provided.',
    ],
    [
      "nothing echoed",
      "AADSTS700016: Application not found.",
      "AADSTS700016: Application not found.",
    ],
  ])("cuts %s", (_, line, shown) => {
    expect(withoutEchoedRequest(line, ["s+x-secret"])).toBe(shown);
  });
});
