import { ActionError, quote } from "../errors.ts";

/** A top-level ARM resource id, split into its parts. */
export interface ResourceId {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** `Microsoft.ContainerRegistry/registries`, as written in the id. */
  readonly type: string;
  readonly name: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * Parses `/subscriptions/{guid}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}` and
 * checks it names a resource of `expectedType`. Anything else (child resources, query strings,
 * URLs, `..`, blanks) is refused with a message that shows the expected form.
 */
export function parseResourceId(raw: string, expectedType: string, inputName: string): ResourceId {
  const example = `/subscriptions/<subscription-guid>/resourceGroups/<group>/providers/${expectedType}/<name>`;
  function refuse(why: string): never {
    throw new ActionError(
      `Input '${inputName}' is not a valid resource id: ${quote(raw)} ${why}.`,
      {
        remedy: `Use the full id of the resource, in the form ${example} (az resource show --query id).`,
      },
    );
  }
  if (!raw.startsWith("/")) refuse("does not start with '/subscriptions/'");
  if (/[\s?#%\\]/.test(raw) || raw.includes("//")) {
    refuse("contains whitespace, a query string, an escape or an empty segment");
  }
  const parts = raw.slice(1).split("/");
  if (parts.some((part) => part === "." || part === "..")) refuse("contains a '.' or '..' segment");
  const [subscriptions, subscriptionId, groups, resourceGroup, providers, namespace, type, name] =
    parts;
  if (
    parts.length !== 8 ||
    subscriptionId === undefined ||
    resourceGroup === undefined ||
    namespace === undefined ||
    type === undefined ||
    name === undefined ||
    subscriptions?.toLowerCase() !== "subscriptions" ||
    groups?.toLowerCase() !== "resourcegroups" ||
    providers?.toLowerCase() !== "providers"
  ) {
    refuse("does not have the form of a resource id");
  }
  if (!isGuid(subscriptionId)) refuse(`has a subscription id that is not a GUID`);
  const actualType = `${namespace}/${type}`;
  if (actualType.toLowerCase() !== expectedType.toLowerCase()) {
    refuse(`is a ${actualType}, not a ${expectedType}`);
  }
  return {
    id: raw,
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup,
    type: actualType,
    name,
  };
}

/** Parses any top-level resource id returned by ARM itself (trusted, so no type check). */
export function splitArmId(id: string): { subscriptionId: string; resourceGroup: string } {
  const parts = id.split("/");
  const at = (label: string): string => {
    const index = parts.findIndex((part) => part.toLowerCase() === label);
    return index >= 0 ? (parts[index + 1] ?? "") : "";
  };
  return { subscriptionId: at("subscriptions"), resourceGroup: at("resourcegroups") };
}

function normalizeScope(scope: string): string {
  const trimmed = scope.replace(/\/+$/, "").toLowerCase();
  return trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

/**
 * True when an assignment at `scope` applies to `target`: the same scope or one of its ancestors.
 * ARM only returns a principal's assignments at, above or below the scope asked about, so a
 * management-group or root scope in such a list is always above a resource.
 */
export function isScopeAtOrAbove(scope: string, target: string): boolean {
  const outer = normalizeScope(scope);
  const inner = normalizeScope(target);
  if (outer === "" || outer === "/" || outer.startsWith("/providers/microsoft.management/")) {
    return true;
  }
  return inner === outer || inner.startsWith(`${outer}/`);
}

export function sameScope(a: string, b: string): boolean {
  return normalizeScope(a) === normalizeScope(b);
}
