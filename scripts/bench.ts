/**
 * `npm run bench`: how fast the bundled action is, against the local emulator. ARM's latency
 * dominates a real run, so besides wall time it counts requests, and it repeats the runs with
 * a fixed delay on every emulator answer to show how the critical path grows with latency.
 */
import { performance } from "node:perf_hooks";
import { startEmulator, runInputs, type Emulator } from "../emulator/index.ts";
import { runAction } from "./local-runner.ts";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const LATENCIES_MS = [0, 100];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timed(emulator: Emulator, inputs: Record<string, string>) {
  const started = performance.now();
  const result = await runAction({ inputs, env: { NODE_EXTRA_CA_CERTS: emulator.caCertPath } });
  if (result.exitCode !== 0) throw new Error(`run failed:\n${result.stdout}\n${result.stderr}`);
  return performance.now() - started;
}

async function coldStart(): Promise<number> {
  // No inputs: the run loads the bundle, reads the inputs, fails before any request.
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await runAction({ inputs: {} });
    samples.push(performance.now() - started);
  }
  return median(samples);
}

console.log(`aks-attach-acr benchmark (${RUNS} runs each, medians)\n`);
console.log(`cold start (load the bundle, fail on inputs): ${(await coldStart()).toFixed(0)} ms`);

for (const latency of LATENCIES_MS) {
  const fresh: number[] = [];
  const rerun: number[] = [];
  let freshRequests = "";
  let rerunRequests = "";
  for (let i = 0; i < RUNS; i++) {
    const emulator = await startEmulator();
    try {
      const inputs = runInputs(emulator);
      if (latency > 0) emulator.inject({ delayMs: latency, times: 1_000 });
      fresh.push(await timed(emulator, inputs));
      const count = (service: string) =>
        emulator.requests.filter((r) => r.service === service).length;
      const describe = () =>
        `${count("metadata")} cloud metadata + ${count("login")} sign-in + ${count("arm")} ARM`;
      freshRequests = describe();
      emulator.clearRequests();
      rerun.push(await timed(emulator, inputs));
      rerunRequests = describe();
    } finally {
      await emulator.close();
    }
  }
  console.log(`\nevery answer delayed ${latency} ms:`);
  console.log(`  fresh attach: ${median(fresh).toFixed(0)} ms, ${freshRequests} requests`);
  console.log(`  re-run:       ${median(rerun).toFixed(0)} ms, ${rerunRequests} requests`);
}
