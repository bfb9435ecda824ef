/**
 * `npm run bench [-- --latency 50] [--runs 5] [--az-runs 3]`: the project's performance record.
 *
 * Starts the emulator with a delay on every answer and runs the bundled action the way a runner
 * does (scripts/local-runner.ts): fresh attach, re-run, check, detach, dry-run by name and by
 * id, and ten and fifty registries in one step. Per scenario it reads the emulator's request log
 * (requests by route, writes, sequential round trips from the arrival times and durations), and
 * times the process (wall time, peak RSS, cold start: process start to the first request the
 * emulator receives). Where `az` is installed, it runs `az aks update --attach-acr`, a re-run
 * and `--detach-acr` against the same emulator and latency. Writes BENCHMARKS.md and
 * bench/results.json, and prints the table.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  DEMO_SEED_PATH,
  loadSeed,
  runInputs,
  startEmulator,
  startProxy,
  type Emulator,
  type Proxy,
  type RequestLogEntry,
  type Seed,
} from "../emulator/index.ts";
import { AZ_COMPAT_DIR, azVersion, signInAz } from "./bench/azure-cli.ts";
import { summarize, type RequestSummary } from "./bench/request-log.ts";
import { runAction } from "./local-runner.ts";

const ROOT = resolve(import.meta.dirname, "..");
const RSS_PROBE = join(import.meta.dirname, "bench", "rss-probe.mjs");

const { values } = parseArgs({
  options: {
    latency: { type: "string", default: "50" },
    runs: { type: "string", default: "5" },
    "az-runs": { type: "string", default: "3" },
  },
});
const LATENCY_MS = wholeNumber("--latency", values.latency);
const RUNS = Math.max(1, wholeNumber("--runs", values.runs));
const AZ_RUNS = wholeNumber("--az-runs", values["az-runs"]);

function wholeNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${flag} must be a whole number, got "${raw}"`);
  }
  return value;
}

// --- one run of the action ---

interface Sample {
  readonly wallMs: number;
  readonly coldStartMs: number;
  readonly peakRssMb: number;
  readonly requests: RequestSummary;
  /** Through the proxy: the CONNECT tunnels the run opened (each a TLS session too). */
  readonly tunnels?: number;
}

async function runMeasuredOn(
  emulator: Emulator,
  inputs: Record<string, string>,
  proxy?: Proxy,
): Promise<Sample> {
  const probeDir = await mkdtemp(join(tmpdir(), "aks-attach-acr-bench-"));
  const rssFile = join(probeDir, "rss");
  emulator.clearRequests();
  const tunnelsBefore = proxy ? tunnelCount(proxy) : 0;
  try {
    const startedAt = performance.timeOrigin + performance.now();
    const result = await runAction({
      inputs,
      env: {
        NODE_EXTRA_CA_CERTS: emulator.caCertPath,
        NODE_OPTIONS: `--import=${RSS_PROBE}`,
        BENCH_RSS_FILE: rssFile,
        // A fresh runner has no V8 compile cache: make sure none is used here either.
        NODE_DISABLE_COMPILE_CACHE: "1",
        ...(proxy ? { HTTPS_PROXY: proxy.url } : {}),
      },
    });
    const wallMs = performance.timeOrigin + performance.now() - startedAt;
    if (result.exitCode !== 0) {
      throw new Error(
        `the action failed (${JSON.stringify(inputs["mode"] ?? "attach")}):\n${result.stdout}\n${result.stderr}`,
      );
    }
    const log: RequestLogEntry[] = [...emulator.requests];
    const first = Math.min(...log.map((entry) => entry.time));
    return {
      wallMs,
      coldStartMs: first - startedAt,
      peakRssMb: Number(await readFile(rssFile, "utf8")) / 1024,
      requests: summarize(log),
      ...(proxy ? { tunnels: tunnelCount(proxy) - tunnelsBefore } : {}),
    };
  } finally {
    await rm(probeDir, { recursive: true, force: true });
  }
}

function tunnelCount(proxy: Proxy): number {
  return Object.values(proxy.tunnels()).reduce((sum, count) => sum + count, 0);
}

