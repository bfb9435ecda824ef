import { ActionError } from "../errors.ts";
import type { AzurePorts, Registry, RoleDefinition } from "../domain/ports.ts";
import { splitArmId } from "../domain/resource-id.ts";
import {
  BuiltInRoles,
  defaultPullRole,
  registryMode,
  roleDefinitionId,
  roleGuid,
  type Role,
  type RoleChoice,
} from "../domain/roles.ts";
import type { WorkflowOptions } from "./target.ts";
import { Inputs } from "../names.ts";

export interface ResolvedRole {
  readonly role: Role;
  /** Known when the role was named or given by GUID (read from ARM); not for `auto`. */
  readonly definition: RoleDefinition | undefined;
}

/**
 * The role to grant (or remove) on `registry`. `auto` costs no request; a GUID is read to learn
 * its name and check it exists; a name is looked up among the roles assignable at the registry.
 */
export async function resolveRole(
  choice: RoleChoice,
  registry: Registry,
  ports: Pick<AzurePorts, "roleDefinitions">,
  options: WorkflowOptions,
): Promise<ResolvedRole> {
  if (choice.kind === "auto") {
    return {
      role: defaultPullRole(registryMode(registry.roleAssignmentMode)),
      definition: undefined,
    };
  }
  if (choice.kind === "guid") {
    const guid = choice.guid.toLowerCase();
    const { subscriptionId } = splitArmId(registry.id);
    const id = roleDefinitionId(subscriptionId, { name: guid, guid });
    const definition = await ports.roleDefinitions.getRoleDefinition(id, options);
    if (!definition) {
      throw new ActionError(`Input '${Inputs.Role}': there is no role definition ${choice.guid}.`, {
        remedy:
          "Use a role's GUID as listed by 'az role definition list --query [].name', or its name.",
      });
    }
    return { role: { name: definition.roleName, guid }, definition };
  }
  const found = await ports.roleDefinitions.findRoleDefinitions(registry.id, choice.name, options);
  const [definition, ...others] = found;
  if (!definition) {
    throw new ActionError(
      `Input '${Inputs.Role}': no role named '${choice.name}' can be assigned on ${registry.id}.`,
      {
        remedy:
          `Check the spelling (names are as in 'az role definition list --name "${choice.name}"'), ` +
          `or use 'auto' for ${BuiltInRoles.AcrPull.name} (${BuiltInRoles.RepositoryReader.name} on ABAC registries).`,
      },
    );
  }
  if (others.length > 0) {
    throw new ActionError(`Input '${Inputs.Role}': several roles are named '${choice.name}'.`, {
      remedy: `Give the role's GUID instead: ${found.map((d) => d.name).join(", ")}.`,
    });
  }
  return { role: { name: definition.roleName, guid: roleGuid(definition.id) }, definition };
}
