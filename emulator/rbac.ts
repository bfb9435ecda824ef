import { armErrors } from "./arm-errors.ts";
import type { Permission, RoleDefinition } from "./role-definitions.ts";
import type { EmulatorState } from "./state.ts";

/**
 * Azure RBAC as ARM evaluates it for control-plane calls: a principal may perform an action at a
 * scope when one of its role assignments at or above that scope has a role whose `actions` match
 * the action and whose `notActions` do not. Matching ignores case; `*` matches any run of
 * characters, slashes included (`Microsoft.Authorization/*` covers `.../roleAssignments/write`).
 * Groups, deny assignments and conditions are not modelled yet.
 */
export function isAuthorized(
  state: EmulatorState,
  principalId: string,
  action: string,
  scope: string,
): boolean {
  const wanted = principalId.toLowerCase();
  return state
    .roleAssignments()
    .filter(
      (assignment) =>
        assignment.principalId === wanted && state.isAtOrAbove(assignment.scope, scope),
    )
    .some((assignment) => {
      const definition = state.roleDefinition(assignment.roleDefinitionGuid);
      return definition !== undefined && grants(definition, action, "control");
    });
}

/** Throws ARM's 403 unless the caller may perform `action` at `scope`. */
export function authorize(
  state: EmulatorState,
  callerObjectId: string,
  action: string,
  scope: string,
): void {
  if (!isAuthorized(state, callerObjectId, action, scope)) {
    throw armErrors.authorizationFailed(callerObjectId, action, scope);
  }
}

/** Whether a role grants an operation: a control-plane action or a data action. */
export function grants(
  definition: RoleDefinition,
  operation: string,
  plane: "control" | "data",
): boolean {
  return definition.permissions.some((permission) =>
    permitsOperation(permission, operation, plane),
  );
}

function permitsOperation(permission: Permission, operation: string, plane: "control" | "data") {
  const allowed = plane === "control" ? permission.actions : permission.dataActions;
  const excluded = plane === "control" ? permission.notActions : permission.notDataActions;
  return (
    allowed.some((pattern) => actionMatches(pattern, operation)) &&
    !excluded.some((pattern) => actionMatches(pattern, operation))
  );
}

export function actionMatches(pattern: string, operation: string): boolean {
  const source = pattern
    .split("*")
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i").test(operation);
}
