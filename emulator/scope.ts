/**
 * ARM scopes as the emulator understands them. Written independently of the action's own
 * resource-id parser on purpose: a parser shared by both would hide the bugs tests should find.
 */
export type Scope =
  | { readonly kind: "tenant" }
  | { readonly kind: "subscription"; readonly subscriptionId: string }
  | {
      readonly kind: "resourceGroup";
      readonly subscriptionId: string;
      readonly resourceGroup: string;
    }
  | {
      readonly kind: "resource";
      readonly subscriptionId: string;
      readonly resourceGroup: string;
      readonly namespace: string;
      /** `registries`, or `registries/replications` for a child resource. */
      readonly type: string;
      /** `myacr`, or `myacr/westus` for a child resource. */
      readonly name: string;
    }
  | { readonly kind: "managementGroup"; readonly managementGroup: string };

/** Joins segments back into a scope string with one leading slash (`/` for the tenant). */
export function scopeFromSegments(segments: readonly string[]): string {
  return `/${segments.join("/")}`;
}

/** Reads a scope's kind; undefined when the segments do not form a scope ARM would accept. */
export function parseScope(segments: readonly string[]): Scope | undefined {
  if (segments.length === 0) return { kind: "tenant" };
  const lower = segments.map((segment) => segment.toLowerCase());
  if (
    segments.length === 4 &&
    lower[0] === "providers" &&
    lower[1] === "microsoft.management" &&
    lower[2] === "managementgroups"
  ) {
    return { kind: "managementGroup", managementGroup: segments[3] };
  }
  if (lower[0] !== "subscriptions" || segments.length < 2) return undefined;
  const subscriptionId = segments[1];
  if (segments.length === 2) return { kind: "subscription", subscriptionId };
  if (lower[2] !== "resourcegroups" || segments.length < 4) return undefined;
  const resourceGroup = segments[3];
  if (segments.length === 4) return { kind: "resourceGroup", subscriptionId, resourceGroup };
  // providers/{namespace}/{type}/{name}[/{childType}/{childName}...]
  const rest = segments.slice(4);
  if (rest[0].toLowerCase() !== "providers" || rest.length < 4 || rest.length % 2 !== 0) {
    return undefined;
  }
  const typeAndNames = rest.slice(2);
  return {
    kind: "resource",
    subscriptionId,
    resourceGroup,
    namespace: rest[1],
    type: typeAndNames.filter((_, i) => i % 2 === 0).join("/"),
    name: typeAndNames.filter((_, i) => i % 2 === 1).join("/"),
  };
}

/** True when `ancestor` is `scope` itself or contains it (both with a leading slash). */
export function isAtOrAbove(ancestor: string, scope: string): boolean {
  const a = trimScope(ancestor).toLowerCase();
  const s = trimScope(scope).toLowerCase();
  return a === "" || a === s || s.startsWith(`${a}/`);
}

/** True when both name the same scope, whatever their case. */
export function isSameScope(a: string, b: string): boolean {
  return isAtOrAbove(a, b) && isAtOrAbove(b, a);
}

/** The subscription a scope lies in, if any. */
export function subscriptionOf(scope: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
}

function trimScope(scope: string): string {
  return scope.replace(/\/+$/, "");
}
