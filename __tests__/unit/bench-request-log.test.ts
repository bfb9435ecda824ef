import { describe, expect, it } from "@jest/globals";
import type { RequestLogEntry } from "../../emulator/index.ts";
import { roundTrips, routeOf, summarize } from "../../scripts/bench/request-log.ts";

const SUB = "/subscriptions/651488d7-1aa0-42f4-a311-2927087c9cd9";
const REGISTRY = `${SUB}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr`;

function entry(
  method: string,
  path: string,
  time: number,
  durationMs: number,
  service: RequestLogEntry["service"] = "arm",
  connection = 1,
): RequestLogEntry {
  return { method, path, query: "", status: 200, service, time, durationMs, connection };
}

describe("the bench's reading of the request log", () => {
  it("counts requests in flight together as one round trip, and the next one after", () => {
    const log = [
      entry(
        "GET",
        `${SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks`,
        1000,
        52,
      ),
      entry("GET", REGISTRY, 1003, 51),
      entry("GET", `${REGISTRY}/providers/Microsoft.Authorization/roleAssignments`, 1004, 55),
      entry("PUT", `${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/1b2c`, 1061, 53),
    ];

    expect(roundTrips(log)).toBe(2);
    expect(roundTrips([...log].reverse())).toBe(2);
  });

  it("counts back-to-back requests that do not overlap as separate round trips", () => {
    const log = [
      entry("GET", REGISTRY, 0, 50),
      entry("GET", REGISTRY, 50, 50),
      entry("GET", REGISTRY, 101, 50),
    ];

    expect(roundTrips(log)).toBe(3);
  });

  it.each([
    [
      "GET",
      `${SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks`,
      "GET managedClusters",
    ],
    [
      "GET",
      `${REGISTRY}/providers/Microsoft.Authorization/roleAssignments`,
      "GET roleAssignments (list)",
    ],
    [
      "PUT",
      `${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/1b2c`,
      "PUT roleAssignments",
    ],
    ["GET", `${SUB}/resources`, "GET resources (list)"],
    ["GET", "/v1.0/servicePrincipals(appId='x')", "GET servicePrincipals"],
    ["POST", "/v1.0/directoryObjects/getByIds", "POST getByIds"],
    ["POST", "/adfs/oauth2/token", "POST token"],
  ])("names %s %s as %s", (method, path, route) => {
    expect(routeOf(entry(method, path, 0, 1))).toBe(route);
  });

  it("keeps sign-in requests and their round trips apart from ARM's, and counts writes", () => {
    const log = [
      entry("GET", "/metadata/endpoints", 0, 50, "metadata"),
      entry("POST", "/tenant/oauth2/v2.0/token", 60, 50, "login"),
      entry("GET", REGISTRY, 120, 50),
      entry(
        "DELETE",
        `${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/1b2c`,
        180,
        50,
      ),
    ];

    const summary = summarize(log);

    expect(summary).toMatchObject({
      armRequests: 2,
      signInRequests: 2,
      writes: 1,
      roundTrips: 2,
      signInRoundTrips: 2,
    });
    expect(summary.routes).toEqual({
      "GET endpoints": 1,
      "POST token": 1,
      "GET registries": 1,
      "DELETE roleAssignments": 1,
    });
  });

  it("counts the connections the requests came on, and the most on one", () => {
    const log = [
      entry("POST", "/tenant/oauth2/v2.0/token", 0, 50, "login", 7),
      entry("GET", REGISTRY, 60, 50, "arm", 7),
      entry(
        "GET",
        `${REGISTRY}/providers/Microsoft.Authorization/roleAssignments`,
        61,
        50,
        "arm",
        8,
      ),
      entry(
        "PUT",
        `${REGISTRY}/providers/Microsoft.Authorization/roleAssignments/1b2c`,
        120,
        50,
        "arm",
        7,
      ),
    ];

    expect(summarize(log)).toMatchObject({ connections: 2, mostOnOneConnection: 3 });
    expect(summarize([])).toMatchObject({ connections: 0, mostOnOneConnection: 0 });
  });
});
