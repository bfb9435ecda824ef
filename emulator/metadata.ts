import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "./exchange.ts";

/**
 * ARM's cloud metadata endpoint, `GET /metadata/endpoints?api-version=...`, as Azure Stack Hub
 * and the public cloud serve it: how clients of a custom cloud learn its sign-in host, token
 * audience and Graph. The emulated cloud's ARM, sign-in host and Graph are all this server, and
 * its one token audience is its own URL (ARM here accepts nothing else).
 *
 * Shapes by api-version:
 * - `2022-09-01` (and later): one object, as read by hashicorp/go-azure-sdk's metadata client
 *   (`authentication.{loginEndpoint, audiences, tenant, identityProvider}`, `resourceManager`,
 *   `microsoftGraphResourceId`, `graph`, `suffixes`, ...);
 * - `2019-05-01`: an array of such objects (one per cloud), as read by the Azure CLI's
 *   `_arm_to_cli_mapper`;
 * - `2015-01-01`: the older single object (`galleryEndpoint`, `graphEndpoint`,
 *   `authentication.{loginEndpoint, audiences}`), as read by msrestazure's
 *   `_populate_from_metadata_endpoint` behind `az cloud register --endpoint-resource-manager`.
 */
export const EMULATED_CLOUD_NAME = "AzureEmulator";

/**
 * What a hostile or misconfigured endpoint may claim in its metadata, served instead of the
 * emulator's own values: another cloud's token audience, a foreign sign-in host, a name.
 */
export interface CloudMetadataOverrides {
  readonly audiences?: readonly string[];
  readonly loginEndpoint?: string;
  readonly name?: string;
  readonly microsoftGraphResourceId?: string;
}

export function isMetadataPath(segments: readonly string[]): boolean {
  return segments.join("/").toLowerCase() === "metadata/endpoints";
}

/** `acrLoginServerSuffix` is the seed's (`azurecr.io` unless it names another cloud's). */
export function handleMetadata(
  request: EmulatorRequest,
  baseUrl: string,
  acrLoginServerSuffix = "azurecr.io",
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
  const root = `${baseUrl}/`;
  const loginEndpoint = overrides.loginEndpoint ?? root;
  const audiences = overrides.audiences ?? [root];
  if (apiVersion < "2019-05-01") {
    return jsonResponse(200, {
      galleryEndpoint: root,
      graphEndpoint: root,
      portalEndpoint: root,
      authentication: { loginEndpoint, audiences },
    });
  }
  const cloud = {
    portal: root,
    authentication: {
      loginEndpoint,
      audiences,
      tenant: "common",
      identityProvider: "AAD",
    },
    media: root,
    graphAudience: root,
    graph: root,
    name: overrides.name ?? EMULATED_CLOUD_NAME,
    suffixes: {
      acrLoginServer: acrLoginServerSuffix,
      keyVaultDns: "vault.azure.net",
      storage: "core.windows.net",
      sqlServerHostname: "database.windows.net",
    },
    batch: root,
    resourceManager: root,
    vmImageAliasDoc: root,
    activeDirectoryDataLake: root,
    sqlManagement: root,
    microsoftGraphResourceId: overrides.microsoftGraphResourceId ?? root,
    appInsightsResourceId: root,
    appInsightsTelemetryChannelResourceId: root,
    attestationResourceId: root,
    synapseAnalyticsResourceId: root,
    logAnalyticsResourceId: root,
    ossrDbmsResourceId: root,
  };
  return jsonResponse(200, apiVersion < "2022-09-01" ? [cloud] : cloud);
}
