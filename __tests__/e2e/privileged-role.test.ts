/**
 * `role` may not hand the cluster's pull identity (every pod on its nodes) a role that can write,
 * delete or assign roles, unless `allow-privileged-role: true` says so.
 */
import { describe, expect, it } from "@jest/globals";
import { ACR_PUSH, CONTRIBUTOR, ids, OWNER } from "../fixtures.ts";
import { errorText, useEmulator } from "./harness.ts";

const harness = useEmulator();
const USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

function kubeletAssignments() {
  return harness.emulator.roleAssignments().filter((a) => a.principalId === ids.kubelet.objectId);
}

describe("privileged roles", () => {
  it.each([
    ["Owner", "Owner", '"Owner"', "*"],
    ["Owner's GUID", OWNER, '"Owner"', "*"],
    ["Contributor's GUID", CONTRIBUTOR, '"Contributor"', "*"],
    [
      "User Access Administrator",
      "User Access Administrator",
      '"User Access Administrator"',
      "Microsoft.Authorization/*",
    ],
    [
      "User Access Administrator's GUID",
      USER_ACCESS_ADMINISTRATOR,
      '"User Access Administrator"',
      "Microsoft.Authorization/*",
    ],
    ["AcrPush", "AcrPush", '"AcrPush"', "Microsoft.ContainerRegistry/registries/push/write"],
    ["AcrPush's GUID", ACR_PUSH, '"AcrPush"', "Microsoft.ContainerRegistry/registries/push/write"],
  ])(
    "refuses %s before any write, naming it, what it allows and the fix",
    async (_, role, name, power) => {
      const result = await harness.run({ role });

      expect(result.exitCode).toBe(1);
      const error = errorText(result);
      expect(error).toContain(`Input 'role': ${name}`);
      expect(error).toContain(`"${power}"`);
      expect(error).toContain("allow-privileged-role: true");
      expect(harness.armWrites()).toEqual([]);
      expect(kubeletAssignments()).toEqual([]);
    },
  );

  it("refuses it in a dry run too", async () => {
    const result = await harness.run({ role: "Owner", "dry-run": "true" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain("allow-privileged-role");
  });

  it.each([
    ["Owner", "Owner"],
    ["Owner's GUID", OWNER],
  ])("grants %s with allow-privileged-role: true", async (_, role) => {
    const result = await harness.run({ role, "allow-privileged-role": "true" });

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    expect(kubeletAssignments().map((a) => a.roleName)).toEqual(["Owner"]);
  });

  it("grants a role that only reads without it", async () => {
    const result = await harness.run({ role: "Reader" });

    expect(result.exitCode).toBe(0);
    expect(kubeletAssignments().map((a) => a.roleName)).toEqual(["Reader"]);
  });
});
