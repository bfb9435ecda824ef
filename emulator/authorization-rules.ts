import { armErrors } from "./arm-errors.ts";
import type { RoleDefinition } from "./role-definitions.ts";
import { isSameScope, parseScope, subscriptionOf, type Scope } from "./scope.ts";
import { isGuid, PRINCIPAL_TYPES, type PrincipalType } from "./seed.ts";
import type { EmulatorState, RoleAssignment } from "./state.ts";

/**
 * Microsoft.Authorization's rules for role assignments and role definitions, as plain functions
 * over the state: which scopes exist, what a PUT may create or must refuse, what a list holds.
 * The HTTP handlers (authorization.ts) check the caller's rights, read the request and write the
 * answer around them; the unit tests' in-memory ports call them directly. Every refusal is the
 * ArmError ARM answers with.
 */

/** Reads a scope and checks that it exists; throws ARM's error for one that does not. */
export function requireScope(state: EmulatorState, scope: string): Scope {
  const parsed = parseScope(scope.split("/").filter(Boolean));
  if (!parsed) throw armErrors.scopeNotFound(scope);
  const problem = state.scopeProblem(parsed);
  if (problem) throw problem;
  return parsed;
}

// --- role assignments ---

export function getRoleAssignment(state: EmulatorState, scope: string, name: string) {
  requireScope(state, scope);
  if (!isGuid(name)) throw armErrors.invalidRoleAssignmentId(name);
  const assignment = state.roleAssignment(name);
  if (!assignment || !isSameScope(assignment.scope, scope)) {
    throw armErrors.roleAssignmentNotFound(name);
  }
  return assignment;
}

/** What a role assignment PUT did, short of a refusal. */
export type AssignmentPut =
  /** 201: a new assignment. */
  | { readonly kind: "created"; readonly assignment: RoleAssignment }
  /**
   * The same assignment was there under that name (its description may have changed): ARM
   * answers `state.existingAssignmentPutStatus`, 200 or 201.
   */
  | { readonly kind: "existing"; readonly assignment: RoleAssignment }
  /**
   * 409 RoleAssignmentExists: the same role, principal and scope are assigned under another
   * name. `existing` is what the answer names, undefined when it names none.
   */
  | { readonly kind: "conflict"; readonly existing: RoleAssignment | undefined };

export interface AssignmentPutRequest {
  readonly scope: string;
  readonly name: string;
  /** The request body, read only once the scope and name have passed (ARM's order). */
  readonly body: () => unknown;
  /** The caller's object id; null for a write no caller made. */
  readonly caller: string | null;
}

/** A role assignment PUT past the caller's rights check, in the order ARM reports problems. */
export function putRoleAssignment(state: EmulatorState, request: AssignmentPutRequest) {
  const { scope, name, caller } = request;
  requireScope(state, scope);
  if (!isGuid(name)) throw armErrors.invalidRoleAssignmentId(name);
  const properties = readAssignmentProperties(state, request.body(), scope);
  const existing = state.roleAssignment(name);
  if (existing) {
    const unchanged =
      isSameScope(existing.scope, scope) &&
      existing.roleDefinitionGuid === properties.definition.id &&
      existing.principalId === properties.principalId &&
      existing.condition === properties.condition;
    if (!unchanged) throw armErrors.roleAssignmentUpdateNotPermitted();
    // The description may change; createdOn stays.
    const described =
      properties.description !== null && properties.description !== existing.description
        ? {
            ...existing,
            description: properties.description,
            updatedOn: state.now().toISOString(),
            updatedBy: caller,
          }
        : existing;
    if (described !== existing) state.saveRoleAssignment(described);
    return { kind: "existing", assignment: described } satisfies AssignmentPut;
  }
  const duplicate = state.findDuplicate(scope, properties.definition.id, properties.principalId);
  if (duplicate) {
    const existing = state.conflictNamesExisting ? duplicate : undefined;
    return { kind: "conflict", existing } satisfies AssignmentPut;
  }
  const now = state.now().toISOString();
  const created: RoleAssignment = {
    name: name.toLowerCase(),
    scope,
    roleDefinitionGuid: properties.definition.id,
    principalId: properties.principalId,
    principalType: properties.principalType,
    condition: properties.condition,
    conditionVersion: properties.conditionVersion,
    description: properties.description,
    createdOn: now,
    updatedOn: now,
    createdBy: caller,
    updatedBy: caller,
  };
  state.saveRoleAssignment(created);
  return { kind: "created", assignment: created } satisfies AssignmentPut;
}

/** A DELETE past the rights check: the assignment it removed (200), or undefined (204). */
export function deleteRoleAssignment(
  state: EmulatorState,
  scope: string,
  name: string,
): RoleAssignment | undefined {
  requireScope(state, scope);
  if (!isGuid(name)) throw armErrors.invalidRoleAssignmentId(name);
  const existing = state.roleAssignment(name);
  if (!existing || !isSameScope(existing.scope, scope)) return undefined;
  state.deleteRoleAssignment(name);
  return existing;
}

/** What a role assignment list's `$filter` asks for. */
export interface AssignmentFilter {
  /** Only assignments at the scope or above it (`atScope()`); else also those below it. */
  readonly atScope: boolean;
  /** Lower case. */
  readonly principalId?: string;
}

