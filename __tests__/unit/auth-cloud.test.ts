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

describe("cloudFromMetadata, from a list of clouds", () => {
  const endpoint = "https://management.local.azurestack.external";
  const custom = {
    kind: "custom",
    resourceManagerEndpoint: endpoint,
    authorityHost: undefined,
  } as const;
  /** A cloud as ARM's metadata lists it: name, ARM, sign-in host, token audiences, Graph. */
  const listed = (name: string, resourceManager: string, login: string, audiences: string[]) => ({
    name,
    resourceManager,
    authentication: { loginEndpoint: login, audiences, tenant: "common", identityProvider: "AAD" },
  });
  // The named clouds as the public cloud's ARM lists them (their real endpoints and audiences).
  const azureClouds = [
    listed("AzureCloud", "https://management.azure.com/", "https://login.microsoftonline.com", [
      "https://management.core.windows.net/",
      "https://management.azure.com/",
    ]),
    listed(
      "AzureChinaCloud",
      "https://management.chinacloudapi.cn",
      "https://login.chinacloudapi.cn",
      ["https://management.core.chinacloudapi.cn", "https://management.chinacloudapi.cn"],
    ),
    listed(
      "AzureUSGovernment",
      "https://management.usgovcloudapi.net",
      "https://login.microsoftonline.us",
      ["https://management.core.usgovcloudapi.net", "https://management.usgovcloudapi.net"],
    ),
  ];
  const stackAudience =
    "https://management.contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155";
  const stack = listed(
    "AzureStack-User-1234",
    `${endpoint}/`,
    "https://login.microsoftonline.com/",
    [stackAudience],
  );
  const stackCloud = {
    name: "AzureStack-User-1234",
    resourceManagerEndpoint: endpoint,
    authorityHost: "https://login.microsoftonline.com",
    resourceManagerAudience: stackAudience,
    graphEndpoint: "https://graph.microsoft.com",
  };

  /** The ActionError `cloudFromMetadata` throws for `body`, as the step would show it. */
  function refusal(body: unknown, choice: typeof custom = custom): ActionError {
    try {
      cloudFromMetadata(choice, body);
    } catch (error) {
      if (error instanceof ActionError) return error;
      throw error;
    }
    throw new Error("cloudFromMetadata accepted the metadata");
  }

  it.each<[string, unknown[]]>([
    ["alone", [stack]],
    ["first", [stack, ...azureClouds]],
    ["among Azure's own", [azureClouds[0], stack, azureClouds[1], azureClouds[2]]],
    ["last", [...azureClouds, stack]],
  ])("takes the entry whose resourceManager is the endpoint: %s", (_, clouds) => {
    expect(cloudFromMetadata(custom, clouds)).toEqual(stackCloud);
  });

  it("reads the same cloud from the list as from one object", () => {
    expect(cloudFromMetadata(custom, [...azureClouds, stack])).toEqual(
      cloudFromMetadata(custom, stack),
    );
  });

  it("matches the endpoint without case, with :443, without the slash", () => {
    const cloud = cloudFromMetadata(custom, [
      ...azureClouds,
      { ...stack, resourceManager: "HTTPS://MANAGEMENT.Local.AzureStack.External:443" },
    ]);

    expect(cloud.resourceManagerEndpoint).toBe(endpoint);
    expect(cloud.resourceManagerAudience).toBe(stackAudience);
  });

  // [case, the list, the message, the fix]
  it.each<[string, unknown[], RegExp, RegExp]>([
    [
      "Azure's clouds only",
      azureClouds,
      /^The cloud metadata at https:\/\/management\.local\.azurestack\.external\/metadata\/endpoints\?api-version=2022-09-01 lists 3 clouds, none with resourceManager https:\/\/management\.local\.azurestack\.external: "AzureCloud" at "https:\/\/management\.azure\.com\/", "AzureChinaCloud" at "https:\/\/management\.chinacloudapi\.cn", "AzureUSGovernment" at "https:\/\/management\.usgovcloudapi\.net"\.$/,
      /^Set 'resource-manager-endpoint' to the ARM endpoint of your cloud as its metadata lists it under resourceManager .* set 'environment'\.$/,
    ],
    [
      "the endpoint under a path",
      [{ ...stack, resourceManager: `${endpoint}/arm/` }],
      /lists 1 cloud, none with resourceManager .*: "AzureStack-User-1234" at "https:\/\/management\.local\.azurestack\.external\/arm\/"\.$/,
      /\(scheme, host and port; no path\)/,
    ],
    [
      "entries that are not clouds",
      [null, "cloud", 3, { name: 7 }],
      /lists 4 clouds, none with resourceManager .*: an entry that is not an object, an entry that is not an object, an entry that is not an object, unnamed at no resourceManager\.$/,
      /resource-manager-endpoint/,
    ],
    [
      "two entries for the endpoint",
      [
        azureClouds[0],
        { ...stack, name: "Stack-A" },
        azureClouds[1],
        { ...stack, name: "Stack-B", resourceManager: endpoint },
      ],
      /lists 2 clouds with resourceManager https:\/\/management\.local\.azurestack\.external \(of 4\): "Stack-A" at "https:\/\/management\.local\.azurestack\.external\/", "Stack-B" at "https:\/\/management\.local\.azurestack\.external"\. Which one's sign-in host/,
      /whoever runs https:\/\/management\.local\.azurestack\.external must list its cloud once/,
    ],
    ["no entry at all", [], /is an empty list of clouds/, /Check 'resource-manager-endpoint'/],
  ])("refuses a list with %s, saying what it held", (_, clouds, message, remedy) => {
    const error = refusal(clouds);

    expect(error.message).toMatch(message);
    expect(error.remedy).toMatch(remedy);
  });

  it("lists at most five clouds, counts the rest, and shows each as one short safe line", () => {
    const hostile = Array.from({ length: 40 }, (_, i) => ({
      ...azureClouds[0],
      name: `Cloud${i}\n::error::owned${"x".repeat(500)}`,
      resourceManager: `https://arm${i}.example.test/${"y".repeat(5000)}\r\n::add-mask::z`,
    }));

    const error = refusal(hostile);

    expect(error.message).toContain(", and 35 more.");
    expect(error.message.match(/"Cloud\d+/g)).toEqual([
      '"Cloud0',
      '"Cloud1',
      '"Cloud2',
      '"Cloud3',
      '"Cloud4',
    ]);
    expect(error.message).toContain("\\n::error::owned");
    expect(error.message).not.toMatch(/[\n\r]/);
    expect(error.message.length).toBeLessThan(1400);
    for (const line of describeFailure(error).split("\n")) expect(line).not.toMatch(/^\s*::/);
  });

  // [case, the endpoint's entry, the refusal]
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "claims the public ARM audience",
      { authentication: { ...stack.authentication, audiences: ["https://management.azure.com/"] } },
      /^Refusing to sign in: the cloud metadata at \S+ \(its entry for https:\/\/management\.local\.azurestack\.external, of 4 clouds listed\) says ARM tokens for \S+ have the audience "https:\/\/management\.azure\.com\/", which is AzureCloud's ARM\./,
    ],
    [
      "names a foreign sign-in host",
      {
        authentication: { ...stack.authentication, loginEndpoint: "https://login.attacker.test/" },
      },
      /^Refusing to sign in: the cloud metadata at \S+ \(its entry for \S+, of 4 clouds listed\) names "https:\/\/login\.attacker\.test" as its sign-in host/,
    ],
    [
      "has no audiences",
      { authentication: { loginEndpoint: "https://login.microsoftonline.com/" } },
      /^The cloud metadata at \S+ \(its entry for \S+, of 4 clouds listed\) has no authentication\.audiences/,
    ],
    [
      "signs in with AD FS",
      { authentication: { ...stack.authentication, identityProvider: "ADFS" } },
      /signs in with AD FS, which this action does not support/,
    ],
  ])(
    "holds the endpoint's entry to the same rules: one that %s is refused",
    (_, entry, message) => {
      expect(refusal([...azureClouds, { ...stack, ...entry }]).message).toMatch(message);
    },
  );

  it("never takes a named cloud's name from the endpoint's entry", () => {
    expect(cloudFromMetadata(custom, [...azureClouds, { ...stack, name: "AzureCloud" }]).name).toBe(
      "AzureStack",
    );
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
