import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type {
  CallOptions,
  NewRoleAssignment,
  RoleAssignment,
  RoleAssignmentPort,
} from "../domain/ports.ts";
import { errorCode, statusOf, toActionError } from "./errors.ts";
import { backoffMs, type RetryBudget } from "./retry.ts";

/** The calls of the SDK's role-assignment operations the port needs. */
type RoleAssignments = Pick<
  AuthorizationManagementClient["roleAssignments"],
  "create" | "listForScope" | "deleteById" | "getById"
>;

type SdkRoleAssignment = Awaited<ReturnType<RoleAssignments["create"]>>;

function toRoleAssignment(assignment: SdkRoleAssignment): RoleAssignment {
  return {
    id: assignment.id ?? "",
    name: assignment.name ?? "",
    scope: assignment.scope ?? "",
    roleDefinitionId: assignment.roleDefinitionId ?? "",
    principalId: assignment.principalId ?? "",
    principalType: assignment.principalType,
  };
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

/**
 * Reads a just-created assignment back until ARM serves it, so success is only reported for an
 * assignment that can be seen (a read right after a write can miss it for a moment).
 */
async function confirmReadable(
  roleAssignments: RoleAssignments,
  id: string,
  budget: RetryBudget,
): Promise<SdkRoleAssignment> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await roleAssignments.getById(sdkScope(id), { abortSignal: budget.signal });
    } catch (error) {
      const wait = backoffMs(attempt, budget.clock.random());
      if (statusOf(error) !== 404 || budget.clock.now() + wait >= budget.deadline) throw error;
      await budget.clock.sleep(wait, budget.signal);
    }
  }
}

export function createRoleAssignmentPort(
  roleAssignments: RoleAssignments,
  budget: RetryBudget,
): RoleAssignmentPort {
  return {
    async listForPrincipal(scope, principalId, { signal }: CallOptions) {
      try {
        const found: RoleAssignment[] = [];
        const pages = roleAssignments.listForScope(sdkScope(scope), {
          filter: `principalId eq '${principalId}'`,
          abortSignal: signal,
        });
        for await (const assignment of pages) found.push(toRoleAssignment(assignment));
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the role assignments of the cluster's identity",
          scope,
          permission: "Microsoft.Authorization/roleAssignments/read",
        });
      }
    },

    async create(assignment: NewRoleAssignment, { signal }: CallOptions) {
      try {
        let status = 0;
        const created = await roleAssignments.create(
          sdkScope(assignment.scope),
          assignment.name,
          {
            roleDefinitionId: assignment.roleDefinitionId,
            principalId: assignment.principalId,
            principalType: assignment.principalType,
          },
          // 201 creates; 200 means this very assignment existed (a run whose list came before
          // ARM's lists caught up with an earlier run's write).
          { abortSignal: signal, onResponse: (raw) => (status = raw.status) },
        );
        return {
          created: toRoleAssignment(
            await confirmReadable(roleAssignments, created.id ?? "", budget),
          ),
          alreadyExisted: status === 200,
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
        await roleAssignments.deleteById(sdkScope(id), { abortSignal: signal });
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
