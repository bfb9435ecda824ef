/**
 * Honest reports when another writer acts between the action's read and its write, or when a
 * write's answer is lost: the bundled action against the emulator's races.
 */
import { describe, expect, it } from "@jest/globals";
import { ids, scopes } from "../fixtures.ts";
import { errorText, useEmulator } from "./harness.ts";

const harness = useEmulator();

describe("races", () => {
  it("a DELETE answered 204 (someone else removed it first) is no change of this run", async () => {
    const seeded = harness.emulator.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
    });
    harness.emulator.deleteConcurrently();

    const result = await harness.run({ mode: "detach" });

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.outputs["changed"]).toBe("false");
    expect(result.outputs["removed-assignment-ids"]).toBe("[]");
    expect(result.stdout).toContain(`${seeded.id} was already gone`);
    expect(result.summary).toContain("Already gone");
    expect(harness.kubeletPullAssignments()).toEqual([]);
  });

  it("a PUT answered 201 for the same-name assignment that already existed is no change", async () => {
    harness.emulator.createConcurrently({ createdOn: new Date("2024-01-01T00:00:00Z") });
    harness.emulator.setExistingAssignmentPutStatus(201);

    const result = await harness.run();

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.outputs["changed"]).toBe("false");
    expect(harness.kubeletPullAssignments()).toHaveLength(1);
    expect(result.outputs["role-assignment-id"]).toBe(harness.kubeletPullAssignments()[0]!.id);
  });

  it("a 201 for an assignment this run really created is a change", async () => {
    harness.emulator.setExistingAssignmentPutStatus(201);

    const result = await harness.run();

    expect(result.exitCode).toBe(0);
    expect(result.outputs["changed"]).toBe("true");
  });

  it("a PUT whose answer was lost, found again by its retry, is this run's change", async () => {
    harness.emulator.dropAfterWrite({ times: 1 });

    const result = await harness.run();

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    expect(harness.armWrites().filter((w) => w.startsWith("PUT"))).toHaveLength(2);
    expect(harness.kubeletPullAssignments()).toHaveLength(1);
    expect(result.outputs["changed"]).toBe("true");
    expect(result.outputs["role-assignment-id"]).toBe(harness.kubeletPullAssignments()[0]!.id);
  });

  it("a 200 for an assignment another writer made during the run, no answer lost, is no change", async () => {
    harness.emulator.createConcurrently();

    const result = await harness.run();

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    expect(harness.kubeletPullAssignments()).toHaveLength(1);
    expect(result.outputs["changed"]).toBe("false");
  });

  it("a write whose connection always drops says it may have happened; a re-run converges", async () => {
    harness.emulator.dropAfterWrite({ times: Infinity });

    const failed = await harness.run({ "timeout-seconds": "3" });

    expect(failed.exitCode).toBe(1);
    expect(errorText(failed)).toMatch(/PUT was sent, so Azure may have made the change/);
    expect(errorText(failed)).toMatch(/re-running the job converges/);
    // It did happen: the emulator applied the write before dropping the connection.
    expect(harness.kubeletPullAssignments()).toHaveLength(1);

    harness.emulator.clearFaults();
    const rerun = await harness.run();

    expect(rerun.exitCode).toBe(0);
    expect(rerun.outputs["changed"]).toBe("false");
    expect(rerun.outputs["role-assignment-id"]).toBe(harness.kubeletPullAssignments()[0]!.id);
    expect(harness.armWrites().filter((w) => w.startsWith("PUT")).length).toBeGreaterThan(0);
  });

  it("a DELETE whose connection always drops says it may have happened", async () => {
    harness.emulator.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
    });
    harness.emulator.dropAfterWrite({ method: "DELETE", times: Infinity });

    const failed = await harness.run({ mode: "detach", "timeout-seconds": "3" });

    expect(failed.exitCode).toBe(1);
    expect(errorText(failed)).toMatch(/DELETE was sent, so Azure may have made the change/);
    expect(harness.kubeletPullAssignments()).toEqual([]);
  });
});
