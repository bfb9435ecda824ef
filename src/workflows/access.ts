/**
 * Does a role definition let its holder pull from a registry? Azure RBAC's own rule, applied
 * per permission block: an operation is allowed when it matches one of `actions` (or
 * `dataActions`) and none of `notActions` (`notDataActions`), with `*` as a wildcard.
 */
import type {
  AzurePorts,
  CallOptions,
  Permission,
  RoleAssignment,
  RoleDefinition,
} from "../azure/ports.ts";
import { roleGuid, type RegistryMode } from "../azure/roles.ts";

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

function matches(pattern: string, operation: string): boolean {
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

/** One assignment's verdict, for the check report and detach's "still grants pull" list. */
export interface AssignmentVerdict {
  readonly assignment: RoleAssignment;
  readonly roleName: string;
  /** Lets its holder pull from the registry, in the registry's mode. */
  readonly grantsPull: boolean;
  /** Would let its holder pull from a registry in the other mode (AcrPull on ABAC, say). */
  readonly grantsPullInOtherMode: boolean;
}

/**
 * Reads the definitions of the assignments' roles (each once, at the same time) and says which
 * assignments let their holder pull in `mode`. A definition that cannot be read grants nothing.
 */
export async function judgeAssignments(
  assignments: readonly RoleAssignment[],
  mode: RegistryMode,
  ports: Pick<AzurePorts, "roleDefinitions">,
  options: CallOptions,
): Promise<AssignmentVerdict[]> {
  if (assignments.length === 0) return [];
  const ids = [...new Set(assignments.map((a) => a.roleDefinitionId.toLowerCase()))];
  const definitions = new Map(
    await Promise.all(
      ids.map(
        async (id) => [id, await ports.roleDefinitions.getRoleDefinition(id, options)] as const,
      ),
    ),
  );
  return assignments.map((assignment) => {
    const definition = definitions.get(assignment.roleDefinitionId.toLowerCase());
    const otherMode: RegistryMode = mode === "abac" ? "legacy" : "abac";
    return {
      assignment,
      roleName: definition?.roleName ?? roleGuid(assignment.roleDefinitionId),
      grantsPull: definition ? grantsPull(definition, mode) : false,
      grantsPullInOtherMode: definition ? grantsPull(definition, otherMode) : false,
    };
  });
}
