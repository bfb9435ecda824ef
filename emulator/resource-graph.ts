import { createHash, randomUUID } from "node:crypto";
import { readJsonBody, type ArmCall } from "./arm-context.ts";
import { ArmError } from "./arm-errors.ts";
import { jsonResponse, type EmulatorResponse } from "./exchange.ts";
import { KqlError, parseQuery, runQuery, type Column, type Row } from "./kql.ts";
import { isAuthorized } from "./rbac.ts";
import { registryBody } from "./registries.ts";
import { clusterBody } from "./resources.ts";
import { isGuid } from "./seed.ts";
import type { EmulatorState } from "./state.ts";

/**
 * Azure Resource Graph's query endpoint, `POST /providers/Microsoft.ResourceGraph/resources`
 * (api-versions 2021-03-01, 2022-10-01 and 2024-04-01): one query across subscriptions, as the
 * action uses it to find a registry wherever the caller can see it.
 *
 * Request: `{subscriptions?: [...], query, options?: {$top, $skip, $skipToken, resultFormat}}`.
 * Response: `{totalRecords, count, resultTruncated: "true" | "false", $skipToken?, facets: [],
 * data}`, `data` being an array of objects (`objectArray`, the default) or `{columns, rows}`
 * (`table`). Rows are the managed clusters and registries of the listed subscriptions (all the
 * caller's when none are listed) that the caller may read, with `type` lower-cased and the
 * resource's `properties`. The query language is the subset of kql.ts; anything else is the 400
 * Resource Graph answers for an invalid query. Pages: `$top` rows (100 by default, at most 1000),
 * then a `$skipToken` when the result has an `id` column (Resource Graph cannot page without one:
 * it says `resultTruncated: "true"` instead).
 */
export const RESOURCE_GRAPH_API_VERSIONS = ["2021-03-01", "2022-10-01", "2024-04-01"];
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;

export function isResourceGraphPath(segments: readonly string[]): boolean {
  const lower = segments.map((segment) => segment.toLowerCase());
  return lower[0] === "providers" && lower[1] === "microsoft.resourcegraph";
}

/** Resource Graph's 400: a generic `BadRequest` whose details say what is wrong. */
class GraphError extends ArmError {
  readonly details: readonly Record<string, unknown>[];

  constructor(status: number, code: string, message: string, details: Record<string, unknown>[]) {
    super(status, code, message);
    this.details = details;
  }

  override toBody() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

function badRequest(...details: Record<string, unknown>[]): GraphError {
  return new GraphError(
    400,
    "BadRequest",
    `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = ${randomUUID()}.`,
    details,
  );
}

const INVALID_QUERY = {
  code: "InvalidQuery",
  message:
    "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
};

export function handleResourceGraph(call: ArmCall): EmulatorResponse {
  const lower = call.request.segments.map((segment) => segment.toLowerCase());
  if (lower.length !== 3 || lower[2] !== "resources") {
    throw new ArmError(
      404,
      "InvalidResourceType",
      `The resource type '${call.request.segments.slice(2).join("/")}' could not be found in the namespace 'Microsoft.ResourceGraph' for api version '${call.apiVersion}'.`,
    );
  }
  if (call.request.method !== "POST") {
    throw new ArmError(
      405,
      "MethodNotAllowed",
      `The requested resource does not support http method '${call.request.method}'.`,
    );
  }
  if (!RESOURCE_GRAPH_API_VERSIONS.includes(call.apiVersion)) {
    throw new ArmError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${call.apiVersion}' is invalid. The supported versions are '${RESOURCE_GRAPH_API_VERSIONS.join(",")}'.`,
    );
  }
  const request = readRequest(call);
  const { rows, columns } = queryResources(
    call.context.state,
    call.caller,
    request.query,
    request.subscriptions,
  );
  const skip = request.skipToken ? readSkipToken(request.skipToken, request.query) : request.skip;
  const page = rows.slice(skip, skip + request.top);
  const more = skip + page.length < rows.length;
  const canPage = columns === undefined || columns.some((c) => c.name === "id");
  const body: Record<string, unknown> = {
    totalRecords: rows.length,
    count: page.length,
    resultTruncated: more && !canPage ? "true" : "false",
    ...(more && canPage && { $skipToken: skipToken(skip + page.length, request.query) }),
    facets: [],
    data: request.resultFormat === "table" ? table(page, columns) : page,
  };
  return jsonResponse(200, body, {
    "x-ms-user-quota-remaining": "14",
    "x-ms-user-quota-resets-after": "00:00:05",
  });
}

/**
 * One query past the request's parsing, as a plain function (the unit tests' in-memory ports
 * call it too): every row it yields over what the caller may read in the subscriptions asked
 * (all of them when none are), and the projected columns; Resource Graph's 400 for a query
 * outside the KQL subset.
 */
export function queryResources(
  state: EmulatorState,
  caller: string,
  queryText: string,
  subscriptions?: readonly string[],
): { rows: Row[]; columns: readonly Column[] | undefined } {
  let query;
  try {
    query = parseQuery(queryText);
  } catch (error) {
    if (!(error instanceof KqlError)) throw error;
    throw badRequest(INVALID_QUERY, {
      code: error.kind,
      message: error.message,
      line: 1,
      characterPositionInLine: error.position,
      token: error.token,
    });
  }
  const lower = subscriptions?.map((id) => id.toLowerCase());
  return { rows: runQuery(query, visibleRows(state, caller, lower)), columns: query.columns };
}

interface GraphRequest {
  /** Lower case; undefined when the request lists none. */
  readonly subscriptions: readonly string[] | undefined;
  readonly query: string;
  readonly top: number;
  readonly skip: number;
  readonly skipToken: string | undefined;
  readonly resultFormat: "objectArray" | "table";
}

