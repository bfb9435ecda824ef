import { pagedList, readJsonBody, type ArmCall } from "./arm-context.ts";
import { armErrors } from "./arm-errors.ts";
import { jsonResponse, type EmulatorResponse } from "./exchange.ts";
import { authorize } from "./rbac.ts";
import type { RoleDefinition } from "./role-definitions.ts";
import {
  isAtOrAbove,
  isSameScope,
  parseScope,
  scopeFromSegments,
  subscriptionOf,
  type Scope,
} from "./scope.ts";
import { isGuid, PRINCIPAL_TYPES, type PrincipalType } from "./seed.ts";
import { roleDefinitionIdAt, type EmulatorState, type RoleAssignment } from "./state.ts";

/**
 * Microsoft.Authorization at api-version 2022-04-01: role assignments and role definitions.
 * Both are extension resources, so they hang off any scope:
 * `/{scope}/providers/Microsoft.Authorization/{collection}[/{name}]`, and `GET /{id}` is the
 * same path.
 */
export interface AuthorizationPath {
  readonly scopeSegments: readonly string[];
  readonly collection: "roleAssignments" | "roleDefinitions";
  readonly name?: string;
}

const ACTIONS = {
  readAssignments: "Microsoft.Authorization/roleAssignments/read",
  writeAssignment: "Microsoft.Authorization/roleAssignments/write",
  deleteAssignment: "Microsoft.Authorization/roleAssignments/delete",
};

/**
 * Finds the last `providers/Microsoft.Authorization/...` in a path: earlier `providers`
 * segments belong to the scope (a registry, say). Undefined when the path is not an
 * authorization one; throws for a Microsoft.Authorization type the emulator does not serve.
 */
export function splitAuthorizationPath(
  segments: readonly string[],
  apiVersion: string,
): AuthorizationPath | undefined {
  for (let i = segments.length - 2; i >= 0; i--) {
    const isProvider =
      segments[i].toLowerCase() === "providers" &&
      segments[i + 1].toLowerCase() === "microsoft.authorization";
    if (!isProvider) continue;
    const [type, name, ...extra] = segments.slice(i + 2);
    const collection =
      type?.toLowerCase() === "roleassignments"
        ? "roleAssignments"
        : type?.toLowerCase() === "roledefinitions"
          ? "roleDefinitions"
          : undefined;
    if (!collection || extra.length > 0) {
      throw armErrors.invalidResourceType(type ?? "", "Microsoft.Authorization", apiVersion);
    }
    return { scopeSegments: segments.slice(0, i), collection, name };
  }
  return undefined;
}

export function handleAuthorization(call: ArmCall, path: AuthorizationPath): EmulatorResponse {
  const scope = scopeFromSegments(path.scopeSegments);
  const parsed = parseScope(path.scopeSegments);
  if (!parsed) throw armErrors.scopeNotFound(scope);
  if (parsed.kind !== "tenant" && parsed.kind !== "managementGroup") {
    if (!call.context.state.subscription(parsed.subscriptionId)) {
      throw armErrors.subscriptionNotFound(parsed.subscriptionId);
    }
  }
  const { method } = call.request;
  if (path.collection === "roleDefinitions") {
    if (method !== "GET") throw armErrors.methodNotAllowed(method);
    return path.name === undefined
      ? listRoleDefinitions(call, scope, parsed)
      : getRoleDefinition(call, scope, parsed, path.name);
  }
  if (path.name === undefined) {
    if (method !== "GET") throw armErrors.methodNotAllowed(method);
    return listRoleAssignments(call, scope, parsed);
  }
  switch (method) {
    case "GET":
      return getRoleAssignment(call, scope, parsed, path.name);
    case "PUT":
      return putRoleAssignment(call, scope, parsed, path.name);
    case "DELETE":
      return deleteRoleAssignment(call, scope, parsed, path.name);
    default:
      throw armErrors.methodNotAllowed(method);
  }
}

// --- role assignments ---

function getRoleAssignment(call: ArmCall, scope: string, parsed: Scope, name: string) {
  const { state } = call.context;
  authorize(state, call.caller, ACTIONS.readAssignments, scope);
  throwIfMissing(state, parsed);
  if (!isGuid(name)) throw armErrors.invalidRoleAssignmentId(name);
  const assignment = state.roleAssignment(name);
  if (!assignment || !isSameScope(assignment.scope, scope)) {
    throw armErrors.roleAssignmentNotFound(name);
  }
  return jsonResponse(200, roleAssignmentBody(assignment));
}

