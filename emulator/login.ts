import { randomUUID } from "node:crypto";
import {
  headerValue,
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
} from "./exchange.ts";
import type { IdTokenClaims } from "./github-oidc.ts";
import type { Identities } from "./identities.ts";
import type { DirectoryPrincipal, EmulatorState } from "./state.ts";
import type { TokenAuthority } from "./tokens.ts";

/** Entra ID's sign-in endpoints (`login.microsoftonline.com`), enough for MSAL to get tokens. */
export interface LoginContext {
  readonly state: EmulatorState;
  readonly tokens: TokenAuthority;
  /** `https://127.0.0.1:<port>`, the authority host. */
  readonly baseUrl: string;
  /** Federated credentials and the GitHub issuer whose tokens they trust. */
  readonly identities: Identities;
}

/** RFC 7523's client assertion type, the only one Entra ID takes. */
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** How far Entra ID lets an assertion's times drift (observed: a few minutes). */
const ASSERTION_CLOCK_SKEW_SECONDS = 300;

/** Entra ID issues app tokens for an hour, less the second MSAL expects it to shave off. */
const TOKEN_LIFETIME_SECONDS = 3599;

const LOGIN_SECOND_SEGMENTS = new Set(["oauth2", "v2.0", "discovery"]);

export function isLoginPath(segments: readonly string[]): boolean {
  if (segments[0]?.toLowerCase() === "adfs") return true;
  return segments.length >= 2 && LOGIN_SECOND_SEGMENTS.has(segments[1].toLowerCase());
}

export function handleLogin(request: EmulatorRequest, context: LoginContext): EmulatorResponse {
  const [tenant, ...rest] = request.segments;
  const route = rest.join("/").toLowerCase();
  // MSAL sends its correlation id as a query parameter; other clients use the header.
  const correlationId =
    request.query.get("client-request-id") ??
    headerValue(request, "client-request-id") ??
    randomUUID();
  const echo = { "client-request-id": correlationId };
  if (tenant.toLowerCase() === "common" && route === "discovery/instance") {
    return jsonResponse(200, instanceDiscovery(request, context), echo);
  }
  if (tenant.toLowerCase() === "adfs") return handleAdfs(request, route, context, correlationId);
  if (tenant.toLowerCase() !== context.state.tenantId) {
    return aadError(400, "invalid_tenant", 90002, tenantNotFound(tenant), correlationId);
  }
  if (request.method === "GET" && route === "v2.0/.well-known/openid-configuration") {
    return jsonResponse(200, openIdConfiguration(context), echo);
  }
  if (request.method === "GET" && route === "discovery/v2.0/keys") {
    // Tokens are HMAC-signed with a key that never leaves the emulator: nothing to publish.
    return jsonResponse(200, { keys: [] }, echo);
  }
  if (request.method === "POST" && route === "oauth2/v2.0/token") {
    return tokenEndpoint(request, context, correlationId);
  }
  if (route === "oauth2/v2.0/token") {
    const message = `The endpoint only accepts POST, OPTIONS requests. Received a ${request.method} request.`;
    return aadError(400, "invalid_request", 900561, message, correlationId);
  }
  return jsonResponse(404, {
    error: "not_found",
    error_description: `The emulator does not serve ${request.method} /${request.segments.join("/")}.`,
  });
}

