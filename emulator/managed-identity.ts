import {
  headerValue,
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
} from "./exchange.ts";
import type { Identities } from "./identities.ts";
import type { TokenAuthority } from "./tokens.ts";

/**
 * The managed identity endpoints of an Azure machine, on loopback:
 *
 * - IMDS (VMs and scale sets): `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=`
 *   with `Metadata: true`. Clients find it at 169.254.169.254; `AZURE_POD_IDENTITY_AUTHORITY_HOST`
 *   points @azure/identity (MSAL) here instead.
 * - App Service style (also used by Arc-less container hosts): `GET /msi/token?api-version=2019-08-01&resource=`
 *   with `X-IDENTITY-HEADER`; clients find it through `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`.
 *
 * User-assigned identities are picked with `client_id` (also `object_id`/`principal_id`,
 * `msi_res_id`/`mi_res_id`); none of them means the system-assigned identity. IMDS error bodies
 * follow learn.microsoft.com's "How to use managed identities ... on an Azure VM to acquire an
 * access token" (400 `invalid_request`, "Identity not found").
 */
export interface ManagedIdentityContext {
  readonly identities: Identities;
  readonly tokens: TokenAuthority;
  readonly tenantId: string;
  readonly baseUrl: string;
}

/** Managed identity tokens live about a day. */
const TOKEN_LIFETIME_SECONDS = 86_399;

export function isManagedIdentityPath(segments: readonly string[]): boolean {
  const path = segments.join("/").toLowerCase();
  return path === "metadata/identity/oauth2/token" || path === "msi/token";
}

export function handleManagedIdentity(
  request: EmulatorRequest,
  context: ManagedIdentityContext,
): EmulatorResponse {
  const imds = request.segments[0]?.toLowerCase() === "metadata";
  if (request.method !== "GET") return invalidRequest(405, "Only GET is supported");
  if (imds && headerValue(request, "metadata")?.toLowerCase() !== "true") {
    return invalidRequest(400, "Required metadata header not specified");
  }
  if (!imds && headerValue(request, "x-identity-header") !== context.identities.identityHeader) {
    return jsonResponse(401, {
      statusCode: 401,
      message: "Unauthorized: X-IDENTITY-HEADER is missing or wrong",
    });
  }
  const resource = request.query.get("resource");
  if (!resource) return invalidRequest(400, "Required query variable 'resource' is missing");
  const query = request.query;
  const identity = context.identities.managedIdentity({
    clientId: query.get("client_id") ?? query.get("clientid") ?? undefined,
    objectId: query.get("object_id") ?? query.get("principal_id") ?? undefined,
    resourceId: query.get("msi_res_id") ?? query.get("mi_res_id") ?? undefined,
  });
  if (!identity) return invalidRequest(400, "Identity not found");

  const { token, claims } = context.tokens.issue({
    audience: resource.replace(/\/\.default$/, ""),
    issuer: `${context.baseUrl}/${context.tenantId}/`,
    tenantId: context.tenantId,
    appId: identity.clientId,
    objectId: identity.objectId,
    lifetime: TOKEN_LIFETIME_SECONDS,
  });
  return {
    status: 200,
    body: {
      access_token: token,
      client_id: identity.clientId,
      expires_in: String(TOKEN_LIFETIME_SECONDS),
      expires_on: String(claims.exp),
      ext_expires_in: String(TOKEN_LIFETIME_SECONDS),
      not_before: String(claims.nbf),
      resource,
      token_type: "Bearer",
    },
    callerObjectId: identity.objectId,
  };
}

function invalidRequest(status: number, description: string): EmulatorResponse {
  return jsonResponse(status, { error: "invalid_request", error_description: description });
}
