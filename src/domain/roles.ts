/**
 * Built-in role definition GUIDs: the same in every Azure cloud and tenant. Source: the built-in
 * roles reference, learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers
 * (AcrPull, AcrPush, Container Registry Repository Reader).
 */
export const BuiltInRoles = {
  AcrPull: { name: "AcrPull", guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d" },
  AcrPush: { name: "AcrPush", guid: "8311e382-0749-4cb8-b61a-304f252e45ec" },
  /** The pull role of registries in `AbacRepositoryPermissions` mode, which ignore AcrPull. */
  RepositoryReader: {
    name: "Container Registry Repository Reader",
    guid: "b93aa761-3e63-49ed-ac28-beffa264f7ac",
  },
} as const;

export interface Role {
  readonly name: string;
  readonly guid: string;
}

/** The subscription-scoped role definition id ARM expects in a role assignment. */
export function roleDefinitionId(subscriptionId: string, role: Role): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`;
}

/** The GUID at the end of a role definition id, lower-cased. */
export function roleGuid(definitionId: string): string {
  return (definitionId.split("/").at(-1) ?? "").toLowerCase();
}

/** True when a role definition id (either of ARM's two forms) names `role`. */
export function isRole(definitionId: string, role: Role): boolean {
  return roleGuid(definitionId) === role.guid;
}

/** The registry's permission model: which role grants pull depends on it. */
export type RegistryMode = "legacy" | "abac";

export function registryMode(roleAssignmentMode: string | undefined): RegistryMode {
  return roleAssignmentMode?.toLowerCase() === "abacrepositorypermissions" ? "abac" : "legacy";
}

/** The role `role: auto` grants: AcrPull, or Repository Reader on ABAC registries. */
export function defaultPullRole(mode: RegistryMode): Role {
  return mode === "abac" ? BuiltInRoles.RepositoryReader : BuiltInRoles.AcrPull;
}

/** The `role` input: pick by registry mode, or a role given by name or GUID. */
export type RoleChoice =
  | { readonly kind: "auto" }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "guid"; readonly guid: string };
