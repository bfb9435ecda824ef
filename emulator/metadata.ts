import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "./exchange.ts";

/**
 * ARM's cloud metadata endpoint, `GET /metadata/endpoints?api-version=...`, as Azure Stack Hub
 * and the public cloud serve it: how clients of a custom cloud learn its sign-in host, token
 * audience and Graph. The emulated cloud's ARM, sign-in host and Graph are all this server, and
 * its one token audience is its own URL (ARM here accepts nothing else).
 *
 * Shapes by api-version, unless a form is chosen (`CloudMetadataForm`):
 * - `2022-09-01` (and later): one object, as Azure Stack Hub answers and as read by
 *   hashicorp/go-azure-sdk's metadata client (`authentication.{loginEndpoint, audiences, tenant,
 *   identityProvider}`, `resourceManager`, `microsoftGraphResourceId`, `graph`, `suffixes`, ...);
 * - `2019-05-01`: an array of such objects (here the emulated cloud alone), as read by the Azure
 *   CLI's `_arm_to_cli_mapper`;
 * - `2015-01-01`: the older single object (`galleryEndpoint`, `graphEndpoint`,
 *   `authentication.{loginEndpoint, audiences}`), as read by msrestazure's
 *   `_populate_from_metadata_endpoint` behind `az cloud register --endpoint-resource-manager`.
 *   A chosen form leaves this one as it is.
 */
export const EMULATED_CLOUD_NAME = "AzureEmulator";

/**
 * The answer's form from `2019-05-01` on, whatever the api-version: `object`, the emulated cloud
 * alone, as Azure Stack Hub answers; `array`, every cloud, as the public cloud's ARM answers
 * (Azure's named clouds, then the emulated one).
 */
export type CloudMetadataForm = "object" | "array";

export const CLOUD_METADATA_FORMS: readonly CloudMetadataForm[] = ["object", "array"];

/**
 * What one cloud's entry claims instead of the emulator's own values: another cloud's token
 * audience, a foreign sign-in host, a name, another ARM endpoint.
 */
export interface CloudEntryOverrides {
  readonly audiences?: readonly string[];
  readonly loginEndpoint?: string;
  readonly name?: string;
  readonly microsoftGraphResourceId?: string;
  /** The ARM endpoint the entry names (`resourceManager`); the emulator's URL (`{url}/`) if omitted. */
  readonly resourceManager?: string;
}

/** What a hostile or misconfigured endpoint may answer instead of the truth. */
export interface CloudMetadataOverrides extends CloudEntryOverrides {
  /** The form of the answer; the seed's (`cloudMetadataForm`) if omitted, else by api-version. */
  readonly form?: CloudMetadataForm;
  /**
   * Array form only: entries listed after the emulated cloud's, each a copy of it (overrides
   * included) with these fields instead. Two entries for the emulator's URL, say, or a long list.
   */
  readonly moreClouds?: readonly CloudEntryOverrides[];
}

/** The emulated cloud, as its metadata describes it. */
export interface MetadataSite {
  /** The emulator's URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The seed's (`azurecr.io` unless it names another cloud's). */
  readonly acrLoginServerSuffix: string;
  /** The seed's or the options' choice (`cloudMetadataForm`); by api-version if omitted. */
  readonly form?: CloudMetadataForm;
}

/**
 * Azure's named clouds as the public cloud's ARM lists them: their real ARM endpoints, sign-in
 * hosts, token audiences (the classic service management host first, as ARM lists them), Graph
 * and registry suffixes. The fields that only other services read are left out.
 */
