/**
 * Which of an identity's role assignments let it pull: the domain's RBAC rule (domain/access.ts)
 * applied to the definitions the assignments name, read through the port.
 */
import type { AzurePorts, CallOptions, RoleAssignment } from "../domain/ports.ts";
import { grantsPull } from "../domain/access.ts";
import { roleGuid, type RegistryMode } from "../domain/roles.ts";

/** One assignment's verdict, for the check report and detach's "still grants pull" list. */
export interface AssignmentVerdict {
  readonly assignment: RoleAssignment;
  readonly roleName: string;
  /** Lets its holder pull from the registry, in the registry's mode. */
  readonly grantsPull: boolean;
  /** Would let its holder pull from a registry in the other mode (AcrPull on ABAC, say). */
  readonly grantsPullInOtherMode: boolean;
}

/**
 * Reads the definitions of the assignments' roles (each once, at the same time) and says which
 * assignments let their holder pull in `mode`. A definition that cannot be read grants nothing.
 */
export async function judgeAssignments(
  assignments: readonly RoleAssignment[],
  mode: RegistryMode,
  ports: Pick<AzurePorts, "roleDefinitions">,
  options: CallOptions,
): Promise<AssignmentVerdict[]> {
  if (assignments.length === 0) return [];
  const ids = [...new Set(assignments.map((a) => a.roleDefinitionId.toLowerCase()))];
  const definitions = new Map(
    await Promise.all(
      ids.map(
        async (id) => [id, await ports.roleDefinitions.getRoleDefinition(id, options)] as const,
      ),
    ),
  );
  return assignments.map((assignment) => {
    const definition = definitions.get(assignment.roleDefinitionId.toLowerCase());
    const otherMode: RegistryMode = mode === "abac" ? "legacy" : "abac";
    return {
      assignment,
      roleName: definition?.roleName ?? roleGuid(assignment.roleDefinitionId),
      grantsPull: definition ? grantsPull(definition, mode) : false,
      grantsPullInOtherMode: definition ? grantsPull(definition, otherMode) : false,
    };
  });
}