function putRoleAssignment(
  call: ArmCall,
  scope: string,
  parsed: Scope,
  name: string,
): EmulatorResponse {
  const { state } = call.context;
  authorize(state, call.caller, ACTIONS.writeAssignment, scope);
  throwIfMissing(state, parsed);
  if (!isGuid(name)) throw armErrors.invalidRoleAssignmentId(name);
  const properties = readAssignmentProperties(call, scope);
  const existing = state.roleAssignment(name);
  if (existing) {
    const unchanged =
      isSameScope(existing.scope, scope) &&
      existing.roleDefinitionGuid === properties.definition.id &&
      existing.principalId === properties.principalId &&
      existing.condition === properties.condition;
    if (!unchanged) throw armErrors.roleAssignmentUpdateNotPermitted();
    // The description may change; createdOn stays. 200 or 201: ARM documents both.
    const described =
      properties.description !== null && properties.description !== existing.description
        ? {
            ...existing,
            description: properties.description,
            updatedOn: state.now().toISOString(),
            updatedBy: call.caller,
          }
        : existing;
    if (described !== existing) state.saveRoleAssignment(described);
    return jsonResponse(state.existingAssignmentPutStatus, roleAssignmentBody(described));
  }
  const duplicate = state.findDuplicate(scope, properties.definition.id, properties.principalId);
  if (duplicate) throw armErrors.roleAssignmentExists(duplicate.name);
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
    createdBy: call.caller,
    updatedBy: call.caller,
  };
  state.saveRoleAssignment(created);
  return jsonResponse(201, roleAssignmentBody(created));
}

function deleteRoleAssignment(call: ArmCall, scope: string, parsed: Scope, name: string) {
  const { state } = call.context;
  authorize(state, call.caller, ACTIONS.deleteAssignment, scope);
  throwIfMissing(state, parsed);
  if (!isGuid(name)) throw armErrors.invalidRoleAssignmentId(name);
  const existing = state.roleAssignment(name);
  if (!existing || !isSameScope(existing.scope, scope)) return { status: 204 };
  state.deleteRoleAssignment(name);
  return jsonResponse(200, roleAssignmentBody(existing));
}

/**
 * `$filter` forms ARM accepts for role assignments (2022-04-01 spec, plus the `assignedTo()` ones
 * azure-cli sends). Without `atScope()` the list also holds assignments below the scope. Lists
 * lag behind writes when the emulator's list delay is set (state.listedRoleAssignments()).
 */
function listRoleAssignments(call: ArmCall, scope: string, parsed: Scope): EmulatorResponse {
  const { state } = call.context;
  const filter = parseAssignmentFilter(call.request.query.get("$filter"));
  authorize(state, call.caller, ACTIONS.readAssignments, scope);
  throwIfMissing(state, parsed);
  const matches = state.listedRoleAssignments().filter((assignment) => {
    const related = filter.atScope
      ? isAtOrAbove(assignment.scope, scope)
      : isAtOrAbove(assignment.scope, scope) || isAtOrAbove(scope, assignment.scope);
    return related && (!filter.principalId || assignment.principalId === filter.principalId);
  });
  return pagedList(call, matches.map(roleAssignmentBody));
}

interface AssignmentFilter {
  readonly atScope: boolean;
  readonly principalId?: string;
}

const GUID_PATTERN =
  "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})";

