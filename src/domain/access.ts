/**
 * Does a role definition let its holder pull from a registry? Azure RBAC's own rule, applied
 * per permission block: an operation is allowed when it matches one of `actions` (or
 * `dataActions`) and none of `notActions` (`notDataActions`), with `*` as a wildcard.
 */
import type { Permission, RoleDefinition } from "./ports.ts";
import type { RegistryMode } from "./roles.ts";

/** What pulling an image needs, per registry mode. */
export const PULL_PERMISSION: Readonly<
  Record<RegistryMode, { kind: "action" | "dataAction"; operation: string }>
> = {
  // Legacy registries authorize pulls with a control-plane action (AcrPull, AcrPush, Reader...).
  legacy: { kind: "action", operation: "Microsoft.ContainerRegistry/registries/pull/read" },
  // ABAC registries only honour repository data actions (Container Registry Repository Reader...).
  abac: {
    kind: "dataAction",
    operation: "Microsoft.ContainerRegistry/registries/repositories/content/read",
  },
};

/** Whether an RBAC permission pattern (`*` a wildcard, any case) covers `operation`. */
export function matches(pattern: string, operation: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*");
  return new RegExp(`^${escaped}$`, "i").test(operation);
}

function allows(granted: readonly string[], denied: readonly string[], operation: string): boolean {
  return granted.some((p) => matches(p, operation)) && !denied.some((p) => matches(p, operation));
}

function permissionAllows(permission: Permission, mode: RegistryMode): boolean {
  const { kind, operation } = PULL_PERMISSION[mode];
  return kind === "action"
    ? allows(permission.actions, permission.notActions, operation)
    : allows(permission.dataActions, permission.notDataActions, operation);
}

export function grantsPull(definition: RoleDefinition, mode: RegistryMode): boolean {
  return definition.permissions.some((permission) => permissionAllows(permission, mode));
}
