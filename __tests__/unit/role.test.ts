/**
 * The `role` input resolved against a registry: `auto` by the registry's permission mode, a GUID
 * read from ARM, a name looked up among the roles assignable at the registry.
 */
import { describe, expect, it } from "@jest/globals";
import type { Registry } from "../../src/domain/ports.ts";
import { BuiltInRoles, type RoleChoice } from "../../src/domain/roles.ts";
import { ActionError } from "../../src/errors.ts";
import { resolveRole } from "../../src/workflows/role.ts";
import {
  ACR_PULL,
  ACR_PUSH,
  READER,
  REPOSITORY_READER,
  RecordingLog,
  type FakeAzure,
} from "../fakes/azure.ts";
import { ids, scopes } from "../fixtures.ts";
import { registryAt, world } from "../fakes/world.ts";

const signal = new AbortController().signal;
const IMAGE_PULLER = ids.imagePullerRole;
const SECOND_PULLER = "e0f2a4b6-9c1d-4e3f-8a5b-7c8d9e0f1a26";
const ELSEWHERE = "f1a3b5c7-0d2e-4f4a-9b6c-8d9e0f1a2b37";

const legacy = registryAt(scopes.registry);

function resolve(choice: RoleChoice, registry: Registry = legacy, azure: FakeAzure = world()) {
  return resolveRole(choice, registry, azure, { signal, log: new RecordingLog() });
}

/**
 * The world with its custom role Image Puller, assignable in the subscription, and one more
 * assignable only in another subscription.
 */
function customWorld(): FakeAzure {
  const azure = world();
  azure.addRoleDefinition({
    guid: ELSEWHERE,
    roleName: "Elsewhere Puller",
    assignableScopes: ["/subscriptions/9a1c5d07-2b6e-4f38-8c41-6e3d2a1b5c03"],
    actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
  });
  return azure;
}

describe("resolveRole", () => {
  it.each<[string | undefined, string]>([
    [undefined, "AcrPull"],
    ["LegacyRegistryPermissions", "AcrPull"],
    ["AbacRepositoryPermissions", "Container Registry Repository Reader"],
    ["abacrepositorypermissions", "Container Registry Repository Reader"],
  ])("picks by mode for auto: %s → %s", async (roleAssignmentMode, expected) => {
    const registry = registryAt(scopes.registry, { roleAssignmentMode });

    const resolved = await resolve({ kind: "auto" }, registry);

    expect(resolved.role.name).toBe(expected);
    expect(resolved.definition).toBeUndefined();
  });

  it("resolves auto to the built-in GUIDs", async () => {
    const abac = registryAt(scopes.abacRegistry, {
      roleAssignmentMode: "AbacRepositoryPermissions",
    });

    const [onLegacy, onAbac] = await Promise.all([
      resolve({ kind: "auto" }),
      resolve({ kind: "auto" }, abac),
    ]);

    expect(onLegacy.role).toEqual({ name: "AcrPull", guid: ACR_PULL });
    expect(onAbac.role).toEqual({
      name: "Container Registry Repository Reader",
      guid: REPOSITORY_READER,
    });
  });

  it.each<[string, string, string]>([
    ["AcrPush", ACR_PUSH, "AcrPush"],
    ["Reader", READER, "Reader"],
    ["a custom role", IMAGE_PULLER, "Image Puller"],
  ])("reads %s given by GUID, learning its name", async (_, guid, roleName) => {
    const resolved = await resolve({ kind: "guid", guid }, legacy, customWorld());

    expect(resolved.role).toEqual({ name: roleName, guid });
    expect(resolved.definition).toMatchObject({ roleName, name: guid });
  });

  it("refuses a GUID that names no role, naming input 'role' and the GUID", async () => {
    const unknown = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    const attempt = resolve({ kind: "guid", guid: unknown });

    await expect(attempt).rejects.toThrow(ActionError);
    await expect(attempt).rejects.toThrow(`Input 'role': there is no role definition ${unknown}.`);
    await expect(attempt).rejects.toMatchObject({
      remedy: expect.stringContaining("az role definition list"),
    });
  });

  it.each<[string, string]>([
    ["AcrPull", ACR_PULL],
    ["AcrPush", ACR_PUSH],
    ["Container Registry Repository Reader", REPOSITORY_READER],
    ["Image Puller", IMAGE_PULLER],
  ])("finds the role named %s", async (name, guid) => {
    const resolved = await resolve({ kind: "name", name }, legacy, customWorld());

    expect(resolved.role).toEqual({ name, guid });
    expect(resolved.definition?.roleName).toBe(name);
  });

  it.each<[string, string]>([
    ["a misspelt name", "Acr Pull"],
    ["a custom role not assignable at the registry", "Elsewhere Puller"],
  ])("refuses %s, naming input 'role' and the registry", async (_, name) => {
    const attempt = resolve({ kind: "name", name }, legacy, customWorld());

    await expect(attempt).rejects.toThrow(
      `Input 'role': no role named '${name}' can be assigned on ${scopes.registry}.`,
    );
    await expect(attempt).rejects.toMatchObject({
      remedy: expect.stringMatching(
        new RegExp(`az role definition list --name "${name}".*'auto' for AcrPull`),
      ),
    });
  });

  it("refuses a name two roles share, listing both GUIDs", async () => {
    const azure = customWorld();
    azure.addRoleDefinition({
      guid: SECOND_PULLER,
      roleName: "Image Puller",
      assignableScopes: [`${scopes.subscription}/resourceGroups/rg-acr`],
      actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
    });

    const attempt = resolve({ kind: "name", name: "Image Puller" }, legacy, azure);

    await expect(attempt).rejects.toThrow("Input 'role': several roles are named 'Image Puller'.");
    await expect(attempt).rejects.toMatchObject({
      remedy: expect.stringMatching(new RegExp(`${IMAGE_PULLER}, ${SECOND_PULLER}`)),
    });
  });

  it("resolves a name into the built-in role auto would pick", async () => {
    const resolved = await resolve({ kind: "name", name: BuiltInRoles.AcrPull.name });

    expect(resolved.role).toEqual(BuiltInRoles.AcrPull);
    expect(resolved.definition?.id).toBe(
      `/subscriptions/${ids.subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
    );
  });
});
