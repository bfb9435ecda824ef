import { randomUUID } from "node:crypto";
import type { ArmCall, ArmContext } from "./arm-context.ts";
import { ArmError, armErrors } from "./arm-errors.ts";
import { handleAuthorization, splitAuthorizationPath } from "./authorization.ts";
import { headerValue, type EmulatorRequest, type EmulatorResponse } from "./exchange.ts";
import { handleResourceGraph, isResourceGraphPath } from "./resource-graph.ts";
import { handleResources } from "./resources.ts";
import { bearerToken } from "./tokens.ts";

/**
 * ARM's front door: authenticate the bearer token, require an api-version, route to a resource
 * provider, and put ARM's tracking headers on every answer, errors included. Any api-version is
 * accepted: the SDKs each pin their own, and the emulator must not break when they move.
 */
export function handleArm(request: EmulatorRequest, context: ArmContext): EmulatorResponse {
  const headers = trackingHeaders(request);
  let caller: string | undefined;
  try {
    caller = authenticate(request, context);
    const apiVersion = request.query.get("api-version");
    if (!apiVersion) throw armErrors.missingApiVersion();
    const response = route({ request, context, caller, apiVersion });
    return { ...response, headers: { ...headers, ...response.headers }, callerObjectId: caller };
  } catch (error) {
    if (!(error instanceof ArmError)) throw error;
    const challenge: Record<string, string> =
      error.status === 401 ? { "www-authenticate": bearerChallenge(context, error) } : {};
    return {
      status: error.status,
      headers: { ...headers, ...challenge, ...error.headers },
      body: error.toBody(),
      callerObjectId: caller,
    };
  }
}

function route(call: ArmCall): EmulatorResponse {
  const authorizationPath = splitAuthorizationPath(call.request.segments, call.apiVersion);
  if (authorizationPath) return handleAuthorization(call, authorizationPath);
  if (isResourceGraphPath(call.request.segments)) return handleResourceGraph(call);
  return handleResources(call);
}

/** The caller's object id, or the 401 ARM answers for a missing, bad or foreign token. */
function authenticate(request: EmulatorRequest, { tokens, baseUrl, state }: ArmContext): string {
  const authorization = headerValue(request, "authorization");
  if (!authorization) throw armErrors.missingAuthorization();
  const token = bearerToken(authorization);
  if (!token) throw armErrors.malformedAuthorization();
  const check = tokens.check(token);
  if (!check.valid) {
    if (check.reason === "expired") {
      throw armErrors.expiredToken(new Date(check.claims.exp * 1000), state.now());
    }
    throw armErrors.invalidToken();
  }
  // ARM accepts its resource URI with and without the trailing slash, and nothing else.
  const audiences = [`${baseUrl}/`, baseUrl];
  if (!audiences.includes(check.claims.aud)) {
    throw armErrors.wrongAudience(check.claims.aud, audiences);
  }
  if (check.claims.tid !== state.tenantId || !state.principal(check.claims.oid)) {
    throw armErrors.invalidToken();
  }
  return check.claims.oid;
}

function trackingHeaders(request: EmulatorRequest): Record<string, string> {
  const clientRequestId = headerValue(request, "x-ms-client-request-id");
  return {
    "x-ms-correlation-request-id":
      headerValue(request, "x-ms-correlation-request-id") ?? clientRequestId ?? randomUUID(),
    ...(clientRequestId && { "x-ms-client-request-id": clientRequestId }),
    "cache-control": "no-cache",
    pragma: "no-cache",
    expires: "-1",
  };
}

/** ARM's `WWW-Authenticate` on a 401, pointing clients at the authority to get a token from. */
function bearerChallenge({ baseUrl, state }: ArmContext, error: ArmError): string {
  const description = error.message.replaceAll('"', "'");
  return `Bearer authorization_uri="${baseUrl}/${state.tenantId}", error="invalid_token", error_description="${description}"`;
}
