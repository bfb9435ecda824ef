import { randomUUID } from "node:crypto";
import {
  jsonResponse,
  headerValue,
  type EmulatorRequest,
  type EmulatorResponse,
} from "./exchange.ts";
import { getByIds, isGetByIdsPath, servicePrincipalNameFilter } from "./graph-directory.ts";
import type { DirectoryPrincipal, EmulatorState } from "./state.ts";
import { bearerToken, type TokenAuthority } from "./tokens.ts";

/**
 * The slice of Microsoft Graph v1.0 the action may need: reading a service principal by its
 * appId (a legacy service-principal cluster names its client id, role assignments need the
 * object id). Graph's app permissions are not checked: any token of the tenant may read.
 */
export interface GraphContext {
  readonly state: EmulatorState;
  readonly tokens: TokenAuthority;
  readonly baseUrl: string;
}

export function isGraphPath(segments: readonly string[]): boolean {
  return segments[0]?.toLowerCase() === "v1.0";
}

export function handleGraph(request: EmulatorRequest, context: GraphContext): EmulatorResponse {
  const token = bearerToken(headerValue(request, "authorization"));
  if (!token)
    return graphError(request, 401, "InvalidAuthenticationToken", "Access token is empty.");
  const check = context.tokens.check(token);
  if (!check.valid) {
    const message =
      check.reason === "expired"
        ? "Lifetime validation failed, the token is expired."
        : "Access token validation failure.";
    return graphError(request, 401, "InvalidAuthenticationToken", message);
  }
  // Graph is served by the same host as ARM here, so its tokens carry this host as audience.
  if (![context.baseUrl, `${context.baseUrl}/`].includes(check.claims.aud)) {
    const message = "Access token validation failure. Invalid audience.";
    return graphError(request, 401, "InvalidAuthenticationToken", message);
  }
  const callerObjectId = check.claims.oid;
  if (isGetByIdsPath(request)) {
    const { state, baseUrl } = context;
    const errorOf = (status: number, code: string, message: string) =>
      graphError(request, status, code, message);
    const bodyOf = (principal: DirectoryPrincipal) => servicePrincipalBody(principal, state);
    return { ...getByIds(request, state, baseUrl, bodyOf, errorOf), callerObjectId };
  }
  if (request.method !== "GET") {
    return {
      ...graphError(request, 405, "Request_BadRequest", "Unsupported method."),
      callerObjectId,
    };
  }
  const response = routeGraph(request, context);
  return { ...response, callerObjectId };
}

function routeGraph(request: EmulatorRequest, { state, baseUrl }: GraphContext): EmulatorResponse {
  const [, collection, id, ...rest] = request.segments;
  const byAppId = /^servicePrincipals\(appId='([^']+)'\)$/i.exec(collection ?? "");
  if (byAppId && id === undefined) {
    const principal = state.principalByAppId(byAppId[1]);
    return principal
      ? jsonResponse(200, entity(principal, state, baseUrl))
      : notFound(request, byAppId[1]);
  }
  if (collection?.toLowerCase() !== "serviceprincipals" || rest.length > 0) {
    return graphError(
      request,
      400,
      "BadRequest",
      `Resource not found for the segment '${collection}'.`,
    );
  }
  if (id !== undefined) {
    const principal = state.principal(id);
    return principal ? jsonResponse(200, entity(principal, state, baseUrl)) : notFound(request, id);
  }
  const filter = request.query.get("$filter") ?? "";
  const match = /^\s*appId\s+eq\s+'([^']+)'\s*$/i.exec(filter);
  // A service principal's only servicePrincipalName here is its appId.
  const appId = match?.[1] ?? servicePrincipalNameFilter(filter);
  if (appId === undefined) {
    return graphError(request, 400, "Request_UnsupportedQuery", `Unsupported query: '${filter}'.`);
  }
  const principal = state.principalByAppId(appId);
  return jsonResponse(200, {
    "@odata.context": `${baseUrl}/v1.0/$metadata#servicePrincipals`,
    value: principal ? [servicePrincipalBody(principal, state)] : [],
  });
}

function entity(principal: DirectoryPrincipal, state: EmulatorState, baseUrl: string) {
  return {
    "@odata.context": `${baseUrl}/v1.0/$metadata#servicePrincipals/$entity`,
    ...servicePrincipalBody(principal, state),
  };
}

function servicePrincipalBody(principal: DirectoryPrincipal, state: EmulatorState) {
  return {
    id: principal.objectId,
    appId: principal.appId,
    displayName: principal.displayName,
    accountEnabled: true,
    appOwnerOrganizationId:
      principal.servicePrincipalType === "Application" ? state.tenantId : null,
    servicePrincipalType: principal.servicePrincipalType,
    servicePrincipalNames: [principal.appId],
  };
}

function notFound(request: EmulatorRequest, id: string): EmulatorResponse {
  return graphError(
    request,
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

function graphError(
  request: EmulatorRequest,
  status: number,
  code: string,
  message: string,
): EmulatorResponse {
  const requestId = randomUUID();
  const clientRequestId = headerValue(request, "client-request-id") ?? requestId;
  return jsonResponse(status, {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ""),
        "request-id": requestId,
        "client-request-id": clientRequestId,
      },
    },
  });
}
