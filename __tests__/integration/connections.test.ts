/**
 * The run's connection pool (src/azure/connections.ts) under the SDK's own pipelines, against
 * the emulator over HTTPS and its CONNECT proxy. Nothing is mocked: the connection counts are
 * the TLS sessions the emulator accepted and the tunnels the proxy opened.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import { startEmulator, startProxy, type Emulator, type Proxy } from "../../emulator/index.ts";
import { createConnectionPool, type ConnectionPool } from "../../src/azure/connections.ts";

const systemCAs = getCACertificates("default");
let emulator: Emulator;
let proxy: Proxy;
let pool: ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator();
  proxy = await startProxy();
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
});
afterAll(async () => {
  setDefaultCACertificates(systemCAs);
  await proxy.close();
  await emulator.close();
});
beforeEach(() => {
  pool = createConnectionPool();
  emulator.clearRequests();
  emulator.clearFaults();
});
afterEach(() => pool.close());

const metadata = () => `${emulator.url}/metadata/endpoints?api-version=2022-09-01`;

/** A pipeline as an SDK client builds it, optionally with the proxy in its options. */
function pipeline(viaProxy = false): Pipeline {
  const { port } = new URL(proxy.url);
  return createPipelineFromOptions(
    viaProxy ? { proxyOptions: { host: "http://127.0.0.1", port: Number(port) } } : {},
  );
}

async function get(on: Pipeline, client: HttpClient) {
  const response = await on.sendRequest(client, createPipelineRequest({ url: metadata() }));
  expect(response.status).toBe(200);
}

const tunnelCount = () => Object.values(proxy.tunnels()).reduce((sum, n) => sum + n, 0);

describe("the run's connection pool", () => {
  it("gives two clients one connection for requests made one after another", async () => {
    const [a, b] = [pipeline(), pipeline()];

    for (const on of [a, b, a, b]) await get(on, pool);

    expect(emulator.requests).toHaveLength(4);
    expect(emulator.connections).toHaveLength(1);
    expect(new Set(emulator.requests.map((r) => r.connection)).size).toBe(1);
  });

  it("opens one connection per request sent together, and reuses them after", async () => {
    emulator.inject({ path: /^\/metadata\//, delayMs: 150, times: 3 });
    const on = pipeline();

    await Promise.all([get(on, pool), get(on, pool), get(on, pool)]);
    for (let i = 0; i < 3; i++) await get(on, pool);

    expect(emulator.requests).toHaveLength(6);
    expect(emulator.connections).toHaveLength(3);
  });

  it("keeps one tunnel through the proxy the pipelines' options name", async () => {
    const before = tunnelCount();
    const [a, b] = [pipeline(true), pipeline(true)];

    for (const on of [a, b, a]) await get(on, pool);

    expect(tunnelCount() - before).toBe(1);
    expect(emulator.connections).toHaveLength(1);
    expect(proxy.upstreamPorts.has(emulator.connections[0]!.remotePort)).toBe(true);
  });

  it("is needed: the SDK's own client opens a tunnel for every request through a proxy", async () => {
    const before = tunnelCount();
    const on = pipeline(true);
    const own = createDefaultHttpClient();

    for (let i = 0; i < 3; i++) await get(on, own);

    expect(tunnelCount() - before).toBe(3);
  });

  it("closes its idle connections when asked, direct and tunnelled", async () => {
    const [direct, tunnelled] = [pipeline(), pipeline(true)];
    await get(direct, pool);
    await get(tunnelled, pool);
    expect(emulator.connections).toHaveLength(2);

    pool.close();
    await get(direct, pool);
    await get(tunnelled, pool);

    expect(emulator.connections).toHaveLength(4);
  });
});
