/**
 * The fault matrix: each fault armed in the emulator, the committed bundle run against it, and
 * the outcome judged by the emulator's final state (exactly the intended assignments), the
 * request log and the step's message. The waits are real but tiny: faults that carry a retry hint
 * ask for 0 or 1 ms, only the faults with no answer to carry one (a dropped connection, 429 or
 * PrincipalNotFound without a hint) meet the action's own first backoff (250-500 ms), and the
 * deadline tests use the shortest timeout-seconds that still signs in. Nothing asserts a duration.
 */
import { describe, expect, it } from "@jest/globals";
import type { Fault } from "../../emulator/index.ts";
import { ids, names, scopes } from "../fixtures.ts";
import { errorText, useEmulator } from "./harness.ts";

const harness = useEmulator();
const { run, kubeletPullAssignments } = harness;

const ROLE_ASSIGNMENT_PUT = {
  method: "PUT",
  path: "/providers/Microsoft.Authorization/roleAssignments/",
};
const CLUSTER_GET = { method: "GET", path: "/managedClusters/" };
const ASSIGNMENT_LIST = { method: "GET", path: /\/roleAssignments$/i };

function requestsMatching(method: string, path: string | RegExp) {
  return harness.emulator.requests.filter(
    (r) =>
      r.method === method && (typeof path === "string" ? r.path.includes(path) : path.test(r.path)),
  );
}