function openIdConfiguration({ baseUrl, state }: LoginContext) {
  const tenantUrl = `${baseUrl}/${state.tenantId}`;
  return {
    token_endpoint: `${tenantUrl}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: [
      "client_secret_post",
      "private_key_jwt",
      "client_secret_basic",
    ],
    jwks_uri: `${tenantUrl}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    // MSAL refuses an issuer whose host differs from the authority's, so it is this server.
    issuer: `${tenantUrl}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${tenantUrl}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${tenantUrl}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${tenantUrl}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "tid",
      "ver",
    ],
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: new URL(baseUrl).host,
    rbac_url: "https://pas.windows.net",
  };
}

/** MSAL asks this only when instance discovery is left on and pointed here. */
function instanceDiscovery(request: EmulatorRequest, { baseUrl }: LoginContext) {
  const host = new URL(baseUrl).host;
  const authorize =
    request.query.get("authorization_endpoint") ?? `${baseUrl}/common/oauth2/v2.0/authorize`;
  const tenant = new URL(authorize).pathname.split("/").filter(Boolean)[0] ?? "common";
  return {
    tenant_discovery_endpoint: `${baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

/**
 * The same directory behind an AD FS-style authority, `/adfs`, as Azure Stack Hub
 * deployments with AD FS identity have. MSAL clients skip instance discovery for AD FS
 * authorities (MSAL Python validates any other unknown host against login.microsoftonline.com,
 * which a machine without internet cannot reach), so this is the authority the Azure CLI signs
 * in through when it is pointed at the emulator. Tokens are the ones the tenant issues.
 */
function handleAdfs(
  request: EmulatorRequest,
  route: string,
  context: LoginContext,
  correlationId: string,
): EmulatorResponse {
  const adfs = `${context.baseUrl}/adfs`;
  if (request.method === "GET" && route === ".well-known/openid-configuration") {
    return jsonResponse(200, {
      issuer: adfs,
      authorization_endpoint: `${adfs}/oauth2/authorize/`,
      token_endpoint: `${adfs}/oauth2/token/`,
      jwks_uri: `${adfs}/discovery/keys`,
      token_endpoint_auth_methods_supported: [
        "client_secret_post",
        "client_secret_basic",
        "private_key_jwt",
      ],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
      subject_types_supported: ["pairwise"],
      scopes_supported: ["openid", "profile", "email", "allatclaims"],
      id_token_signing_alg_values_supported: ["RS256"],
      access_token_issuer: `${context.baseUrl}/adfs/services/trust`,
    });
  }
  if (request.method === "GET" && route === "discovery/keys")
    return jsonResponse(200, { keys: [] });
  if (request.method === "POST" && route.replace(/\/$/, "") === "oauth2/token") {
    return tokenEndpoint(request, context, correlationId);
  }
  return jsonResponse(404, {
    error: "not_found",
    error_description: `The emulator does not serve ${request.method} /adfs/${route}.`,
  });
}

// --- the token endpoint ---

type TokenOutcome =
  | { readonly principal: DirectoryPrincipal; readonly audience: string }
  | { readonly error: EmulatorResponse };

/**
 * Grant types by name. `client_credentials` is the only one so far; the client's proof (secret
 * now, signed assertion later) is checked by `authenticateClient`, so new grants and new proofs
 * each add one function.
 */
const GRANTS: Record<
  string,
  (form: URLSearchParams, context: LoginContext, correlationId: string) => TokenOutcome
> = {
  client_credentials: clientCredentialsGrant,
};

function tokenEndpoint(
  request: EmulatorRequest,
  context: LoginContext,
  correlationId: string,
): EmulatorResponse {
  const form = new URLSearchParams(request.body.toString("utf8"));
  const grantType = form.get("grant_type") ?? "";
  const grant = GRANTS[grantType];
  if (!grant) {
    return aadError(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
      correlationId,
    );
  }
  const outcome = grant(form, context, correlationId);
  if ("error" in outcome) return outcome.error;
  const { principal, audience } = outcome;
  const { token } = context.tokens.issue({
    audience,
    issuer: `${context.baseUrl}/${context.state.tenantId}/`,
    tenantId: context.state.tenantId,
    appId: principal.appId,
    objectId: principal.objectId,
    lifetime: TOKEN_LIFETIME_SECONDS,
  });
  return {
    status: 200,
    headers: { "client-request-id": correlationId, "cache-control": "no-store, no-cache" },
    body: {
      token_type: "Bearer",
      expires_in: TOKEN_LIFETIME_SECONDS,
      ext_expires_in: TOKEN_LIFETIME_SECONDS,
      access_token: token,
    },
    callerObjectId: principal.objectId,
  };
}

function clientCredentialsGrant(
  form: URLSearchParams,
  context: LoginContext,
  correlationId: string,
): TokenOutcome {
  const client = authenticateClient(form, context, correlationId);
  if ("error" in client) return client;
  const audience = audienceOf(form.get("scope") ?? "");
  if (audience === undefined) {
    const scope = form.get("scope") ?? "";
    return {
      error: aadError(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        correlationId,
      ),
    };
  }
  return { principal: client.principal, audience };
}

/** Proves the client is who `client_id` says: with its secret, or a federated token (OIDC). */
function authenticateClient(
  form: URLSearchParams,
  context: LoginContext,
  correlationId: string,
): { principal: DirectoryPrincipal } | { error: EmulatorResponse } {
  const { state } = context;
  const clientId = form.get("client_id") ?? "";
  const principal = state.principalByAppId(clientId);
  if (!principal) {
    return {
      error: aadError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${state.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        correlationId,
      ),
    };
  }
  if (form.has("client_assertion")) return federatedClient(form, principal, context, correlationId);
  const secret = form.get("client_secret");
  if (secret === null) {
    return {
      error: aadError(
        401,
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        correlationId,
      ),
    };
  }
  if (principal.clientSecret === undefined || secret !== principal.clientSecret) {
    return {
      error: aadError(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${principal.appId}'.`,
        correlationId,
      ),
    };
  }
  if (
    principal.clientSecretExpiresAt !== undefined &&
    principal.clientSecretExpiresAt <= state.now().getTime()
  ) {
    return {
      error: aadError(
        401,
        "invalid_client",
        7000222,
        `The provided client secret keys for app '${principal.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
        correlationId,
      ),
    };
  }
  return { principal };
}

/**
 * Workload identity federation: the client proves itself with a token another issuer signed
 * (GitHub's OIDC token). Entra ID takes it when a federated credential of the app names its
 * issuer, its audience and, exactly, its subject, and the token is signed by that issuer and
 * within its time range. Each miss is the AADSTS error Entra ID answers with (messages as
 * reported in azure/login, azure-workload-identity and MSAL issues; 401 invalid_client).
 */
function federatedClient(
  form: URLSearchParams,
  principal: DirectoryPrincipal,
  context: LoginContext,
  correlationId: string,
): { principal: DirectoryPrincipal } | { error: EmulatorResponse } {
  const fail = (code: number, message: string, status = 401, error = "invalid_client") => ({
    error: aadError(status, error, code, message, correlationId),
  });
  const assertionType = form.get("client_assertion_type") ?? "";
  if (assertionType !== JWT_BEARER) {
    return fail(
      700023,
      `Invalid client_assertion_type '${assertionType}'; it must be '${JWT_BEARER}'.`,
      400,
      "invalid_request",
    );
  }
  const check = context.identities.github.check(form.get("client_assertion") ?? "");
  if (!check.valid && check.reason === "malformed") {
    return fail(50027, "JWT token is invalid or malformed.", 400, "invalid_request");
  }
  const issuer = check.valid ? check.claims.iss : (check.iss ?? "");
  const credentials = context.identities
    .federatedCredentials(principal.appId, context.baseUrl)
    .filter((credential) => credential.issuer === issuer);
  if (credentials.length === 0) {
    return fail(
      700211,
      `No matching federated identity record found for presented assertion issuer '${issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    );
  }
  if (!check.valid) return fail(700027, "Client assertion failed signature validation.");
  const claims: IdTokenClaims = check.claims;
  const now = context.state.now().getTime() / 1000;
  if (
    claims.exp + ASSERTION_CLOCK_SKEW_SECONDS <= now ||
    claims.nbf - ASSERTION_CLOCK_SKEW_SECONDS > now
  ) {
    const at = (seconds: number) =>
      new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, ".0000000Z");
    return fail(
      700024,
      `Client assertion is not within its valid time range. Current time: ${at(now)}, assertion valid from ${at(claims.nbf)}, expiry time of assertion ${at(claims.exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    );
  }
  const forAudience = credentials.filter((credential) => credential.audiences.includes(claims.aud));
  if (forAudience.length === 0) {
    return fail(
      700212,
      `No matching federated identity record found for presented assertion audience '${claims.aud}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    );
  }
  if (!forAudience.some((credential) => credential.subject === claims.sub)) {
    return fail(
      700213,
      `No matching federated identity record found for presented assertion subject '${claims.sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    );
  }
  return { principal };
}

/** `https://host/.default` → `https://host`; undefined unless there is exactly one `.default`. */
function audienceOf(scope: string): string | undefined {
  const oidcScopes = new Set(["openid", "profile", "offline_access", "email"]);
  const resourceScopes = scope.split(" ").filter((s) => s !== "" && !oidcScopes.has(s));
  if (resourceScopes.length !== 1 || !resourceScopes[0].endsWith("/.default")) return undefined;
  return resourceScopes[0].slice(0, -"/.default".length);
}

// --- errors ---

function tenantNotFound(tenant: string): string {
  return `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`;
}

/** Entra ID's error body: the AADSTS code leads the description, then trace ids and time. */
function aadError(
  status: number,
  error: string,
  code: number,
  message: string,
  correlationId: string,
): EmulatorResponse {
  const traceId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    status,
    headers: { "client-request-id": correlationId },
    body: {
      error,
      error_description: [
        `AADSTS${code}: ${message}`,
        `Trace ID: ${traceId}`,
        `Correlation ID: ${correlationId}`,
        `Timestamp: ${timestamp}`,
      ].join("\r\n"),
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
