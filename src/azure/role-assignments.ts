import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type {
  CallOptions,
  NewRoleAssignment,
  RoleAssignment,
  RoleAssignmentPort,
} from "../domain/ports.ts";
import { answerFrom, freeText } from "./answers.ts";
import { errorCode, toActionError } from "./errors.ts";
import { hadUnansweredAttempt, type RetryBudget } from "./retry.ts";

/** The calls of the SDK's role-assignment operations the port needs. */
type RoleAssignments = Pick<
  AuthorizationManagementClient["roleAssignments"],
  "create" | "listForScope" | "deleteById"
>;

type SdkRoleAssignment = Awaited<ReturnType<RoleAssignments["create"]>>;

/** An assignment answer as the domain sees it: its id becomes an output, its scope a target. */
function toRoleAssignment(assignment: SdkRoleAssignment, scope: string): RoleAssignment {
  const answer = answerFrom("a role assignment", scope);
  const description = freeText(assignment.description || undefined, 600);
  return {
    id: answer.roleAssignmentId("id", assignment.id),
    name: answer.guid("name", assignment.name),
    scope: answer.scope("scope", assignment.scope),
    roleDefinitionId: answer.roleDefinitionId("roleDefinitionId", assignment.roleDefinitionId),
    principalId: answer.guid("principalId", assignment.principalId),
    principalType: freeText(assignment.principalType, 100),
    ...(description === undefined ? {} : { description }),
  };
}

/** Beyond this, the runner's and ARM's clocks are taken to differ by what ARM's `Date` says. */
const TOLERATED_SKEW_MS = 2000;

/**
 * Was an assignment that a PUT answered with 201 there before this run? ARM documents 201 for a
 * new assignment and for one that already existed, so its `createdOn` decides: older than the
 * run's start, it is not this run's. Both clocks are normally synchronized; when ARM's `Date`
 * header shows them further apart than a Date's second of rounding, the start is moved onto
 * ARM's clock by that difference.
 */
export function createdBeforeRun(
  createdOn: Date | undefined,
  runStarted: number,
  answer: { readonly at: number; readonly armDate: number | undefined },
): boolean {
  if (createdOn === undefined || Number.isNaN(createdOn.getTime())) return false;
  const skew = answer.armDate === undefined ? 0 : answer.armDate - answer.at;
  const start = Math.abs(skew) > TOLERATED_SKEW_MS ? runStarted + skew : runStarted;
  return createdOn.getTime() < start;
}

/** ARM's 409 text carries the existing assignment's name as 32 hex digits. */
function existingAssignmentName(message: string): string | undefined {
  const hex = /existing role assignment is ([0-9a-f]{32})/i.exec(message)?.[1];
  return hex?.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5").toLowerCase();
}

/** The SDK puts `{scope}` after a `/` of its own, so it takes scopes without the leading one. */
export function sdkScope(scope: string): string {
  return scope.replace(/^\/+/, "");
}

export function createRoleAssignmentPort(
  roleAssignments: RoleAssignments,
  budget: RetryBudget,
): RoleAssignmentPort {
  const runStarted = budget.started ?? budget.clock.now();
  return {
    async listAtScope(scope, { signal }: CallOptions) {
      try {
        const found: RoleAssignment[] = [];
        const pages = roleAssignments.listForScope(sdkScope(scope), {
          filter: "atScope()",
          abortSignal: signal,
        });
        for await (const assignment of pages) found.push(toRoleAssignment(assignment, scope));
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the role assignments that apply to the registry",
          scope,
          permission: "Microsoft.Authorization/roleAssignments/read",
        });
      }
    },

    async create(assignment: NewRoleAssignment, { signal }: CallOptions) {
      try {
        let status = 0;
        const answer: { at: number; armDate: number | undefined; unansweredBefore: boolean } = {
          at: 0,
          armDate: undefined,
          unansweredBefore: false,
        };
        const created = await roleAssignments.create(
          sdkScope(assignment.scope),
          assignment.name,
          {
            roleDefinitionId: assignment.roleDefinitionId,
            principalId: assignment.principalId,
            principalType: assignment.principalType,
            ...(assignment.description === undefined
              ? {}
              : { description: assignment.description }),
          },
          // 201 creates; 200 means this very assignment existed (a run whose list came before
          // ARM's lists caught up with an earlier run's write). 201 may also answer an existing
          // one: its createdOn tells.
          {
            abortSignal: signal,
            onResponse: (raw) => {
              status = raw.status;
              answer.unansweredBefore = hadUnansweredAttempt(raw.request);
              answer.at = budget.clock.now();
              const date = Date.parse(raw.headers.get("date") ?? "");
              answer.armDate = Number.isNaN(date) ? undefined : date;
            },
          },
        );
        const id = answerFrom("a role assignment", assignment.scope).roleAssignmentId(
          "id",
          created.id,
        );
        // The 201 body is the assignment: no read-back (it would answer nothing about when the
        // kubelet can pull, which is a propagation delay ARM does not report).
        const before = createdBeforeRun(created.createdOn, runStarted, answer);
        // A 200 after an attempt whose answer was lost, for an assignment made since the run
        // began, is that attempt's own write found again: this run's change.
        const lostAnswerFound =
          answer.unansweredBefore && created.createdOn !== undefined && !before && status === 200;
        return {
          created: { ...toRoleAssignment(created, assignment.scope), id },
          alreadyExisted: before || (status === 200 && !lostAnswerFound),
        };
      } catch (error) {
        if (errorCode(error) === "RoleAssignmentExists") {
          const name = existingAssignmentName(error instanceof Error ? error.message : "");
          return {
            conflict: {
              existingId: name
                ? `${assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`
                : undefined,
            },
          };
        }
        throw toActionError(error, {
          operation: "create the role assignment",
          scope: assignment.scope,
          permission: "Microsoft.Authorization/roleAssignments/write",
        });
      }
    },

    async delete(id, { signal }) {
      try {
        // ARM answers 200 with the deleted assignment, or 204 when it was already gone.
        let status = 0;
        await roleAssignments.deleteById(sdkScope(id), {
          abortSignal: signal,
          onResponse: (raw) => (status = raw.status),
        });
        return { deleted: status !== 204 };
      } catch (error) {
        throw toActionError(error, {
          operation: "delete the role assignment",
          scope: id,
          permission: "Microsoft.Authorization/roleAssignments/delete",
        });
      }
    },
  };
}
