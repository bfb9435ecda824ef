/**
 * Built-in role definition GUIDs. They are the same in every Azure cloud and tenant.
 * AcrPull: learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#acrpull
 */
export const BuiltInRoles = {
  AcrPull: { name: "AcrPull", guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d" },
} as const;

export interface Role {
  readonly name: string;
  readonly guid: string;
}

/** The subscription-scoped role definition id ARM expects in a role assignment. */
export function roleDefinitionId(subscriptionId: string, role: Role): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`;
}

/** True when a role definition id (either of ARM's two forms) names `role`. */
export function isRole(definitionId: string, role: Role): boolean {
  return definitionId.toLowerCase().endsWith(`/roledefinitions/${role.guid}`);
}
