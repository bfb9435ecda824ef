import { randomUUID } from "node:crypto";
import { splitAuthorizationPath } from "./authorization.ts";
import type { EmulatorRequest } from "./exchange.ts";
import type { FaultQueue } from "./faults.ts";
import { scopeFromSegments } from "./scope.ts";
import type { PrincipalType } from "./seed.ts";
import type { EmulatorState, RoleAssignment } from "./state.ts";

/**
 * Races another writer can make a run lose, each played on the next matching role assignment
 * request: the assignment the run is deleting goes away just before its DELETE (ARM answers
 * 204), the one it is creating appears just before its PUT, an existing one is answered 201, or
 * the connection drops once the write is applied. Built on `inject` faults (faults.ts), so
 * `clearFaults()` disarms them and `emulator.requests` marks the requests they shaped.
 */
export interface RaceControls {
  /**
   * Deletes an assignment directly, as a concurrent deleter would (no caller, no RBAC check), by
   * its name or its full id. False when there was none.
   */
  removeRoleAssignment(nameOrId: string): boolean;
  /**
   * The next role assignment DELETE (or the next `times`) finds its assignment deleted by
   * someone else just before: the emulator removes it, then answers as ARM does, 204.
   */
  deleteConcurrently(options?: { readonly times?: number }): void;
  /**
   * The next role assignment PUT (or the next `times`) finds the same assignment, under the same
   * name, created by someone else just before (with `createdOn`, `createdBy` and `description`
   * if given): the PUT then answers as for an existing assignment, 200, or 201 after
   * `setExistingAssignmentPutStatus(201)`, with that `createdOn`. With `underAnotherName` the
   * other writer picked its own name: the PUT then meets 409 RoleAssignmentExists.
   */
  createConcurrently(options?: ConcurrentCreate): void;
  /**
   * Whether ARM's 409 RoleAssignmentExists names the existing assignment (true, the default, as
   * its current answer does) or not (its older answer, "The role assignment already exists.").
   */
  setConflictNamesExisting(named: boolean): void;
  /**
   * What a PUT of a role assignment that already exists, unchanged, under that name answers: 200
   * (the default) or 201. ARM's spec documents both; the body keeps the existing `createdOn`.
   */
  setExistingAssignmentPutStatus(status: 200 | 201): void;
  /**
   * The next role assignment write (PUT unless `method` says DELETE; `times` of them) is
   * applied, then its connection drops before the answer: the client sees a reset, the write
   * happened. The SDKs retry a reset: `times: Infinity` drops the retries too.
   */
  dropAfterWrite(options?: { readonly method?: "PUT" | "DELETE"; readonly times?: number }): void;
}

export interface ConcurrentCreate {
  readonly times?: number;
  /** When the other writer made it; the emulator's clock now if omitted. */
  readonly createdOn?: string | Date;
  /** The other writer's object id; none if omitted. */
  readonly createdBy?: string;
  readonly description?: string;
  /** The other writer's assignment gets a name of its own instead of the PUT's. */
  readonly underAnotherName?: boolean;
}

/** A role assignment addressed by name or id (not a list, not a role definition). */
const ASSIGNMENT_PATH = /\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+\/?$/i;

/**
 * The controls an `Emulator` exposes; `clearFaults()` also puts the PUT status back to 200 and
 * the conflict's text back to naming the existing assignment.
 */
export function raceControls(state: EmulatorState, faults: FaultQueue): RaceControls {
  faults.onClear(() => {
    state.existingAssignmentPutStatus = 200;
    state.conflictNamesExisting = true;
  });
  return {
    removeRoleAssignment: (nameOrId) => {
      const name = nameOrId.split("/").filter(Boolean).at(-1) ?? "";
      if (!state.roleAssignment(name)) return false;
      state.deleteRoleAssignment(name);
      return true;
    },
    deleteConcurrently: (options = {}) =>
      faults.add({
        method: "DELETE",
        path: ASSIGNMENT_PATH,
        times: options.times ?? 1,
        before: (request) => {
          const name = addressed(request)?.name;
          if (name) state.deleteRoleAssignment(name);
        },
      }),
    createConcurrently: (options = {}) =>
      faults.add({
        method: "PUT",
        path: ASSIGNMENT_PATH,
        times: options.times ?? 1,
        before: (request) => createAsRequested(state, request, options),
      }),
    setExistingAssignmentPutStatus: (status) => {
      if (status !== 200 && status !== 201) {
        throw new Error(`An existing assignment's PUT answers 200 or 201, not ${String(status)}`);
      }
      state.existingAssignmentPutStatus = status;
    },
    setConflictNamesExisting: (named) => {
      state.conflictNamesExisting = named;
    },
    dropAfterWrite: (options = {}) =>
      faults.add({
        method: options.method ?? "PUT",
        path: ASSIGNMENT_PATH,
        times: options.times ?? 1,
        resetAfterApplying: true,
      }),
  };
}

/** The scope and name a role assignment request addresses. */
function addressed(request: EmulatorRequest): { scope: string; name: string } | undefined {
  const apiVersion = request.query.get("api-version") ?? "";
  const path = splitAuthorizationPath(request.segments, apiVersion);
  if (path?.collection !== "roleAssignments" || path.name === undefined) return undefined;
  return { scope: scopeFromSegments(path.scopeSegments), name: path.name };
}

/** Creates what the PUT asks for, unless it already exists. */
function createAsRequested(
  state: EmulatorState,
  request: EmulatorRequest,
  options: ConcurrentCreate,
): void {
  const target = addressed(request);
  if (!target) return;
  let properties: Record<string, unknown> | undefined;
  try {
    properties = (JSON.parse(request.body.toString("utf8")) as { properties?: typeof properties })
      .properties;
  } catch {
    return; // a malformed body: let ARM's own answer say so
  }
  if (typeof properties?.roleDefinitionId !== "string") return;
  if (typeof properties.principalId !== "string") return;
  writeConcurrently(
    state,
    {
      ...target,
      roleDefinitionId: properties.roleDefinitionId,
      principalId: properties.principalId,
      principalType: properties.principalType as PrincipalType | undefined,
    },
    options,
  );
}

/** What a role assignment write asks for, as the other writer reads it. */
export interface WantedAssignment {
  readonly scope: string;
  readonly name: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly principalType?: PrincipalType;
}

/**
 * Another writer's assignment of what `wanted` asks for, made just before that write lands (no
 * caller, no RBAC check): under the write's name, or with `underAnotherName` a fresh one. Nothing
 * when the name is taken, or the same role, principal and scope are assigned already. The unit
 * tests' in-memory ports call this directly; the emulator through `createConcurrently`.
 */
export function writeConcurrently(
  state: EmulatorState,
  wanted: WantedAssignment,
  options: ConcurrentCreate = {},
): RoleAssignment | undefined {
  const name = options.underAnotherName ? randomUUID() : wanted.name;
  if (state.roleAssignment(name)) return undefined;
  const guid = /([^/]+)\/?$/.exec(wanted.roleDefinitionId)?.[1] ?? "";
  if (state.findDuplicate(wanted.scope, guid, wanted.principalId)) return undefined;
  return state.addRoleAssignment(
    {
      scope: wanted.scope,
      name,
      roleDefinitionId: wanted.roleDefinitionId,
      principalId: wanted.principalId,
      principalType: wanted.principalType,
      createdOn: options.createdOn,
      createdBy: options.createdBy,
      description: options.description,
    },
    null,
  );
}
