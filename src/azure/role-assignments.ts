import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type {
  CallOptions,
  NewRoleAssignment,
  RoleAssignment,
  RoleAssignmentPort,
} from "../domain/ports.ts";
import { errorCode, toActionError } from "./errors.ts";

/** The calls of the SDK's role-assignment operations the port needs. */
type RoleAssignments = Pick<
  AuthorizationManagementClient["roleAssignments"],
  "create" | "listForScope" | "deleteById"
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

export function createRoleAssignmentPort(roleAssignments: RoleAssignments): RoleAssignmentPort {
  return {
    async listAtScope(scope, { signal }: CallOptions) {
      try {
        const found: RoleAssignment[] = [];
        const pages = roleAssignments.listForScope(sdkScope(scope), {
          filter: "atScope()",
          abortSignal: signal,
        });
        for await (const assignment of pages) found.push(toRoleAssignment(assignment));
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
        // The 201 body is the assignment: no read-back (it would answer nothing about when the
        // kubelet can pull, which is a propagation delay ARM does not report).
        return { created: toRoleAssignment(created), alreadyExisted: status === 200 };
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
