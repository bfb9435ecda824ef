import { pagedList, readJsonBody, type ArmCall } from "./arm-context.ts";
import { armErrors } from "./arm-errors.ts";
import { jsonResponse, type EmulatorResponse } from "./exchange.ts";
import { authorize } from "./rbac.ts";
import * as rules from "./authorization-rules.ts";
import type { RoleDefinition } from "./role-definitions.ts";
import { parseScope, scopeFromSegments } from "./scope.ts";
import { roleDefinitionIdAt, type RoleAssignment } from "./state.ts";

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
      ? listRoleDefinitions(call, scope)
      : getRoleDefinition(call, scope, path.name);
  }
  if (path.name === undefined) {
    if (method !== "GET") throw armErrors.methodNotAllowed(method);
    return listRoleAssignments(call, scope);
  }
  switch (method) {
    case "GET":
      return getRoleAssignment(call, scope, path.name);
    case "PUT":
      return putRoleAssignment(call, scope, path.name);
    case "DELETE":
      return deleteRoleAssignment(call, scope, path.name);
    default:
      throw armErrors.methodNotAllowed(method);
  }
}

// --- role assignments ---

function getRoleAssignment(call: ArmCall, scope: string, name: string) {
  const { state } = call.context;
  authorize(state, call.caller, ACTIONS.readAssignments, scope);
  return jsonResponse(200, roleAssignmentBody(rules.getRoleAssignment(state, scope, name)));
}

function putRoleAssignment(call: ArmCall, scope: string, name: string): EmulatorResponse {
  const { state } = call.context;
  authorize(state, call.caller, ACTIONS.writeAssignment, scope);
  const put = rules.putRoleAssignment(state, {
    scope,
    name,
    body: () => readJsonBody(call.request),
    caller: call.caller,
  });
  switch (put.kind) {
    case "created":
      return jsonResponse(201, roleAssignmentBody(put.assignment));
    case "existing":
      // 200 or 201: ARM documents both.
      return jsonResponse(state.existingAssignmentPutStatus, roleAssignmentBody(put.assignment));
    case "conflict":
      throw armErrors.roleAssignmentExists(put.existing?.name);
  }
}

function deleteRoleAssignment(call: ArmCall, scope: string, name: string) {
  const { state } = call.context;
  authorize(state, call.caller, ACTIONS.deleteAssignment, scope);
  const deleted = rules.deleteRoleAssignment(state, scope, name);
  return deleted ? jsonResponse(200, roleAssignmentBody(deleted)) : { status: 204 };
}

/**
 * `$filter` forms ARM accepts for role assignments (2022-04-01 spec, plus the `assignedTo()` ones
 * azure-cli sends). Without `atScope()` the list also holds assignments below the scope. Lists
 * lag behind writes when the emulator's list delay is set (state.listedRoleAssignments()).
 */
function listRoleAssignments(call: ArmCall, scope: string): EmulatorResponse {
  const { state } = call.context;
  const filter = parseAssignmentFilter(call.request.query.get("$filter"));
  authorize(state, call.caller, ACTIONS.readAssignments, scope);
  const matches = rules.listRoleAssignments(state, scope, filter);
  return pagedList(call, matches.map(roleAssignmentBody));
}

const GUID_PATTERN =
  "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})";

function parseAssignmentFilter(filter: string | null): rules.AssignmentFilter {
  if (filter === null || filter.trim() === "") return { atScope: false };
  const forms: [RegExp, (match: RegExpExecArray) => rules.AssignmentFilter][] = [
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

/** A role assignment as ARM's answers carry it. */
export function roleAssignmentBody(assignment: RoleAssignment) {
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
function getRoleDefinition(call: ArmCall, scope: string, guid: string) {
  const definition = rules.getRoleDefinition(call.context.state, scope, guid);
  return jsonResponse(200, roleDefinitionBody(definition, scope));
}

function listRoleDefinitions(call: ArmCall, scope: string): EmulatorResponse {
  const { state } = call.context;
  rules.requireScope(state, scope);
  const wanted = parseDefinitionFilter(call.request.query.get("$filter"));
  const matches = rules.listRoleDefinitions(state, scope, wanted);
  return pagedList(
    call,
    matches.map((definition) => roleDefinitionBody(definition, scope)),
  );
}

function parseDefinitionFilter(filter: string | null): rules.DefinitionFilter {
  if (filter === null || filter.trim() === "") return {};
  const wanted: rules.DefinitionFilter = {};
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = /^\s*(roleName|type)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    if (!match) throw armErrors.unsupportedRoleDefinitionFilter(filter);
    const value = match[2].replaceAll("''", "'").toLowerCase();
    if (match[1].toLowerCase() === "rolename") wanted.roleName = value;
    else wanted.type = value;
  }
  return wanted;
}

/** A role definition as ARM's answers carry it, read at `scope`. */
export function roleDefinitionBody(definition: RoleDefinition, scope: string) {
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
