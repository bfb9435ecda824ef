/**
 * Azure RBAC's rule for one operation, as the check applies it: allowed when an action (or data
 * action) pattern matches and no notAction (notDataAction) does, `*` matching anything.
 */
import { describe, expect, it } from "@jest/globals";
import type {
  Permission,
  RoleAssignment,
  RoleDefinition,
  RoleDefinitionPort,
} from "../../src/domain/ports.ts";
import type { RegistryMode } from "../../src/domain/roles.ts";
import { grantsPull } from "../../src/domain/access.ts";
import { judgeAssignments } from "../../src/workflows/access.ts";
import {
  ACR_PULL,
  ACR_PUSH,
  CONTRIBUTOR,
  OWNER,
  type FakeAzure,
  READER,
  REPOSITORY_READER,
  assignmentIdFor,
  roleDefinitionIdFor,
} from "../fakes/azure.ts";
import { ids, scopes } from "../fixtures.ts";
import { world } from "../fakes/world.ts";
import { BUILT_IN_ROLE_DEFINITIONS } from "../../emulator/role-definitions.ts";

const subscription = ids.subscription;
const kubeletObjectId: string = ids.kubelet.objectId;
const registryScope: string = scopes.registry;
const signal = new AbortController().signal;

const PULL = "Microsoft.ContainerRegistry/registries/pull/read";
const CONTENT_READ = "Microsoft.ContainerRegistry/registries/repositories/content/read";

function definition(...permissions: Partial<Permission>[]): RoleDefinition {
  return {
    id: roleDefinitionIdFor(subscription, "00000000-0000-4000-8000-000000000001"),
    name: "00000000-0000-4000-8000-000000000001",
    roleName: "Under test",
    permissions: permissions.map((p) => ({
      actions: p.actions ?? [],
      notActions: p.notActions ?? [],
      dataActions: p.dataActions ?? [],
      notDataActions: p.notDataActions ?? [],
    })),
  };
}

/** A built-in role as the emulator holds it: its real permissions. */
function builtIn(guid: string): RoleDefinition {
  const role = BUILT_IN_ROLE_DEFINITIONS.find((candidate) => candidate.id === guid)!;
  return { ...definition(...role.permissions), roleName: role.roleName, name: guid };
}

describe("grantsPull", () => {
  const cases: [string, RoleDefinition, RegistryMode, boolean][] = [
    // Legacy registries: the control-plane action registries/pull/read.
    ["AcrPull", builtIn(ACR_PULL), "legacy", true],
    ["AcrPush", builtIn(ACR_PUSH), "legacy", true],
    ["Owner (*)", builtIn(OWNER), "legacy", true],
    ["Reader (*/read)", builtIn(READER), "legacy", true],
    ["Contributor (* but Authorization writes)", builtIn(CONTRIBUTOR), "legacy", true],
    ["Repository Reader (data actions only)", builtIn(REPOSITORY_READER), "legacy", false],
    ["a custom role with registries/pull/read", definition({ actions: [PULL] }), "legacy", true],
    [
      "a custom role with Microsoft.ContainerRegistry/*/read",
      definition({ actions: ["Microsoft.ContainerRegistry/*/read"] }),
      "legacy",
      true,
    ],
    [
      "a custom role with registries/*",
      definition({ actions: ["Microsoft.ContainerRegistry/registries/*"] }),
      "legacy",
      true,
    ],
    [
      "the action in another casing",
      definition({ actions: ["microsoft.containerregistry/REGISTRIES/pull/read"] }),
      "legacy",
      true,
    ],
    [
      "push only",
      definition({ actions: ["Microsoft.ContainerRegistry/registries/push/write"] }),
      "legacy",
      false,
    ],
    [
      "a prefix of the action, without a wildcard",
      definition({ actions: ["Microsoft.ContainerRegistry/registries/pull"] }),
      "legacy",
      false,
    ],
    [
      "a '.' that would match any character in a regular expression",
      definition({ actions: ["Microsoft.ContainerRegistry/registries/pull.read"] }),
      "legacy",
      false,
    ],
    [
      "everything but pull (notActions)",
      definition({ actions: ["*"], notActions: [PULL] }),
      "legacy",
      false,
    ],
    [
      "everything but the registry provider (notActions wildcard)",
      definition({ actions: ["*"], notActions: ["Microsoft.ContainerRegistry/*"] }),
      "legacy",
      false,
    ],
    [
      "the pull action listed as a data action",
      definition({ dataActions: [PULL] }),
      "legacy",
      false,
    ],
    [
      "one block that grants and another whose notActions exclude it",
      definition({ actions: [PULL] }, { actions: ["*"], notActions: [PULL] }),
      "legacy",
      true,
    ],
    ["no permissions at all", definition(), "legacy", false],
    // ABAC registries: the repository data action content/read.
    ["Repository Reader", builtIn(REPOSITORY_READER), "abac", true],
    ["AcrPull", builtIn(ACR_PULL), "abac", false],
    ["AcrPush", builtIn(ACR_PUSH), "abac", false],
    ["Owner (* actions, no data actions)", builtIn(OWNER), "abac", false],
    ["Reader", builtIn(READER), "abac", false],
    [
      "a custom role with repositories/*",
      definition({ dataActions: ["Microsoft.ContainerRegistry/registries/repositories/*"] }),
      "abac",
      true,
    ],
    ["a custom role with data actions *", definition({ dataActions: ["*"] }), "abac", true],
    [
      "all data actions but content/read (notDataActions)",
      definition({ dataActions: ["*"], notDataActions: [CONTENT_READ] }),
      "abac",
      false,
    ],
    [
      "all repository data actions but reads (notDataActions wildcard)",
      definition({
        dataActions: ["Microsoft.ContainerRegistry/registries/repositories/*"],
        notDataActions: ["Microsoft.ContainerRegistry/registries/repositories/*/read"],
      }),
      "abac",
      false,
    ],
    [
      "metadata read only",
      definition({
        dataActions: ["Microsoft.ContainerRegistry/registries/repositories/metadata/read"],
      }),
      "abac",
      false,
    ],
    [
      "content/read listed as a control-plane action",
      definition({ actions: [CONTENT_READ] }),
      "abac",
      false,
    ],
    [
      "notActions do not subtract from data actions",
      definition({ dataActions: [CONTENT_READ], notActions: ["*"] }),
      "abac",
      true,
    ],
  ];

  it.each(cases.map(([name, role, mode, expected]) => [mode, name, expected, role] as const))(
    "%s registry, %s: %s",
    (mode, _, expected, role) => {
      expect(grantsPull(role, mode)).toBe(expected);
    },
  );
});

