/**
 * Connections, counted from the emulator's connection log (every TLS session it accepted, and the
 * one each request came on) and, through a proxy, the proxy's `CONNECT` tunnels. Every ARM
 * answer is held back a while, so the rounds of requests are apart. The rule: requests sent
 * together may open a connection each, but a request sent after others were answered reuses an
 * idle one, so a run needs at most one connection per host (here ARM, sign-in and the metadata
 * are all the emulator's one host) beyond those its widest round of parallel reads opens.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { startProxy, type Proxy, type RequestLogEntry } from "../../emulator/index.ts";
import { rounds } from "../../scripts/bench/request-log.ts";
import type { ActionRun } from "../../scripts/local-runner.ts";
import { MORE_LOCAL_REGISTRIES, names, scopes, seedWithTenLocalRegistries } from "../fixtures.ts";
import { useEmulator } from "./harness.ts";

const MORE = MORE_LOCAL_REGISTRIES;

const harness = useEmulator(seedWithTenLocalRegistries);

/** Far longer than it takes to send a request: rounds do not overlap by accident. */
const ARM_LATENCY_MS = 300;
/** The emulator is one host (ARM, Entra ID, the metadata): 127.0.0.1 and its port. */
const HOSTS = 1;

let proxy: Proxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function slowArm(): void {
  harness.emulator.inject({
    path: /^\/(subscriptions|providers)\//i,
    delayMs: ARM_LATENCY_MS,
    times: Number.POSITIVE_INFINITY,
  });
}

const armRequests = () => harness.emulator.requests.filter((r) => r.service === "arm");
const signInRequests = () => harness.emulator.requests.filter((r) => r.service !== "arm");

/** The connections requests came on, in the order first used. */
const connectionsOf = (requests: readonly RequestLogEntry[]) => [
  ...new Set(requests.map((r) => r.connection)),
];

/** Requests that came on a connection no earlier request of the run had used. */
function onNewConnections(requests: readonly RequestLogEntry[]): RequestLogEntry[] {
  const seen = new Set<number>();
  return [...requests]
    .sort((a, b) => a.time - b.time)
    .filter((r) => {
      const fresh = !seen.has(r.connection);
      seen.add(r.connection);
      return fresh;
    });
}

const WAYS = [
  ["direct", false],
  ["through a proxy", true],
] as const;

describe.each(WAYS)("connections, %s", (_, viaProxy) => {
  async function run(inputs: Record<string, string | undefined>): Promise<ActionRun> {
    if (viaProxy) proxy ??= await startProxy();
    const result = await harness.run(inputs, proxy ? { HTTPS_PROXY: proxy.url } : {});
    expect(result.exitCode).toBe(0);
    return result;
  }

  /** Through the proxy: every connection the emulator accepted was one of the proxy's tunnels. */
  function expectAllTunnelled(): void {
    if (!proxy) return;
    const tunnels = Object.values(proxy.tunnels()).reduce((sum, n) => sum + n, 0);
    expect(tunnels).toBe(harness.emulator.connections.length);
    for (const connection of harness.emulator.connections) {
      expect(proxy.upstreamPorts.has(connection.remotePort)).toBe(true);
    }
  }

  const byId = { "acr-name": undefined, "acr-resource-id": scopes.registry };

  it("fresh attach: sign-in on one connection, the first reads open theirs, the write reuses one", async () => {
    slowArm();

    const result = await run(byId);

    expect(result.outputs["changed"]).toBe("true");
    // The metadata, the sign-in host's discovery and the token: one after another, one connection.
    expect(connectionsOf(signInRequests())).toHaveLength(1);
    const [firstReads, ...later] = rounds(armRequests());
    expect(firstReads).toHaveLength(3);
    expect(later.flat().map((r) => r.method)).toEqual(["PUT"]);
    // The PUT, sent once the reads were answered, came on a connection already open.
    expect(onNewConnections(harness.emulator.requests)).not.toContainEqual(later.flat()[0]);
    expect(harness.emulator.connections.length).toBeLessThanOrEqual(firstReads!.length + HOSTS);
    expectAllTunnelled();
  });

  it("re-run: no more connections than its parallel reads and one per host", async () => {
    await run(byId);
    harness.emulator.clearRequests();
    slowArm();

    const before = proxy ? Object.values(proxy.tunnels()).reduce((a, b) => a + b, 0) : 0;
    const result = await run(byId);

    expect(result.outputs["changed"]).toBe("false");
    const reads = rounds(armRequests());
    expect(reads).toHaveLength(1);
    expect(connectionsOf(signInRequests())).toHaveLength(1);
    expect(harness.emulator.connections.length).toBeLessThanOrEqual(reads[0]!.length + HOSTS);
    if (proxy) {
      const tunnels = Object.values(proxy.tunnels()).reduce((a, b) => a + b, 0) - before;
      expect(tunnels).toBe(harness.emulator.connections.length);
    }
  });

  it("a name outside the cluster's group: the later lookups reuse the first reads' connections", async () => {
    slowArm();

    await run({ "acr-name": names.registry });

    const [firstReads, ...later] = rounds(armRequests());
    // The subscription's list and Resource Graph, then the assignments, then the write.
    expect(later).toHaveLength(3);
    const opened = onNewConnections(harness.emulator.requests);
    for (const request of later.flat()) expect(opened).not.toContainEqual(request);
    expect(harness.emulator.connections.length).toBeLessThanOrEqual(firstReads!.length + HOSTS);
    expectAllTunnelled();
  });

  it("ten registries: never more connections than the widest round and one per host", async () => {
    slowArm();

    await run({ "acr-name": [names.localRegistry, ...MORE].join("\n") });

    const arm = armRequests();
    const widest = Math.max(...rounds(arm).map((round) => round.length));
    expect(arm.length).toBeGreaterThan(widest);
    expect(harness.emulator.connections.length).toBeLessThanOrEqual(widest + HOSTS);
    expectAllTunnelled();
  });
});

describe("connections, Microsoft Graph", () => {
  it("a service-principal cluster: the Graph read comes on a connection already open", async () => {
    slowArm();

    const result = await harness.run({ "cluster-name": names.legacyCluster });

    expect(result.exitCode).toBe(0);
    const graph = harness.emulator.requests.filter((r) => r.service === "graph");
    expect(graph).toHaveLength(1);
    expect(onNewConnections(harness.emulator.requests)).not.toContainEqual(graph[0]);
  });
});