async function withEmulator<T>(seed: Seed, use: (emulator: Emulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator({ seed });
  if (LATENCY_MS > 0) emulator.inject({ delayMs: LATENCY_MS, times: Infinity });
  try {
    return await use(emulator);
  } finally {
    await emulator.close();
  }
}

/**
 * The floor under the cold start on this machine, now: a bare `node -e` that sends one HTTPS
 * request to the emulator, timed the same way (process start to the request's arrival).
 */
async function bareNodeStart(): Promise<number> {
  const list: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const emulator = await startEmulator();
    try {
      const script = `require("node:https").get(process.argv[1], (r) => r.resume())`;
      const startedAt = performance.timeOrigin + performance.now();
      const child = spawn(
        process.execPath,
        ["-e", script, `${emulator.url}/metadata/endpoints?api-version=2022-09-01`],
        {
          env: {
            PATH: process.env["PATH"] ?? "",
            NODE_EXTRA_CA_CERTS: emulator.caCertPath,
            NODE_DISABLE_COMPILE_CACHE: "1",
          },
          stdio: "ignore",
        },
      );
      await new Promise((done) => child.on("close", done));
      const first = emulator.requests[0];
      if (first) list.push(first.time - startedAt);
    } finally {
      await emulator.close();
    }
  }
  return median(list);
}

// --- the scenarios ---

type ScenarioName =
  | "fresh attach"
  | "re-run"
  | "check"
  | "detach"
  | "fresh attach (acr-resource-id)"
  | "re-run (acr-resource-id)"
  | "check (acr-resource-id)"
  | "detach (acr-resource-id)"
  | "dry-run (name)"
  | "dry-run (acr-resource-id)"
  | "10 registries"
  | "50 registries";

const samples = new Map<ScenarioName, Sample[]>();
/** The same scenarios with `HTTPS_PROXY` set to the emulator's CONNECT proxy. */
const proxiedSamples = new Map<ScenarioName, Sample[]>();
/** Progress on a terminal only: a log file gets the results, not the carriage returns. */
function progress(text: string): void {
  if (process.stdout.isTTY) process.stdout.write(`  ${text.padEnd(30)}\r`);
}

function record(name: ScenarioName, sample: Sample) {
  const into = sample.tunnels === undefined ? samples : proxiedSamples;
  into.set(name, [...(into.get(name) ?? []), sample]);
}

/** The demo seed with `count - 1` more registries beside its own, in its registry group. */
function seedWithRegistries(demo: Seed, count: number): Seed {
  const first = demo.registries![0]!;
  const extra = Array.from({ length: count - 1 }, (_, i) => ({
    ...first,
    name: `${first.name}${String(i + 2).padStart(2, "0")}`,
  }));
  return { ...demo, registries: [first, ...extra] };
}

function registryNames(seed: Seed): string {
  return seed.registries!.map((registry) => registry.name).join(",");
}

async function benchAction(demo: Seed, proxy?: Proxy): Promise<void> {
  const runMeasured = (emulator: Emulator, inputs: Record<string, string>) =>
    runMeasuredOn(emulator, inputs, proxy);
  for (let run = 0; run < RUNS; run++) {
    progress(`action run ${run + 1}/${RUNS}${proxy ? " (proxy)" : ""}`);
    await withEmulator(demo, async (emulator) => {
      const inputs = runInputs(emulator, demo);
      record("fresh attach", await runMeasured(emulator, inputs));
      record("re-run", await runMeasured(emulator, inputs));
      record("check", await runMeasured(emulator, { ...inputs, mode: "check" }));
      record("detach", await runMeasured(emulator, { ...inputs, mode: "detach" }));
    });
    await withEmulator(demo, async (emulator) => {
      const registry = demo.registries![0]!;
      const id = `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry.name}`;
      const inputs = { ...runInputs(emulator, demo), "acr-name": "", "acr-resource-id": id };
      record("fresh attach (acr-resource-id)", await runMeasured(emulator, inputs));
      record("re-run (acr-resource-id)", await runMeasured(emulator, inputs));
      record("check (acr-resource-id)", await runMeasured(emulator, { ...inputs, mode: "check" }));
      record(
        "detach (acr-resource-id)",
        await runMeasured(emulator, { ...inputs, mode: "detach" }),
      );
    });
    await withEmulator(demo, async (emulator) => {
      const inputs = runInputs(emulator, demo);
      record("dry-run (name)", await runMeasured(emulator, { ...inputs, "dry-run": "true" }));
      const registry = demo.registries![0]!;
      const id = `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry.name}`;
      const byId = { ...inputs, "acr-name": "", "acr-resource-id": id, "dry-run": "true" };
      record("dry-run (acr-resource-id)", await runMeasured(emulator, byId));
    });
    for (const [count, name] of [
      [10, "10 registries"],
      [50, "50 registries"],
    ] as const) {
      const seed = seedWithRegistries(demo, count);
      await withEmulator(seed, async (emulator) => {
        const inputs = { ...runInputs(emulator, seed), "acr-name": registryNames(seed) };
        record(name, await runMeasured(emulator, inputs));
      });
    }
  }
}