const AZURE_CLOUDS = [
  {
    portal: "https://portal.azure.com",
    authentication: {
      loginEndpoint: "https://login.microsoftonline.com",
      audiences: ["https://management.core.windows.net/", "https://management.azure.com/"],
      tenant: "common",
      identityProvider: "AAD",
    },
    graphAudience: "https://graph.windows.net/",
    graph: "https://graph.windows.net/",
    name: "AzureCloud",
    suffixes: {
      acrLoginServer: "azurecr.io",
      keyVaultDns: "vault.azure.net",
      storage: "core.windows.net",
      sqlServerHostname: "database.windows.net",
    },
    resourceManager: "https://management.azure.com/",
    microsoftGraphResourceId: "https://graph.microsoft.com/",
  },
  {
    portal: "https://portal.azure.cn",
    authentication: {
      loginEndpoint: "https://login.chinacloudapi.cn",
      audiences: [
        "https://management.core.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
      ],
      tenant: "common",
      identityProvider: "AAD",
    },
    graphAudience: "https://graph.chinacloudapi.cn/",
    graph: "https://graph.chinacloudapi.cn/",
    name: "AzureChinaCloud",
    suffixes: {
      acrLoginServer: "azurecr.cn",
      keyVaultDns: "vault.azure.cn",
      storage: "core.chinacloudapi.cn",
      sqlServerHostname: "database.chinacloudapi.cn",
    },
    resourceManager: "https://management.chinacloudapi.cn",
    microsoftGraphResourceId: "https://microsoftgraph.chinacloudapi.cn",
  },
  {
    portal: "https://portal.azure.us",
    authentication: {
      loginEndpoint: "https://login.microsoftonline.us",
      audiences: [
        "https://management.core.usgovcloudapi.net",
        "https://management.usgovcloudapi.net",
      ],
      tenant: "common",
      identityProvider: "AAD",
    },
    graphAudience: "https://graph.windows.net/",
    graph: "https://graph.windows.net/",
    name: "AzureUSGovernment",
    suffixes: {
      acrLoginServer: "azurecr.us",
      keyVaultDns: "vault.usgovcloudapi.net",
      storage: "core.usgovcloudapi.net",
      sqlServerHostname: "database.usgovcloudapi.net",
    },
    resourceManager: "https://management.usgovcloudapi.net",
    microsoftGraphResourceId: "https://graph.microsoft.us/",
  },
] as const;

export function isMetadataPath(segments: readonly string[]): boolean {
  return segments.join("/").toLowerCase() === "metadata/endpoints";
}

export function handleMetadata(
  request: EmulatorRequest,
  site: MetadataSite,
  overrides: CloudMetadataOverrides = {},
): EmulatorResponse {
  if (request.method !== "GET") {
    return jsonResponse(405, {
      error: { code: "MethodNotAllowed", message: "The metadata endpoint only answers GET." },
    });
  }
  const apiVersion = request.query.get("api-version");
  if (!apiVersion) {
    return jsonResponse(400, {
      error: {
        code: "MissingApiVersionParameter",
        message: "The api-version query parameter (?api-version=) is required for all requests.",
      },
    });
  }
  const root = `${site.baseUrl}/`;
  if (apiVersion < "2019-05-01") {
    return jsonResponse(200, {
      galleryEndpoint: root,
      graphEndpoint: root,
      portalEndpoint: root,
      authentication: {
        loginEndpoint: overrides.loginEndpoint ?? root,
        audiences: overrides.audiences ?? [root],
      },
    });
  }
  const emulated = emulatedCloud(site, overrides);
  switch (overrides.form ?? site.form) {
    case "object":
      return jsonResponse(200, emulated);
    case "array": {
      const more = (overrides.moreClouds ?? []).map((entry) =>
        emulatedCloud(site, { ...overrides, ...entry }),
      );
      return jsonResponse(200, [...AZURE_CLOUDS, emulated, ...more]);
    }
    case undefined:
      return jsonResponse(200, apiVersion < "2022-09-01" ? [emulated] : emulated);
  }
}

/** The emulated cloud's entry, with what `entry` claims instead. */
function emulatedCloud(site: MetadataSite, entry: CloudEntryOverrides) {
  const root = `${site.baseUrl}/`;
  return {
    portal: root,
    authentication: {
      loginEndpoint: entry.loginEndpoint ?? root,
      audiences: entry.audiences ?? [root],
      tenant: "common",
      identityProvider: "AAD",
    },
    media: root,
    graphAudience: root,
    graph: root,
    name: entry.name ?? EMULATED_CLOUD_NAME,
    suffixes: {
      acrLoginServer: site.acrLoginServerSuffix,
      keyVaultDns: "vault.azure.net",
      storage: "core.windows.net",
      sqlServerHostname: "database.windows.net",
    },
    batch: root,
    resourceManager: entry.resourceManager ?? root,
    vmImageAliasDoc: root,
    activeDirectoryDataLake: root,
    sqlManagement: root,
    microsoftGraphResourceId: entry.microsoftGraphResourceId ?? root,
    appInsightsResourceId: root,
    appInsightsTelemetryChannelResourceId: root,
    attestationResourceId: root,
    synapseAnalyticsResourceId: root,
    logAnalyticsResourceId: root,
    ossrDbmsResourceId: root,
  };
}
