/**
 * Which roles attach refuses to hand to a cluster's pull identity without
 * `allow-privileged-role`, by their permissions (the built-ins' as Microsoft publishes them).
 */
import { describe, expect, it } from "@jest/globals";
import type { Permission } from "../../src/domain/ports.ts";
import { privilegedPermissions } from "../../src/domain/privilege.ts";

function role(...permissions: Partial<Permission>[]) {
  return {
    id: "/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-4000-8000-000000000000",
    name: "00000000-0000-4000-8000-000000000000",
    roleName: "probe",
    permissions: permissions.map((p) => ({
      actions: p.actions ?? [],
      notActions: p.notActions ?? [],
      dataActions: p.dataActions ?? [],
      notDataActions: p.notDataActions ?? [],
    })),
  };
}

describe("privilegedPermissions", () => {
  it.each([
    ["Owner", role({ actions: ["*"] }), ["*"]],
    [
      "Contributor",
      role({
        actions: ["*"],
        notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"],
      }),
      ["*"],
    ],
    [
      "User Access Administrator",
      role({ actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"] }),
      ["Microsoft.Authorization/*", "Microsoft.Support/*"],
    ],
    [
      "AcrPush",
      role({
        actions: [
          "Microsoft.ContainerRegistry/registries/pull/read",
          "Microsoft.ContainerRegistry/registries/push/write",
        ],
      }),
      ["Microsoft.ContainerRegistry/registries/push/write"],
    ],
    ["a write through a wildcard", role({ actions: ["*/write"] }), ["*/write"]],
    [
      "a delete",
      role({ actions: ["Microsoft.ContainerRegistry/registries/delete"] }),
      ["Microsoft.ContainerRegistry/registries/delete"],
    ],
    [
      "a provider wildcard",
      role({ actions: ["Microsoft.ContainerRegistry/*"] }),
      ["Microsoft.ContainerRegistry/*"],
    ],
    [
      "a partial wildcard covering write",
      role({ actions: ["Microsoft.ContainerRegistry/registries/wr*"] }),
      ["Microsoft.ContainerRegistry/registries/wr*"],
    ],
    [
      "a data write",
      role({ dataActions: ["Microsoft.ContainerRegistry/registries/repositories/content/write"] }),
      ["Microsoft.ContainerRegistry/registries/repositories/content/write"],
    ],
    ["AcrPull", role({ actions: ["Microsoft.ContainerRegistry/registries/pull/read"] }), []],
    ["Reader", role({ actions: ["*/read"] }), []],
    ["reading access settings", role({ actions: ["Microsoft.Authorization/*/read"] }), []],
    [
      "Container Registry Repository Reader",
      role({
        dataActions: [
          "Microsoft.ContainerRegistry/registries/repositories/content/read",
          "Microsoft.ContainerRegistry/registries/repositories/metadata/read",
        ],
      }),
      [],
    ],
  ])("%s", (_, definition, expected) => {
    expect(privilegedPermissions(definition)).toEqual(expected);
  });
});