// --- the Azure CLI ---

type AzScenario = "az attach" | "az re-run" | "az detach";
interface AzSample {
  readonly wallMs: number;
  readonly requests: RequestSummary;
}
const azSamples = new Map<AzScenario, AzSample[]>();

async function benchAz(demo: Seed): Promise<void> {
  const cluster = demo.clusters![0]!;
  const registry = demo.registries![0]!.name;
  const deployer = demo.servicePrincipals!.find((principal) => principal.clientSecret)!;
  const base = ["aks", "update", "-g", cluster.resourceGroup, "-n", cluster.name, "-o", "none"];
  for (let run = 0; run < AZ_RUNS; run++) {
    progress(`az run ${run + 1}/${AZ_RUNS}`);
    await withEmulator(demo, async (emulator) => {
      const az = await signInAz(
        emulator,
        { appId: deployer.appId, clientSecret: deployer.clientSecret! },
        demo.tenantId,
      );
      try {
        for (const [name, flag] of [
          ["az attach", "--attach-acr"],
          ["az re-run", "--attach-acr"],
          ["az detach", "--detach-acr"],
        ] as const) {
          emulator.clearRequests();
          const wallMs = await az.run([...base, flag, registry]);
          const sample = { wallMs, requests: summarize([...emulator.requests]) };
          azSamples.set(name, [...(azSamples.get(name) ?? []), sample]);
        }
      } finally {
        await az.close();
      }
    });
  }
}

// --- the report ---

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The route counts of the median run (runs of one scenario send the same requests). */
function routesText(requests: RequestSummary): string {
  return Object.entries(requests.routes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, count]) => (count > 1 ? `${route} ×${count}` : route))
    .join(", ");
}

function typical(list: readonly { requests: RequestSummary }[]): RequestSummary {
  const trips = median(list.map((sample) => sample.requests.roundTrips));
  return (list.find((sample) => sample.requests.roundTrips === trips) ?? list[0]!).requests;
}