function principalNotFound(times: number): Fault {
  return {
    ...ROLE_ASSIGNMENT_PUT,
    times,
    status: 400,
    body: {
      error: {
        code: "PrincipalNotFound",
        message:
          `Principal ${ids.kubelet.objectId.replaceAll("-", "")} does not exist in the directory ` +
          `${ids.tenant}. Check that you have the correct principal ID. If you are creating this ` +
          `principal and then immediately assigning a role, this error might be related to a ` +
          `replication delay. In this case, set the role assignment principalType property to a ` +
          `value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
      },
    },
  };
}

describe("faults the action rides out", () => {
  it.each<[string, Fault]>([
    [
      "429 with Retry-After in seconds",
      { ...ROLE_ASSIGNMENT_PUT, status: 429, headers: { "Retry-After": "0" } },
    ],
    [
      "429 with Retry-After as an HTTP date (one that has come)",
      {
        ...ROLE_ASSIGNMENT_PUT,
        status: 429,
        headers: { "Retry-After": new Date(Date.now() - 1000).toUTCString() },
      },
    ],
    ["429 without Retry-After", { ...ROLE_ASSIGNMENT_PUT, status: 429 }],
    [
      "500 on the write, with retry-after-ms",
      { ...ROLE_ASSIGNMENT_PUT, status: 500, headers: { "retry-after-ms": "1" } },
    ],
    [
      "503 on the list, with x-ms-retry-after-ms",
      { ...ASSIGNMENT_LIST, status: 503, times: 2, headers: { "x-ms-retry-after-ms": "1" } },
    ],
    ["a reset connection", { ...CLUSTER_GET, reset: true }],
    ["PrincipalNotFound on the first write", principalNotFound(1)],
  ])("%s: retries, then grants exactly once", async (_, fault) => {
    harness.emulator.inject(fault);

    const result = await run();

    expect(errorText(result)).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.outputs["changed"]).toBe("true");
    expect(kubeletPullAssignments()).toHaveLength(1);
    expect(harness.emulator.requests.some((r) => r.faulted)).toBe(true);
  });

  it("retries an attempt that gets no answer in time (a third of timeout-seconds)", async () => {
    // About 1 s of the 3 for the first attempt; the emulator holds its answer longer than that.
    harness.emulator.inject({ ...CLUSTER_GET, delayMs: 3000 });

    const result = await run({ "timeout-seconds": "3" });

    expect(result.exitCode).toBe(0);
    expect(kubeletPullAssignments()).toHaveLength(1);
    expect(requestsMatching("GET", "/managedClusters/").length).toBeGreaterThanOrEqual(2);
  });

  it("a concurrent writer's 409: success, its assignment reported, still exactly one", async () => {
    let competitor = "";
    harness.emulator.inject({
      ...ROLE_ASSIGNMENT_PUT,
      before: () => {
        competitor = harness.emulator.addRoleAssignment({
          scope: scopes.registry,
          roleName: "AcrPull",
          principalId: ids.kubelet.objectId,
          principalType: "ServicePrincipal",
        }).id;
      },
    });

    const result = await run();

    expect(result.exitCode).toBe(0);
    expect(result.outputs["changed"]).toBe("false");
    expect(result.outputs["role-assignment-id"]).toBe(competitor);
    expect(kubeletPullAssignments().map((a) => a.id)).toEqual([competitor]);
  });
});

describe("faults the action reports at once", () => {
  it("Retry-After longer than the time left: ends at once, says so, grants nothing", async () => {
    harness.emulator.inject({
      ...ROLE_ASSIGNMENT_PUT,
      status: 429,
      headers: { "Retry-After": "600" },
    });

    const result = await run({ "timeout-seconds": "60" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/asked to wait 600 s.*timeout-seconds remain/);
    expect(requestsMatching("PUT", "/roleAssignments/")).toHaveLength(1);
    expect(kubeletPullAssignments()).toEqual([]);
  });

  it.each<[string, Fault, RegExp]>([
    [
      "403 on the write",
      {
        ...ROLE_ASSIGNMENT_PUT,
        status: 403,
        body: {
          error: {
            code: "AuthorizationFailed",
            message:
              `The client '${ids.deployer.objectId}' with object id '${ids.deployer.objectId}' does not ` +
              `have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' ` +
              `over scope '${scopes.registry}' or the scope is invalid.`,
          },
        },
      },
      /Role Based Access Control Administrator.*--condition-version 2\.0/s,
    ],
    [
      "InvalidPrincipalId",
      {
        ...ROLE_ASSIGNMENT_PUT,
        status: 400,
        body: {
          error: {
            code: "InvalidPrincipalId",
            message: "A valid principal ID must be provided for role assignment.",
          },
        },
      },
      /InvalidPrincipalId/,
    ],
    [
      "RoleAssignmentLimitExceeded",
      {
        ...ROLE_ASSIGNMENT_PUT,
        status: 400,
        body: {
          error: {
            code: "RoleAssignmentLimitExceeded",
            message: "No more role assignments can be created (limit 4000).",
          },
        },
      },
      /RoleAssignmentLimitExceeded.*4000/s,
    ],
  ])(
    "%s: fails fast with the remedy and the request id, grants nothing",
    async (_, fault, remedy) => {
      harness.emulator.inject(fault);

      const result = await run();

      expect(result.exitCode).toBe(1);
      expect(errorText(result)).toMatch(remedy);
      expect(errorText(result)).toMatch(/request id [0-9a-f-]{36}/);
      expect(requestsMatching("PUT", "/roleAssignments/")).toHaveLength(1);
      expect(kubeletPullAssignments()).toEqual([]);
    },
  );

  it("404 on the cluster: fails fast, naming the cluster, its group and the clusters there", async () => {
    const result = await run({ "cluster-name": "aks-missing" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain(
      `Cluster 'aks-missing' was not found in resource group '${names.clusterGroup}' of ` +
        `subscription ${ids.subscription}. The clusters the signed-in principal sees there: ` +
        `${names.cluster}, ${names.legacyCluster}, aks-noidentity.`,
    );
    // One read of the cluster, and one extra read of the group, only because it failed.
    expect(requestsMatching("GET", "/managedClusters/")).toHaveLength(1);
    expect(requestsMatching("GET", /\/managedClusters$/)).toHaveLength(1);
    expect(harness.armWrites()).toEqual([]);
  });

  it("PrincipalNotFound until the deadline: fails with what to do, grants nothing", async () => {
    harness.emulator.inject(principalNotFound(1000));

    const result = await run({ "timeout-seconds": "2" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/PrincipalNotFound.*timeout-seconds/s);
    expect(requestsMatching("PUT", "/roleAssignments/").length).toBeGreaterThan(1);
    expect(kubeletPullAssignments()).toEqual([]);
  });

  it("the deadline: says what was still pending", async () => {
    harness.emulator.inject({ ...ASSIGNMENT_LIST, delayMs: 5_000, times: 10 });

    const result = await run({ "timeout-seconds": "2" });

    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/(Ran out of time|Timed out).*roleAssignments/s);
    expect(kubeletPullAssignments()).toEqual([]);
  });
});

describe("concurrent runs", () => {
  it("ten runs at once on the same cluster and registry all succeed and leave one assignment", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => run()));

    expect(results.map((r) => r.exitCode)).toEqual(Array(10).fill(0));
    expect(kubeletPullAssignments()).toHaveLength(1);
    const reported = new Set(results.map((r) => r.outputs["role-assignment-id"]));
    expect([...reported]).toEqual([kubeletPullAssignments()[0]!.id]);
  });
});

describe("eventual consistency", () => {
  it("a re-run that cannot list the first run's assignment yet: PUTs the same name, changes nothing", async () => {
    harness.emulator.setListDelay(60_000);

    const first = await run();
    const second = await run();

    expect(first.outputs["changed"]).toBe("true");
    expect(requestsMatching("PUT", "/roleAssignments/")).toHaveLength(2);
    expect(second.exitCode).toBe(0);
    expect(second.outputs["changed"]).toBe("false");
    expect(second.outputs["role-assignment-id"]).toBe(first.outputs["role-assignment-id"]);
    expect(kubeletPullAssignments()).toHaveLength(1);
  });
});
