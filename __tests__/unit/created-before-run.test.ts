/**
 * A PUT answered 201 for an assignment that was there before the run is not this run's: its
 * createdOn against the run's start, with ARM's clock taken into account when it is far off.
 */
import { describe, expect, it } from "@jest/globals";
import { createdBeforeRun } from "../../src/azure/role-assignments.ts";

const start = Date.parse("2026-03-01T10:00:00.000Z");
const at = start + 5_000;

describe("createdBeforeRun", () => {
  it.each([
    ["long before the run", "2024-01-01T00:00:00Z", { at, armDate: undefined }, true],
    [
      "during the run (this run's write)",
      "2026-03-01T10:00:04.000Z",
      { at, armDate: undefined },
      false,
    ],
    ["a moment before the run", "2026-03-01T09:59:59.900Z", { at, armDate: undefined }, true],
    [
      "during the run, ARM's clock 1 s behind (within a Date's rounding)",
      "2026-03-01T10:00:03.000Z",
      { at, armDate: at - 1000 },
      false,
    ],
    [
      "during the run on ARM's clock, which is 10 minutes behind",
      "2026-03-01T09:50:04.000Z",
      { at, armDate: at - 600_000 },
      false,
    ],
    [
      "before the run on ARM's clock, which is 10 minutes ahead",
      "2026-03-01T10:09:59.000Z",
      { at, armDate: at + 600_000 },
      true,
    ],
  ])("created %s: %s", (_, createdOn, answer, expected) => {
    expect(createdBeforeRun(new Date(createdOn), start, answer)).toBe(expected);
  });

  it("without a createdOn, cannot say it was there before", () => {
    expect(createdBeforeRun(undefined, start, { at, armDate: undefined })).toBe(false);
  });
});