async function bundleSize(): Promise<{ totalBytes: number; indexBytes: number }> {
  const dist = join(ROOT, "dist");
  const files = await readdir(dist, { recursive: true });
  let totalBytes = 0;
  for (const file of files) {
    const info = await stat(join(dist, file));
    if (info.isFile()) totalBytes += info.size;
  }
  return { totalBytes, indexBytes: (await stat(join(dist, "index.js"))).size };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const ms = (value: number) => `${Math.round(value)} ms`;

async function main(): Promise<void> {
  const demo = await loadSeed(DEMO_SEED_PATH);
  const startedAt = new Date();
  console.log(
    `aks-attach-acr benchmark: every emulator answer delayed ${LATENCY_MS} ms, ${RUNS} runs per scenario, medians`,
  );
  const bareStartMs = await bareNodeStart();
  await benchAction(demo);
  // Every new tunnel costs a round trip to the proxy first, as on a real network.
  const proxy = await startProxy({ connectDelayMs: LATENCY_MS });
  try {
    await benchAction(demo, proxy);
  } finally {
    await proxy.close();
  }
  const az = await azVersion();
  if (az && AZ_RUNS > 0) {
    console.log(
      `Azure CLI ${az}: ${AZ_RUNS} runs each. Its process (only it) runs with PYTHONPATH=${AZ_COMPAT_DIR}: ` +
        "a compatibility fix for Debian's az 2.45 role-assignment SDK (see its sitecustomize.py).",
    );
    await benchAz(demo);
  } else {
    console.log(
      az ? "Azure CLI: --az-runs 0, not run." : "Azure CLI: not installed, not compared.",
    );
  }
  progress("");

  const scenarios = [...samples.entries()].map(([name, list]) => {
    const requests = typical(list);
    const proxied = proxiedSamples.get(name) ?? [];
    return {
      name,
      runs: list.length,
      wallMs: median(list.map((sample) => sample.wallMs)),
      coldStartMs: median(list.map((sample) => sample.coldStartMs)),
      peakRssMb: median(list.map((sample) => sample.peakRssMb)),
      roundTrips: requests.roundTrips,
      roundTripsPerRun: list.map((sample) => sample.requests.roundTrips),
      armRequests: requests.armRequests,
      writes: requests.writes,
      signInRequests: requests.signInRequests,
      signInRoundTrips: requests.signInRoundTrips,
      connections: median(list.map((sample) => sample.requests.connections)),
      connectionsPerRun: list.map((sample) => sample.requests.connections),
      proxyTunnels: median(proxied.map((sample) => sample.tunnels ?? NaN)),
      proxyTunnelsPerRun: proxied.map((sample) => sample.tunnels ?? NaN),
      proxyWallMs: median(proxied.map((sample) => sample.wallMs)),
      routes: requests.routes,
    };
  });
  const azScenarios = [...azSamples.entries()].map(([name, list]) => {
    const requests = typical(list);
    return {
      name,
      runs: list.length,
      wallMs: median(list.map((sample) => sample.wallMs)),
      roundTrips: requests.roundTrips,
      armRequests: requests.armRequests,
      writes: requests.writes,
      signInRequests: requests.signInRequests,
      connections: median(list.map((sample) => sample.requests.connections)),
      routes: requests.routes,
    };
  });
  const actionOf: Record<AzScenario, ScenarioName> = {
    "az attach": "fresh attach",
    "az re-run": "re-run",
    "az detach": "detach",
  };
  const comparison = azScenarios.map((azScenario) => {
    const action = scenarios.find((s) => s.name === actionOf[azScenario.name as AzScenario])!;
    return {
      scenario: action.name,
      actionWallMs: action.wallMs,
      azWallMs: azScenario.wallMs,
      ratio: azScenario.wallMs / action.wallMs,
      actionRoundTrips: action.roundTrips,
      azRoundTrips: azScenario.roundTrips,
      actionRequests: action.armRequests,
      azRequests: azScenario.armRequests,
      actionConnections: action.connections,
      actionProxyTunnels: action.proxyTunnels,
      azConnections: azScenario.connections,
    };
  });
  const bundle = await bundleSize();
  const cpu = cpus();
  const machine = {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    node: process.version,
    az: az ?? null,
    platform: `${process.platform} ${process.arch}`,
    /** 1-minute load average at the end: other work on the machine slows every start. */
    loadAverage: Number(loadavg()[0]!.toFixed(1)),
  };
  const coldStart = scenarios.find((s) => s.name === "fresh attach")!.coldStartMs;
  const results = {
    date: startedAt.toISOString(),
    latencyMs: LATENCY_MS,
    runs: RUNS,
    azRuns: az ? AZ_RUNS : 0,
    machine,
    coldStartMs: coldStart,
    bareNodeStartMs: bareStartMs,
    bundle,
    severalRegistries: "measured",
    scenarios,
    azureCli: azScenarios,
    comparison,
    azCompatibilityFix: az
      ? "bench/az-compat/sitecustomize.py on PYTHONPATH for az's process only"
      : null,
  };

  const lines: string[] = [];
  lines.push(
    "| scenario | wall | ARM round trips | ARM requests | writes | sign-in requests | connections | via proxy: tunnels | via proxy: wall | peak RSS | cold start |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const s of scenarios) {
    lines.push(
      `| ${s.name} | ${ms(s.wallMs)} | ${s.roundTrips} | ${s.armRequests} | ${s.writes} | ${s.signInRequests} | ${s.connections} | ${s.proxyTunnels} | ${ms(s.proxyWallMs)} | ${s.peakRssMb.toFixed(0)} MB | ${ms(s.coldStartMs)} |`,
    );
  }
  for (const s of azScenarios) {
    lines.push(
      `| ${s.name} | ${ms(s.wallMs)} | ${s.roundTrips} | ${s.armRequests} | ${s.writes} | ${s.signInRequests} | ${s.connections} | | | | |`,
    );
  }
  const table = lines.join("\n");
  const requestLines = [...scenarios, ...azScenarios].map(
    (s) => `- **${s.name}**: ${routesText({ routes: s.routes } as RequestSummary)}`,
  );
  const comparisonLines = comparison.map(
    (c) =>
      `- ${c.scenario}: az ${ms(c.azWallMs)} vs the action ${ms(c.actionWallMs)}: **${c.ratio.toFixed(1)}×** (round trips ${c.azRoundTrips} vs ${c.actionRoundTrips}, ARM requests ${c.azRequests} vs ${c.actionRequests}, connections ${c.azConnections} vs ${c.actionConnections})`,
  );
  const summary = [
    `Cold start (process start to the first request the emulator receives, fresh attach, no compile cache): **${ms(coldStart)}** median; a bare \`node -e\` sending one request, timed the same way now: ${ms(bareStartMs)}.`,
    `Bundle: dist/ ${mb(bundle.totalBytes)} (dist/index.js ${mb(bundle.indexBytes)}).`,
  ];

  console.log(`\n${table}\n\n${summary.join("\n")}`);
  if (comparisonLines.length > 0)
    console.log(`\nThe Azure CLI, side by side:\n${comparisonLines.join("\n")}`);
  console.log(`\nRequests by route:\n${requestLines.join("\n")}`);

  const markdown = [
    "# Benchmarks",
    "",
    "Written by `npm run bench`; the numbers in the README come from here. The emulator delays",
    `every answer by ${LATENCY_MS} ms (a round trip to ARM from a runner in the same region is of`,
    "that order); the action runs as a runner runs it (`node dist/index.js`, inputs as `INPUT_*`).",
    "Round trips are counted from the emulator's request log: requests in flight at the same time",
    "are one; sign-in (token and metadata) requests are counted apart. Writes are the requests",
    "that change something (a Resource Graph query or a name check is a POST that only reads).",
    "The demo's registry lives in another resource group than its cluster: by name, the guess in",
    "the cluster's group misses, and the registry is looked up in the subscription and in Resource",
    "Graph at once (one round trip more). With `acr-resource-id` (or a registry in the cluster's",
    "group) the registry's assignments are read together with the cluster.",
    "Connections are the TLS sessions the emulator accepted (ARM, sign-in and metadata are one",
    "host here); through a proxy, every one is a `CONNECT` tunnel first. Each costs a TCP and a",
    "TLS handshake before its first request, which the latency above does not include directly.",
    "The proxy columns are the same scenarios with `HTTPS_PROXY` set to the emulator's proxy,",
    `which holds back every new tunnel by the same ${LATENCY_MS} ms: its wall time shows what new`,
    "connections cost.",
    "",
    `- Date: ${startedAt.toISOString()}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}, load average ${machine.loadAverage} at the end of the run`,
    `- Node ${machine.node}; ${az ? `Azure CLI ${az}` : "Azure CLI not installed"}`,
    `- Latency per answer: ${LATENCY_MS} ms; runs per scenario: ${RUNS}${az ? `; Azure CLI runs per scenario: ${AZ_RUNS}` : ""}; medians`,
    "",
    table,
    "",
    ...summary,
    ...(comparisonLines.length > 0
      ? [
          "",
          "## Side by side with the Azure CLI",
          "",
          "Same emulator, same latency. `az aks update --attach-acr` also PUTs the whole cluster, a",
          "long-running operation: the emulator finishes it at the second poll and asks for",
          "`Retry-After: 1` (the least whole second; Azure takes minutes for a real cluster update).",
          "Debian's az 2.45 needs a compatibility fix for its role-assignment SDK: the bench puts",
          "`bench/az-compat/sitecustomize.py` on `PYTHONPATH` for az's process only.",
          "",
          ...comparisonLines,
        ]
      : []),
    "",
    "## Requests by route",
    "",
    ...requestLines,
    "",
    "Raw numbers: `bench/results.json`.",
    "",
  ].join("\n");
  await writeFile(join(ROOT, "BENCHMARKS.md"), markdown);
  await writeFile(join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log("\nWrote BENCHMARKS.md and bench/results.json.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
