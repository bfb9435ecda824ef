/**
 * ARM round trips on the critical path, counted from the emulator's request log: every ARM
 * answer is held back a while, so requests sent together overlap and a request sent after
 * another's answer starts a new round. The counts are the design's targets: fresh attach 2
 * (everything read at once, then the one write), re-run 1, detach 2, check at most 2, and ten
 * registries no more than one.
 */
import { describe, expect, it } from "@jest/globals";
import type { RequestLogEntry } from "../../emulator/index.ts";
import { MORE_LOCAL_REGISTRIES, names, scopes, seedWithTenLocalRegistries } from "../fixtures.ts";
import { useEmulator } from "./harness.ts";

const MORE = MORE_LOCAL_REGISTRIES;

const harness = useEmulator(seedWithTenLocalRegistries);
const { run } = harness;

/** How long the emulator holds every ARM answer: far longer than it takes to send a request. */
const ARM_LATENCY_MS = 400;

function slowArm(): void {
  harness.emulator.inject({
    path: /^\/(subscriptions|providers)\//i,
    delayMs: ARM_LATENCY_MS,
    times: Number.POSITIVE_INFINITY,
  });
}

function armRequests(): RequestLogEntry[] {
  return harness.emulator.requests.filter((r) => r.service === "arm");
}

/**
 * Sequential round trips on the critical path: a request's depth is one more than the deepest
 * request whose answer had come back before it was sent (requests sent together, even a little
 * apart on a busy machine, overlap and share a depth).
 */
function rounds(requests: readonly RequestLogEntry[]): number {
  const sorted = [...requests].sort((a, b) => a.time - b.time);
  const depths: number[] = [];
  sorted.forEach((request, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const earlier = sorted[j]!;
      if (earlier.time + (earlier.durationMs ?? 0) <= request.time) {
        before = Math.max(before, depths[j]!);
      }
    }
    depths.push(before + 1);
  });
  return Math.max(0, ...depths);
}

function writes(requests: readonly RequestLogEntry[]): RequestLogEntry[] {
  return requests.filter((r) => r.method === "PUT" || r.method === "DELETE");
}

const BY = [
  ["by id", { "acr-name": undefined, "acr-resource-id": scopes.registry }],
  ["by a name in the cluster's group", { "acr-name": names.localRegistry }],
] as const;

describe.each(BY)("round trips, registry %s", (_, inputs) => {
  it("fresh attach: 2 round trips and at most 4 ARM requests (no read-back after the PUT)", async () => {
    slowArm();

    const result = await run(inputs);

    expect(result.exitCode).toBe(0);
    const arm = armRequests();
    expect(arm.map((r) => r.method).sort()).toEqual(["GET", "GET", "GET", "PUT"]);
    expect(rounds(arm)).toBe(2);
    expect(result.outputs["changed"]).toBe("true");
  });

  it("re-run: 1 round trip and no write", async () => {
    await run(inputs);
    harness.emulator.clearRequests();
    slowArm();

    const result = await run(inputs);

    expect(result.exitCode).toBe(0);
    expect(writes(armRequests())).toEqual([]);
    expect(rounds(armRequests())).toBe(1);
    expect(result.outputs["changed"]).toBe("false");
  });

  it("detach: 2 round trips", async () => {
    await run(inputs);
    harness.emulator.clearRequests();
    slowArm();

    const result = await run({ ...inputs, mode: "detach" });

    expect(result.exitCode).toBe(0);
    expect(writes(armRequests()).map((r) => r.method)).toEqual(["DELETE"]);
    expect(rounds(armRequests())).toBe(2);
  });

  it("check: at most 2 round trips, the role definitions read at once", async () => {
    await run(inputs);
    harness.emulator.clearRequests();
    slowArm();

    const result = await run({ ...inputs, mode: "check" });

    expect(result.exitCode).toBe(0);
    expect(result.outputs["has-pull-access"]).toBe("true");
    expect(writes(armRequests())).toEqual([]);
    expect(rounds(armRequests())).toBeLessThanOrEqual(2);
  });
});

describe("round trips, a name outside the cluster's group", () => {
  it("costs the one look further (the subscription and Resource Graph at once), then its assignments", async () => {
    slowArm();

    const result = await run({ "acr-name": names.registry });

    expect(result.exitCode).toBe(0);
    // The guess in the cluster's group; the subscription's list and the Resource Graph query
    // together; the registry's assignments; the write.
    expect(rounds(armRequests())).toBe(4);
  });
});

describe("round trips, ten registries", () => {
  const ten = [names.localRegistry, ...MORE].join("\n");

  it("attaches ten registries in the round trips of one", async () => {
    slowArm();

    const result = await run({ "acr-name": ten });

    expect(result.exitCode).toBe(0);
    expect(writes(armRequests())).toHaveLength(10);
    expect(rounds(armRequests())).toBe(2);
    expect(JSON.parse(result.outputs["registries"]!)).toHaveLength(10);
  });

  it("re-runs ten registries in one round trip, writing nothing", async () => {
    await run({ "acr-name": ten });
    harness.emulator.clearRequests();
    slowArm();

    const result = await run({ "acr-name": ten });

    expect(result.exitCode).toBe(0);
    expect(writes(armRequests())).toEqual([]);
    expect(rounds(armRequests())).toBe(1);
  });
});
