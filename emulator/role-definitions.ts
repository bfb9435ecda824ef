/**
 * Role definitions as Azure holds them. The built-in ones carry their real GUIDs, names,
 * descriptions and permissions, because the action (and its tests) must recognise them by GUID
 * and evaluate their actions exactly as Azure would. Built-in GUIDs are the same in every cloud
 * and tenant.
 *
 * Sources (MicrosoftDocs/azure-docs, generated from Azure itself):
 * - AcrPull, AcrPush, Container Registry Repository Reader:
 *   https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers
 *   (articles/role-based-access-control/built-in-roles/containers.md, commit 0088bfa7)
 * - Owner, Contributor, Role Based Access Control Administrator, User Access Administrator:
 *   https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged
 *   (articles/role-based-access-control/built-in-roles/privileged.md, commit 0b8729ea)
 * - Reader:
 *   https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general
 *   (articles/role-based-access-control/built-in-roles/general.md, commit 03e5750a)
 */

export interface RoleDefinition {
  /** The GUID, which is also the definition's `name`. Lower case. */
  readonly id: string;
  readonly roleName: string;
  readonly description: string;
  readonly type: "BuiltInRole" | "CustomRole";
  readonly assignableScopes: readonly string[];
  readonly permissions: readonly Permission[];
}

export interface Permission {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
}

function builtIn(
  id: string,
  roleName: string,
  description: string,
  permission: Partial<Permission>,
): RoleDefinition {
  return {
    id,
    roleName,
    description,
    type: "BuiltInRole",
    assignableScopes: ["/"],
    permissions: [
      {
        actions: permission.actions ?? [],
        notActions: permission.notActions ?? [],
        dataActions: permission.dataActions ?? [],
        notDataActions: permission.notDataActions ?? [],
      },
    ],
  };
}

export const BUILT_IN_ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  builtIn("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", "acr pull", {
    actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
  }),
  builtIn("8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush", "acr push", {
    actions: [
      "Microsoft.ContainerRegistry/registries/pull/read",
      "Microsoft.ContainerRegistry/registries/push/write",
    ],
  }),
  builtIn(
    "b93aa761-3e63-49ed-ac28-beffa264f7ac",
    "Container Registry Repository Reader",
    "Allows for read access to Azure Container Registry repositories, but excluding catalog listing. This role is in preview and subject to change.",
    {
      dataActions: [
        "Microsoft.ContainerRegistry/registries/repositories/metadata/read",
        "Microsoft.ContainerRegistry/registries/repositories/content/read",
      ],
    },
  ),
  builtIn(
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Owner",
    "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
    { actions: ["*"] },
  ),
  builtIn(
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Contributor",
    "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
    {
      actions: ["*"],
      notActions: [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
      ],
    },
  ),
  builtIn(
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Reader",
    "View all resources, but does not allow you to make any changes.",
    { actions: ["*/read"] },
  ),
  builtIn(
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "User Access Administrator",
    "Lets you manage user access to Azure resources.",
    { actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"] },
  ),
  builtIn(
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Role Based Access Control Administrator",
    "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.",
    {
      actions: [
        "Microsoft.Authorization/roleAssignments/write",
        "Microsoft.Authorization/roleAssignments/delete",
        "*/read",
        "Microsoft.Support/*",
      ],
    },
  ),
];