function readRequest(call: ArmCall): GraphRequest {
  const body = readJsonBody(call.request) as Record<string, unknown> | null;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest({
      code: "InvalidRequestContent",
      message: "The request content is not a JSON object.",
    });
  }
  if (typeof body.query !== "string" || body.query.trim() === "") {
    throw badRequest({ code: "InvalidRequestContent", message: "The query is required." });
  }
  const groups = body.managementGroups;
  if (groups !== undefined && groups !== null && !(Array.isArray(groups) && groups.length === 0)) {
    throw badRequest({
      code: "UnsupportedQuery",
      message: "Queries at management group scope are not supported; list subscriptions instead.",
    });
  }
  let subscriptions: string[] | undefined;
  if (body.subscriptions !== undefined) {
    if (!Array.isArray(body.subscriptions) || !body.subscriptions.every(isGuid)) {
      throw badRequest({
        code: "InvalidSubscriptionId",
        message: "subscriptions must be an array of subscription ids (GUIDs).",
      });
    }
    subscriptions = body.subscriptions.map((id) => id.toLowerCase());
  }
  const options = (body.options ?? {}) as Record<string, unknown>;
  const top = options.$top ?? DEFAULT_TOP;
  if (typeof top !== "number" || !Number.isInteger(top) || top < 1 || top > MAX_TOP) {
    throw badRequest({
      code: "InvalidRequestContent",
      message: `$top must be a whole number from 1 to ${MAX_TOP}, got ${JSON.stringify(top)}.`,
    });
  }
  const skip = options.$skip ?? 0;
  if (typeof skip !== "number" || !Number.isInteger(skip) || skip < 0) {
    throw badRequest({
      code: "InvalidRequestContent",
      message: `$skip must be a whole number >= 0, got ${JSON.stringify(skip)}.`,
    });
  }
  const format = options.resultFormat ?? "objectArray";
  if (format !== "objectArray" && format !== "table") {
    throw badRequest({
      code: "InvalidRequestContent",
      message: `resultFormat must be objectArray or table, got ${JSON.stringify(format)}.`,
    });
  }
  const token = options.$skipToken;
  return {
    subscriptions,
    query: body.query,
    top,
    skip,
    skipToken: typeof token === "string" && token !== "" ? token : undefined,
    resultFormat: format,
  };
}

/** The Resources table as the caller sees it: readable resources of the subscriptions asked. */
function visibleRows(
  state: EmulatorState,
  caller: string,
  subscriptions: readonly string[] | undefined,
): Row[] {
  const wanted = subscriptions ?? state.subscriptions().map((s) => s.subscriptionId.toLowerCase());
  const rows: Row[] = [];
  for (const subscriptionId of new Set(wanted)) {
    if (!state.subscription(subscriptionId)) continue;
    for (const cluster of state.clusters(subscriptionId)) {
      rows.push(graphRow(state, clusterBody(cluster, state), cluster));
    }
    for (const registry of state.registries(subscriptionId)) {
      rows.push(graphRow(state, registryBody(registry), registry));
    }
  }
  return rows.filter((row) =>
    isAuthorized(state, caller, `${String(row.type)}/read`, String(row.id)),
  );
}

/** A resource as a row of Resource Graph's Resources table. */
function graphRow(
  state: EmulatorState,
  body: { id: string; name: string; type: string; location: string; tags?: unknown } & Record<
    string,
    unknown
  >,
  place: { subscriptionId: string; resourceGroup: string },
): Row {
  return {
    id: body.id,
    name: body.name,
    type: body.type.toLowerCase(),
    tenantId: state.tenantId,
    kind: "",
    location: body.location,
    resourceGroup: place.resourceGroup.toLowerCase(),
    subscriptionId: place.subscriptionId.toLowerCase(),
    managedBy: "",
    sku: body.sku ?? null,
    plan: null,
    properties: body.properties ?? {},
    tags: body.tags ?? {},
    identity: body.identity ?? null,
    zones: null,
    extendedLocation: null,
  };
}

/** `table` format: the columns (the projected ones, or every field) and the rows as arrays. */
function table(rows: readonly Row[], projected: readonly Column[] | undefined) {
  const names = projected?.map((column) => column.name) ?? Object.keys(rows[0] ?? {});
  return {
    columns: names.map((name) => ({ name, type: columnType(rows.map((row) => row[name])) })),
    rows: rows.map((row) => names.map((name) => row[name] ?? null)),
  };
}

function columnType(values: readonly unknown[]): string {
  const value = values.find((candidate) => candidate !== null && candidate !== undefined);
  if (typeof value === "string") return "string";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "boolean") return "boolean";
  return "object";
}

/**
 * Continuation tokens are opaque to clients. This one carries the offset and a digest of the
 * query, so a token is refused with another query, as Resource Graph refuses it.
 */
function skipToken(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ offset, query: digest(query) })).toString("base64url");
}

function readSkipToken(token: string, query: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      offset?: unknown;
      query?: unknown;
    };
    if (
      typeof parsed.offset === "number" &&
      Number.isInteger(parsed.offset) &&
      parsed.offset >= 0 &&
      parsed.query === digest(query)
    ) {
      return parsed.offset;
    }
  } catch {
    // Not a token of ours: refused below.
  }
  throw badRequest({
    code: "InvalidSkipToken",
    message: "The $skipToken is invalid or does not belong to this query.",
  });
}

function digest(query: string): string {
  return createHash("sha256").update(query).digest("hex").slice(0, 16);
}
