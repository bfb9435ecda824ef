import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "./exchange.ts";
import type { DirectoryPrincipal, EmulatorState } from "./state.ts";

/**
 * The Microsoft Graph v1.0 queries the Azure CLI sends while it assigns a role: a service
 * principal by one of its `servicePrincipalNames` (`$filter=servicePrincipalNames/any(c:c eq
 * '{name}')`, how `az` resolves an assignee given as an app id), and
 * `POST /v1.0/directoryObjects/getByIds` (how it learns what kind of object an id is). The
 * directory holds service principals only (users and groups are not modelled).
 */

/** Graph's `@odata.type` of each object type `getByIds` may be asked for. */
const SERVICE_PRINCIPAL_ODATA_TYPE = "#microsoft.graph.servicePrincipal";
const KNOWN_TYPES = new Set(["user", "group", "serviceprincipal", "application", "device"]);
/** Graph's limit on `ids` per call. */
const MAX_IDS = 1000;

type GraphBody = (principal: DirectoryPrincipal) => Record<string, unknown>;
type GraphErrorOf = (status: number, code: string, message: string) => EmulatorResponse;

/** The name in `servicePrincipalNames/any(c:c eq '{name}')`, or undefined for another filter. */
export function servicePrincipalNameFilter(filter: string): string | undefined {
  const match =
    /^\s*servicePrincipalNames\/any\(\s*(\w+)\s*:\s*(\w+)\s+eq\s+'([^']*)'\s*\)\s*$/i.exec(filter);
  if (!match || match[1] !== match[2]) return undefined;
  return match[3];
}

export function isGetByIdsPath(request: EmulatorRequest): boolean {
  const [, collection, action, ...rest] = request.segments;
  return (
    rest.length === 0 &&
    collection?.toLowerCase() === "directoryobjects" &&
    action?.toLowerCase() === "getbyids"
  );
}

/**
 * `POST /v1.0/directoryObjects/getByIds` with `{ids, types?}`: the objects found, in no
 * particular order, each with its `@odata.type`; ids not found are left out, as Graph does.
 */
export function getByIds(
  request: EmulatorRequest,
  state: EmulatorState,
  baseUrl: string,
  bodyOf: GraphBody,
  errorOf: GraphErrorOf,
): EmulatorResponse {
  if (request.method !== "POST") {
    return errorOf(405, "Request_BadRequest", "Unsupported method.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString("utf8"));
  } catch {
    return errorOf(400, "BadRequest", "Unable to read JSON request payload.");
  }
  const { ids, types } = (parsed ?? {}) as { ids?: unknown; types?: unknown };
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
    return errorOf(400, "Request_BadRequest", "Invalid value specified for property 'ids'.");
  }
  if (ids.length > MAX_IDS) {
    return errorOf(400, "Request_BadRequest", `Number of ids exceeds the limit of ${MAX_IDS}.`);
  }
  const wanted = Array.isArray(types) ? types.map((t) => String(t).toLowerCase()) : undefined;
  const unknown = wanted?.find((type) => !KNOWN_TYPES.has(type));
  if (unknown !== undefined) {
    return errorOf(
      400,
      "Request_BadRequest",
      `Invalid value specified for property 'types': '${unknown}'.`,
    );
  }
  const servicePrincipalsWanted = wanted === undefined || wanted.includes("serviceprincipal");
  const found = servicePrincipalsWanted
    ? ids.flatMap((id) => {
        const principal = state.principal(id);
        return principal ? [principal] : [];
      })
    : [];
  return jsonResponse(200, {
    "@odata.context": `${baseUrl}/v1.0/$metadata#directoryObjects`,
    value: found.map((principal) => ({
      "@odata.type": SERVICE_PRINCIPAL_ODATA_TYPE,
      ...bodyOf(principal),
    })),
  });
}
