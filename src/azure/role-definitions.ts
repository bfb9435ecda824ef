import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { RoleDefinition, RoleDefinitionPort } from "../domain/ports.ts";
import { errorCode, statusOf, toActionError } from "./errors.ts";
import { sdkScope } from "./role-assignments.ts";

/** The calls of the SDK's role-definition operations the port needs. */
type RoleDefinitions = Pick<AuthorizationManagementClient["roleDefinitions"], "getById" | "list">;

type SdkRoleDefinition = Awaited<ReturnType<RoleDefinitions["getById"]>>;

function toRoleDefinition(definition: SdkRoleDefinition): RoleDefinition {
  return {
    id: definition.id ?? "",
    name: definition.name ?? "",
    roleName: definition.roleName ?? definition.name ?? "",
    permissions: (definition.permissions ?? []).map((p) => ({
      actions: p.actions ?? [],
      notActions: p.notActions ?? [],
      dataActions: p.dataActions ?? [],
      notDataActions: p.notDataActions ?? [],
    })),
  };
}

export function createRoleDefinitionPort(roleDefinitions: RoleDefinitions): RoleDefinitionPort {
  return {
    async getRoleDefinition(id, { signal }) {
      try {
        return toRoleDefinition(
          await roleDefinitions.getById(sdkScope(id), { abortSignal: signal }),
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
          found.push(toRoleDefinition(definition));
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