describe("judgeAssignments", () => {
  function held(roleDefinitionId: string, name: string): RoleAssignment {
    return {
      id: assignmentIdFor(registryScope, name),
      name,
      scope: registryScope,
      roleDefinitionId,
      principalId: kubeletObjectId,
      principalType: "ServicePrincipal",
    };
  }

  /**
   * The fake's definitions behind a port that answers each id (in any casing) only once and
   * knows nothing the second time: a verdict that needed a second read would lose its role.
   */
  function answeringOnce(azure: FakeAzure): Pick<FakeAzure, "roleDefinitions"> {
    const answered = new Set<string>();
    const port: RoleDefinitionPort = {
      getRoleDefinition: async (id, options) => {
        const key = id.toLowerCase();
        if (answered.has(key)) return undefined;
        answered.add(key);
        return azure.roleDefinitions.getRoleDefinition(id, options);
      },
      findRoleDefinitions: (scope, name, options) =>
        azure.roleDefinitions.findRoleDefinitions(scope, name, options),
    };
    return { roleDefinitions: port };
  }

  it("judges each assignment by its role, reading a definition shared by several once", async () => {
    const azure = world();
    const acrPull = roleDefinitionIdFor(subscription, ACR_PULL);
    const assignments = [
      held(acrPull, "a"),
      held(acrPull.toUpperCase(), "b"),
      held(roleDefinitionIdFor(subscription, REPOSITORY_READER), "c"),
      held(acrPull.toLowerCase(), "d"),
    ];

    const verdicts = await judgeAssignments(assignments, "legacy", answeringOnce(azure), {
      signal,
    });

    expect(
      verdicts.map((v) => [v.assignment.name, v.roleName, v.grantsPull, v.grantsPullInOtherMode]),
    ).toEqual([
      ["a", "AcrPull", true, false],
      ["b", "AcrPull", true, false],
      ["c", "Container Registry Repository Reader", false, true],
      ["d", "AcrPull", true, false],
    ]);
  });

  it("says which grants pull in the other mode on an ABAC registry", async () => {
    const azure = world();
    const assignments = [
      held(roleDefinitionIdFor(subscription, ACR_PUSH), "push"),
      held(`/providers/Microsoft.Authorization/roleDefinitions/${REPOSITORY_READER}`, "reader"),
    ];

    const verdicts = await judgeAssignments(assignments, "abac", azure, { signal });

    expect(verdicts.map((v) => [v.roleName, v.grantsPull, v.grantsPullInOtherMode])).toEqual([
      ["AcrPush", false, true],
      ["Container Registry Repository Reader", true, false],
    ]);
  });

  it("judges a custom role by its permissions", async () => {
    const azure = world();
    const guid = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f";
    azure.addRoleDefinition({
      guid,
      roleName: "Registry Reader",
      assignableScopes: [`/subscriptions/${subscription}`],
      actions: ["Microsoft.ContainerRegistry/*/read"],
    });

    const [verdict] = await judgeAssignments(
      [held(roleDefinitionIdFor(subscription, guid), "custom")],
      "legacy",
      azure,
      { signal },
    );

    expect(verdict).toMatchObject({ roleName: "Registry Reader", grantsPull: true });
  });

  it("lets a role whose definition cannot be read grant nothing, naming it by its GUID", async () => {
    const azure = world();
    const unknown = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    const verdicts = await judgeAssignments(
      [held(roleDefinitionIdFor(subscription, unknown.toUpperCase()), "gone")],
      "legacy",
      azure,
      { signal },
    );

    expect(verdicts).toEqual([
      expect.objectContaining({
        roleName: unknown,
        grantsPull: false,
        grantsPullInOtherMode: false,
      }),
    ]);
  });

  it("returns no verdicts for no assignments", async () => {
    const azure = world();

    const verdicts = await judgeAssignments([], "abac", azure, { signal });

    expect(verdicts).toEqual([]);
  });
});
