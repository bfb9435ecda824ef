import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { RoleDefinition, RoleDefinitionPort } from "../domain/ports.ts";
import { answerFrom, freeText } from "./answers.ts";
import { errorCode, statusOf, toActionError } from "./errors.ts";
import { sdkScope } from "./role-assignments.ts";

/** The calls of the SDK's role-definition operations the port needs. */
type RoleDefinitions = Pick<AuthorizationManagementClient["roleDefinitions"], "getById" | "list">;

type SdkRoleDefinition = Awaited<ReturnType<RoleDefinitions["getById"]>>;

/** Operations as one-line text: they are matched and quoted, never addressed. */
function operations(list: readonly string[] | undefined): string[] {
  return (list ?? []).map((operation) => freeText(operation, 300) ?? "");
}

function toRoleDefinition(definition: SdkRoleDefinition, scope: string): RoleDefinition {
  const answer = answerFrom("a role definition", scope);
  const name = answer.guid("name", definition.name);
  return {
    id: answer.roleDefinitionId("id", definition.id),
    name,
    roleName: freeText(definition.roleName, 200) ?? name,
    permissions: (definition.permissions ?? []).map((p) => ({
      actions: operations(p.actions),
      notActions: operations(p.notActions),
      dataActions: operations(p.dataActions),
      notDataActions: operations(p.notDataActions),
    })),
  };
}

export function createRoleDefinitionPort(roleDefinitions: RoleDefinitions): RoleDefinitionPort {
  return {
    async getRoleDefinition(id, { signal }) {
      try {
        return toRoleDefinition(
          await roleDefinitions.getById(sdkScope(id), { abortSignal: signal }),
          id,
        );
      } catch (error) {
        const code = errorCode(error);
        if (code === "RoleDefinitionDoesNotExist" || statusOf(error) === 404) return undefined;
        throw toActionError(error, {
          operation: "read the role definition",
          scope: id,
          permission: "Microsoft.Authorization/roleDefinitions/read",
        });
      }
    },

    async findRoleDefinitions(scope, roleName, { signal }) {
      const found: RoleDefinition[] = [];
      try {
        // OData string literals double their quotes.
        const filter = `roleName eq '${roleName.replaceAll("'", "''")}'`;
        for await (const definition of roleDefinitions.list(sdkScope(scope), {
          filter,
          abortSignal: signal,
        })) {
          found.push(toRoleDefinition(definition, scope));
        }
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: `look up the role named '${roleName}'`,
          scope,
          permission: "Microsoft.Authorization/roleDefinitions/read",
        });
      }
    },
  };
}