/**
 * A role assignment list at a scope: the assignments at, above and (without `atScope()`) below
 * it, as lists show them (they lag behind writes when the state's list delay is set).
 */
export function listRoleAssignments(
  state: EmulatorState,
  scope: string,
  filter: AssignmentFilter,
): RoleAssignment[] {
  requireScope(state, scope);
  return state.listedRoleAssignments().filter((assignment) => {
    const related = filter.atScope
      ? state.isAtOrAbove(assignment.scope, scope)
      : state.isAtOrAbove(assignment.scope, scope) || state.isAtOrAbove(scope, assignment.scope);
    return related && (!filter.principalId || assignment.principalId === filter.principalId);
  });
}

interface AssignmentProperties {
  readonly definition: RoleDefinition;
  readonly principalId: string;
  readonly principalType: PrincipalType;
  readonly condition: string | null;
  readonly conditionVersion: string | null;
  readonly description: string | null;
}

/** Validates a PUT body the way the Authorization RP does, in the order it reports problems. */
function readAssignmentProperties(
  state: EmulatorState,
  body: unknown,
  scope: string,
): AssignmentProperties {
  const properties = (body as { properties?: Record<string, unknown> } | null)?.properties;
  if (typeof properties !== "object" || properties === null) {
    throw armErrors.invalidRequestContent("Required property 'properties' not found in JSON.");
  }
  const definition = definitionForAssignment(state, properties.roleDefinitionId, scope);
  const principalId = properties.principalId;
  if (!isGuid(principalId)) throw armErrors.invalidPrincipalId(String(principalId ?? ""));
  const requestedType = properties.principalType;
  if (requestedType !== undefined && requestedType !== null) {
    if (!PRINCIPAL_TYPES.includes(requestedType as PrincipalType)) {
      throw armErrors.invalidPrincipalType(String(requestedType));
    }
  }
  const principal = state.principal(principalId);
  // A kubelet identity just created with its cluster is not replicated yet (cluster-provisioning.ts).
  if (!principal || state.clusterProvisioning.principalNotReplicated(principalId)) {
    throw armErrors.principalNotFound(principalId, state.tenantId);
  }
  if (requestedType && requestedType !== principal.principalType) {
    throw armErrors.unmatchedPrincipalType(
      principalId,
      principal.principalType,
      String(requestedType),
    );
  }
  return {
    definition,
    principalId: principalId.toLowerCase(),
    // ARM looks the principal up when the type is left out (observed; the spec says "User").
    principalType: (requestedType as PrincipalType | undefined) ?? principal.principalType,
    condition: optionalText(properties.condition),
    conditionVersion: optionalText(properties.conditionVersion),
    description: optionalText(properties.description),
  };
}

/**
 * Accepts both id forms, `/subscriptions/{sub}/providers/...` and `/providers/...`. A
 * subscription other than the scope's is refused, as is a role not assignable at the scope.
 */
function definitionForAssignment(
  state: EmulatorState,
  roleDefinitionId: unknown,
  scope: string,
): RoleDefinition {
  const text = typeof roleDefinitionId === "string" ? roleDefinitionId : "";
  const match =
    /^(?:\/subscriptions\/([^/]+))?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(
      text,
    );
  if (!match || !isGuid(match[2])) throw armErrors.invalidRoleDefinitionId(text);
  const [, subscriptionId, guid] = match;
  const definition = state.roleDefinition(guid);
  const sameSubscription =
    subscriptionId === undefined ||
    subscriptionId.toLowerCase() === (subscriptionOf(scope) ?? "").toLowerCase();
  if (!definition || !sameSubscription || !isAssignableAt(state, definition, scope)) {
    throw armErrors.roleDefinitionDoesNotExist(guid);
  }
  return definition;
}

// --- role definitions ---

/** A role definition read at a scope: 404 unless it exists and is assignable there. */
export function getRoleDefinition(
  state: EmulatorState,
  scope: string,
  guid: string,
): RoleDefinition {
  requireScope(state, scope);
  const definition = isGuid(guid) ? state.roleDefinition(guid) : undefined;
  if (!definition || !isAssignableAt(state, definition, scope)) {
    throw armErrors.roleDefinitionNotFound(guid);
  }
  return definition;
}

/** What a role definition list's `$filter` asks for; both lower case. */
export interface DefinitionFilter {
  roleName?: string;
  type?: string;
}

/** The definitions assignable at a scope, narrowed by name and type. */
export function listRoleDefinitions(
  state: EmulatorState,
  scope: string,
  wanted: DefinitionFilter,
): RoleDefinition[] {
  requireScope(state, scope);
  return state
    .roleDefinitions()
    .filter((definition) => isAssignableAt(state, definition, scope))
    .filter(
      (definition) => !wanted.roleName || definition.roleName.toLowerCase() === wanted.roleName,
    )
    .filter((definition) => !wanted.type || definition.type.toLowerCase() === wanted.type);
}

function isAssignableAt(state: EmulatorState, definition: RoleDefinition, scope: string): boolean {
  return definition.assignableScopes.some((assignable) => state.isAtOrAbove(assignable, scope));
}

function optionalText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
