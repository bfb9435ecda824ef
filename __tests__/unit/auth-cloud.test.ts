/**
 * Which cloud: the named clouds' table, `environment` and the endpoints that select or override
 * it, and a custom cloud from its ARM metadata.
 */
import { describe, expect, it } from "@jest/globals";
import {
  armScope,
  cloudFromMetadata,
  NamedClouds,
  needsInstanceDiscovery,
  parseCloudChoice,
  type CloudChoice,
} from "../../src/auth/cloud.ts";
import { ActionError, describeFailure } from "../../src/errors.ts";

describe("parseCloudChoice", () => {
  // [case, environment, resource-manager-endpoint, authority-host, choice]
  it.each<[string, string, string, string, CloudChoice]>([
    ["nothing: the public cloud", "", "", "", { kind: "named", cloud: NamedClouds.AzureCloud }],
    [
      "AzureUSGovernment",
      "AzureUSGovernment",
      "",
      "",
      { kind: "named", cloud: NamedClouds.AzureUSGovernment },
    ],
    [
      "azurechinacloud, as azure/login spells it",
      "azurechinacloud",
      "",
      "",
      { kind: "named", cloud: NamedClouds.AzureChinaCloud },
    ],
    [
      "a named cloud's ARM endpoint: that cloud",
      "",
      "https://management.usgovcloudapi.net/",
      "",
      { kind: "named", cloud: NamedClouds.AzureUSGovernment },
    ],
    [
      "a named cloud with another sign-in host",
      "AzureCloud",
      "",
      "https://login.example.test",
      {
        kind: "named",
        cloud: { ...NamedClouds.AzureCloud, authorityHost: "https://login.example.test" },
      },
    ],
    [
      "any other ARM endpoint: a custom cloud",
      "",
      "https://management.local.azurestack.external",
      "",
      {
        kind: "custom",
        resourceManagerEndpoint: "https://management.local.azurestack.external",
        authorityHost: undefined,
      },
    ],
    [
      "AzureStack with its endpoint and a sign-in host",
      "AzureStack",
      "https://ARM.Example.test:8443/",
      "https://login.example.test/",
      {
        kind: "custom",
        resourceManagerEndpoint: "https://arm.example.test:8443",
        authorityHost: "https://login.example.test",
      },
    ],
  ])("%s", (_, environment, endpoint, authority, choice) => {
    expect(parseCloudChoice(environment, endpoint, authority)).toEqual(choice);
  });

  it.each<[string, string, string, RegExp, RegExp]>([
    [
      "an unknown environment",
      "AzureMars",
      "",
      /^Input 'environment' is not an Azure cloud: "AzureMars"\.$/,
      /AzureCloud, AzureUSGovernment, AzureChinaCloud, AzureStack/,
    ],
    ["the German cloud", "AzureGermanCloud", "", /closed in 2021/, /AzureCloud, AzureUSGovernment/],
    [
      "AzureStack without its endpoint",
      "AzureStack",
      "",
      /'environment: AzureStack' needs 'resource-manager-endpoint'/,
      /https:\/\/management\.<region>\.<fqdn>/,
    ],
    [
      "a sovereign cloud with another cloud's endpoint",
      "AzureChinaCloud",
      "https://management.azure.com",
      /'environment: AzureChinaCloud' uses https:\/\/management\.chinacloudapi\.cn, but 'resource-manager-endpoint' says "https:\/\/management\.azure\.com"/,
      /Keep one/,
    ],
    [
      "an http endpoint",
      "",
      "http://management.example.test",
      /Input 'resource-manager-endpoint' must use https/,
      /https URL with no path/,
    ],
  ])("refuses %s", (_, environment, endpoint, message, remedy) => {
    let error: unknown;
    try {
      parseCloudChoice(environment, endpoint, "");
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(message);
    expect((error as ActionError).remedy).toMatch(remedy);
  });
});

describe("cloudFromMetadata", () => {
  const custom = {
    kind: "custom",
    resourceManagerEndpoint: "https://management.local.azurestack.external",
    authorityHost: undefined,
  } as const;
  // Azure Stack Hub with Entra ID: the audience is an app id URI, not the ARM endpoint.
  const stackMetadata = {
    name: "AzureStack-User-1234",
    authentication: {
      loginEndpoint: "https://login.microsoftonline.com/",
      audiences: [
        "https://management.contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155",
      ],
      tenant: "common",
      identityProvider: "AAD",
    },
    resourceManager: "https://management.local.azurestack.external/",
  };

  it("takes the sign-in host and the token audience from the metadata", () => {
    const cloud = cloudFromMetadata(custom, stackMetadata);

    expect(cloud).toEqual({
      name: "AzureStack-User-1234",
      resourceManagerEndpoint: "https://management.local.azurestack.external",
      authorityHost: "https://login.microsoftonline.com",
      resourceManagerAudience:
        "https://management.contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155",
      graphEndpoint: "https://graph.microsoft.com",
    });
    expect(armScope(cloud)).toBe(
      "https://management.contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155/.default",
    );
  });

  it("keeps authority-host over the metadata's, and reads Graph when it is there", () => {
    const cloud = cloudFromMetadata(
      { ...custom, authorityHost: "https://login.example.test" },
      { ...stackMetadata, microsoftGraphResourceId: "https://graph.example.test/" },
    );

    expect(cloud.authorityHost).toBe("https://login.example.test");
    expect(cloud.graphEndpoint).toBe("https://graph.example.test");
  });

  it.each([
    [
      "no audiences",
      { authentication: { loginEndpoint: "https://login.example.test/" } },
      /no authentication\.audiences/,
    ],
    [
      "no sign-in host",
      { authentication: { audiences: ["https://arm/"] } },
      /no authentication\.loginEndpoint/,
    ],
    ["not an object", "<html>", /no authentication\.audiences/],
    [
      "AD FS identity",
      { authentication: { ...stackMetadata.authentication, identityProvider: "ADFS" } },
      /signs in with AD FS, which this action does not support/,
    ],
  ])("refuses metadata with %s", (_, body, message) => {
    expect(() => cloudFromMetadata(custom, body)).toThrow(message);
    try {
      cloudFromMetadata(custom, body);
    } catch (error) {
      expect(describeFailure(error)).toMatch(/resource-manager-endpoint|Entra ID|az role/);
    }
  });
});

describe("the named clouds", () => {
  it.each([
    ["AzureCloud", "https://management.azure.com/.default", true],
    ["AzureUSGovernment", "https://management.usgovcloudapi.net/.default", true],
    ["AzureChinaCloud", "https://management.chinacloudapi.cn/.default", true],
  ] as const)("%s asks for %s, validating its sign-in host", (name, scope, discovery) => {
    expect(armScope(NamedClouds[name])).toBe(scope);
    expect(needsInstanceDiscovery(NamedClouds[name])).toBe(discovery);
  });

  it("turns instance discovery off for a host Microsoft does not know", () => {
    expect(needsInstanceDiscovery({ authorityHost: "https://127.0.0.1:8443" })).toBe(false);
  });
});
