/**
 * What the bench reads out of the emulator's request log: requests by method and route, writes,
 * the sequential round trips on the critical path, from each request's arrival time and
 * duration (requests that overlap in time were in flight together: one round trip), and the
 * connections they came on.
 */
import type { RequestLogEntry } from "../../emulator/index.ts";

/** Token, sign-in metadata and cloud metadata: counted apart from the ARM and Graph calls. */
const SIGN_IN_SERVICES = new Set(["login", "metadata", "identity", "github"]);
const WRITE_METHODS = new Set(["PUT", "POST", "PATCH", "DELETE"]);
/** Collections a route is named after: the last one in the path wins. */
const COLLECTIONS = [
  "subscriptions",
  "resourceGroups",
  "resources",
  "managedClusters",
  "registries",
  "roleAssignments",
  "roleDefinitions",
  "operations",
  "operationStatuses",
  "checkNameAvailability",
  "listClusterUserCredential",
  "servicePrincipals",
  "getByIds",
  "token",
  "openid-configuration",
  "endpoints",
  "instance",
];
const BY_LOWER = new Map(COLLECTIONS.map((name) => [name.toLowerCase(), name]));

export interface RequestSummary {
  /** `GET managedClusters` (one item) or `GET roleAssignments (list)` to its count. */
  readonly routes: Record<string, number>;
  readonly armRequests: number;
  readonly signInRequests: number;
  readonly writes: number;
  readonly roundTrips: number;
  readonly signInRoundTrips: number;
  /** TLS connections the requests came on (each cost a TCP and a TLS handshake first). */
  readonly connections: number;
  /** The most requests that came on one connection. */
  readonly mostOnOneConnection: number;
}

/** `GET roleAssignments`, `GET roleAssignments (list)`, `POST token`... */
export function routeOf(entry: RequestLogEntry): string {
  const segments = entry.path.split("/").filter(Boolean);
  let last = -1;
  segments.forEach((segment, index) => {
    const bare = segment.replace(/\(.*$/, "").toLowerCase();
    if (BY_LOWER.has(bare)) last = index;
  });
  if (last < 0) return `${entry.method} ${entry.service}`;
  const name = BY_LOWER.get(segments[last]!.replace(/\(.*$/, "").toLowerCase())!;
  const isList = last === segments.length - 1 && !/\(/.test(segments[last]!);
  const listLike =
    isList &&
    entry.method === "GET" &&
    !["token", "endpoints", "openid-configuration"].includes(name);
  return `${entry.method} ${name}${listLike ? " (list)" : ""}`;
}

/** Groups of requests in flight together, in order: a request joins the group it overlaps. */
export function rounds<T extends Pick<RequestLogEntry, "time" | "durationMs">>(
  entries: readonly T[],
): T[][] {
  const sorted = [...entries].sort((a, b) => a.time - b.time);
  const groups: T[][] = [];
  let groupEnd = -Infinity;
  for (const entry of sorted) {
    const end = entry.time + (entry.durationMs ?? 0);
    if (entry.time >= groupEnd) {
      groups.push([entry]);
      groupEnd = end;
    } else {
      groups.at(-1)!.push(entry);
      groupEnd = Math.max(groupEnd, end);
    }
  }
  return groups;
}

export function roundTrips(entries: readonly RequestLogEntry[]): number {
  return rounds(entries).length;
}

/** POSTs that only read: a Resource Graph query, a registry name check. */
const READING_POST = /\/(?:providers\/Microsoft\.ResourceGraph\/resources|checkNameAvailability)$/i;

/** A request that changes something in Azure. */
export function isWrite(entry: Pick<RequestLogEntry, "method" | "path">): boolean {
  if (!WRITE_METHODS.has(entry.method)) return false;
  return !(entry.method === "POST" && READING_POST.test(entry.path));
}

export function summarize(entries: readonly RequestLogEntry[]): RequestSummary {
  const perConnection = new Map<number, number>();
  for (const entry of entries) {
    perConnection.set(entry.connection, (perConnection.get(entry.connection) ?? 0) + 1);
  }
  const routes: Record<string, number> = {};
  for (const entry of entries) {
    const route = routeOf(entry);
    routes[route] = (routes[route] ?? 0) + 1;
  }
  const signIn = entries.filter((entry) => SIGN_IN_SERVICES.has(entry.service));
  const calls = entries.filter((entry) => !SIGN_IN_SERVICES.has(entry.service));
  return {
    routes,
    armRequests: calls.length,
    signInRequests: signIn.length,
    writes: calls.filter(isWrite).length,
    roundTrips: roundTrips(calls),
    signInRoundTrips: roundTrips(signIn),
    connections: perConnection.size,
    mostOnOneConnection: Math.max(0, ...perConnection.values()),
  };
}