function parseAssignmentFilter(filter: string | null): AssignmentFilter {
  if (filter === null || filter.trim() === "") return { atScope: false };
  const forms: [RegExp, (match: RegExpExecArray) => AssignmentFilter][] = [
    [/^\s*atScope\(\)\s*$/i, () => ({ atScope: true })],
    [
      new RegExp(`^\\s*principalId\\s+eq\\s+'?${GUID_PATTERN}'?\\s*$`, "i"),
      (m) => ({ atScope: false, principalId: m[1].toLowerCase() }),
    ],
    // Group membership is not modelled, so assignedTo() finds direct assignments only.
    [
      new RegExp(`^\\s*assignedTo\\('${GUID_PATTERN}'\\)\\s*$`, "i"),
      (m) => ({ atScope: false, principalId: m[1].toLowerCase() }),
    ],
    [
      new RegExp(`^\\s*atScope\\(\\)\\s+and\\s+assignedTo\\('${GUID_PATTERN}'\\)\\s*$`, "i"),
      (m) => ({ atScope: true, principalId: m[1].toLowerCase() }),
    ],
  ];
  for (const [pattern, read] of forms) {
    const match = pattern.exec(filter);
    if (match) return read(match);
  }
  throw armErrors.unsupportedRoleAssignmentFilter(filter);
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
function readAssignmentProperties(call: ArmCall, scope: string): AssignmentProperties {
  const { state } = call.context;
  const body = readJsonBody(call.request) as { properties?: Record<string, unknown> } | null;
  const properties = body?.properties;
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
  if (!definition || !sameSubscription || !isAssignableAt(definition, scope)) {
    throw armErrors.roleDefinitionDoesNotExist(guid);
  }
  return definition;
}

function roleAssignmentBody(assignment: RoleAssignment) {
  const prefix = assignment.scope === "/" ? "" : assignment.scope;
  return {
    properties: {
      roleDefinitionId: roleDefinitionIdAt(assignment.scope, assignment.roleDefinitionGuid),
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      scope: assignment.scope,
      condition: assignment.condition,
      conditionVersion: assignment.conditionVersion,
      createdOn: assignment.createdOn,
      updatedOn: assignment.updatedOn,
      createdBy: assignment.createdBy,
      updatedBy: assignment.updatedBy,
      delegatedManagedIdentityResourceId: null,
      description: assignment.description,
    },
    id: `${prefix}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`,
    type: "Microsoft.Authorization/roleAssignments",
    name: assignment.name,
  };
}

// --- role definitions ---

/** Role definitions are readable by any signed-in caller of the tenant. */
function getRoleDefinition(call: ArmCall, scope: string, parsed: Scope, guid: string) {
  const { state } = call.context;
  throwIfMissing(state, parsed);
  const definition = isGuid(guid) ? state.roleDefinition(guid) : undefined;
  if (!definition || !isAssignableAt(definition, scope))
    throw armErrors.roleDefinitionNotFound(guid);
  return jsonResponse(200, roleDefinitionBody(definition, scope));
}

function listRoleDefinitions(call: ArmCall, scope: string, parsed: Scope): EmulatorResponse {
  const { state } = call.context;
  throwIfMissing(state, parsed);
  const wanted = parseDefinitionFilter(call.request.query.get("$filter"));
  const matches = state
    .roleDefinitions()
    .filter((definition) => isAssignableAt(definition, scope))
    .filter(
      (definition) => !wanted.roleName || definition.roleName.toLowerCase() === wanted.roleName,
    )
    .filter((definition) => !wanted.type || definition.type.toLowerCase() === wanted.type);
  return pagedList(
    call,
    matches.map((definition) => roleDefinitionBody(definition, scope)),
  );
}

function parseDefinitionFilter(filter: string | null): { roleName?: string; type?: string } {
  if (filter === null || filter.trim() === "") return {};
  const wanted: { roleName?: string; type?: string } = {};
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = /^\s*(roleName|type)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    if (!match) throw armErrors.unsupportedRoleDefinitionFilter(filter);
    const value = match[2].replaceAll("''", "'").toLowerCase();
    if (match[1].toLowerCase() === "rolename") wanted.roleName = value;
    else wanted.type = value;
  }
  return wanted;
}

function roleDefinitionBody(definition: RoleDefinition, scope: string) {
  return {
    id: roleDefinitionIdAt(scope, definition.id),
    type: "Microsoft.Authorization/roleDefinitions",
    name: definition.id,
    properties: {
      roleName: definition.roleName,
      type: definition.type,
      description: definition.description,
      assignableScopes: definition.assignableScopes,
      permissions: definition.permissions,
    },
  };
}

function isAssignableAt(definition: RoleDefinition, scope: string): boolean {
  return definition.assignableScopes.some((assignable) => isAtOrAbove(assignable, scope));
}

// --- shared ---

function throwIfMissing(state: EmulatorState, scope: Scope): void {
  const problem = state.scopeProblem(scope);
  if (problem) throw problem;
}

function optionalText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
