import { pagedList, type ArmCall } from "./arm-context.ts";
import { ArmError, armErrors } from "./arm-errors.ts";
import type { EmulatorResponse } from "./exchange.ts";
import { authorize, isAuthorized } from "./rbac.ts";
import type { Subscription } from "./state.ts";

/**
 * The generic resources list of Microsoft.Resources, `GET /subscriptions/{sub}/resources` and
 * `GET /subscriptions/{sub}/resourceGroups/{rg}/resources` (api-version 2021-04-01), as the
 * Azure CLI uses it to find a registry by name: `$filter=resourceType eq '{type}'`, optionally
 * `and name eq '{name}'`. Items carry the top-level fields only (no `properties`), as ARM lists
 * them without `$expand`; a caller sees what it may read.
 */
export interface TypedBody {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly location?: string;
  readonly tags?: unknown;
  readonly sku?: unknown;
  readonly identity?: unknown;
  readonly kind?: string;
}

/** The provider's registered casing of each type, which the generic list reports. */
const REGISTERED_TYPES = new Map([
  ["microsoft.containerservice/managedclusters", "Microsoft.ContainerService/managedClusters"],
  ["microsoft.containerregistry/registries", "Microsoft.ContainerRegistry/registries"],
]);

interface GenericFilter {
  readonly resourceType?: string;
  readonly name?: string;
}

export function listGenericResources(
  call: ArmCall,
  subscription: Subscription,
  groupName: string | undefined,
  bodies: readonly TypedBody[],
): EmulatorResponse {
  if (call.request.method !== "GET") throw armErrors.methodNotAllowed(call.request.method);
  const { state } = call.context;
  const scope =
    groupName === undefined
      ? `/subscriptions/${subscription.subscriptionId}`
      : `/subscriptions/${subscription.subscriptionId}/resourceGroups/${groupName}`;
  if (groupName !== undefined && !state.resourceGroup(subscription.subscriptionId, groupName)) {
    authorize(state, call.caller, "Microsoft.Resources/subscriptions/resourceGroups/read", scope);
    throw armErrors.resourceGroupNotFound(groupName);
  }
  const filter = parseGenericFilter(call.request.query.get("$filter"));
  const items = bodies
    .map(genericItem)
    .filter(
      (item) =>
        (filter.resourceType === undefined ||
          item.type.toLowerCase() === filter.resourceType.toLowerCase()) &&
        (filter.name === undefined || item.name.toLowerCase() === filter.name.toLowerCase()),
    )
    .filter((item) => isAuthorized(state, call.caller, `${item.type}/read`, item.id));
  return pagedList(call, items);
}

/** `resourceType eq '...'`, `name eq '...'`, both joined by `and`, or none. */
function parseGenericFilter(raw: string | null): GenericFilter {
  if (raw === null || raw.trim() === "") return {};
  const filter: { resourceType?: string; name?: string } = {};
  for (const clause of raw.split(/\s+and\s+/i)) {
    const match = /^\s*(resourceType|name)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!match) throw invalidFilter(raw);
    const field = match[1].toLowerCase() === "name" ? "name" : "resourceType";
    filter[field] = match[2];
  }
  return filter;
}

function genericItem(body: TypedBody): TypedBody {
  const type = REGISTERED_TYPES.get(body.type.toLowerCase()) ?? body.type;
  return {
    id: body.id,
    name: body.name,
    type,
    ...(body.sku !== undefined && { sku: body.sku }),
    ...(body.kind !== undefined && { kind: body.kind }),
    ...(body.location !== undefined && { location: body.location }),
    ...(body.identity !== undefined && { identity: body.identity }),
    tags: body.tags ?? {},
  };
}

function invalidFilter(raw: string): ArmError {
  return new ArmError(
    400,
    "InvalidFilterInQueryString",
    `Invalid $filter '${raw}' specified in the query string.`,
  );
}
