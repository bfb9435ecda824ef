/**
 * `npm run demo`: the action, end to end, against the local emulator. Starts the emulator with
 * the sample cluster and registry, runs the committed dist/index.js as a runner would, prints
 * its outputs and job summary, then runs it again to show that a re-run changes nothing.
 */
import { startEmulator, runInputs, type RequestLogEntry } from "../emulator/index.ts";
import { runAction, type ActionRun } from "./local-runner.ts";

function show(title: string, run: ActionRun, requests: readonly RequestLogEntry[]): void {
  const writes = requests.filter((r) => r.service === "arm" && r.method !== "GET").length;
  console.log(`\n=== ${title}: exit code ${run.exitCode}, ${writes} write(s) to ARM ===`);
  const log = run.stdout
    .split("\n")
    .filter((line) => line && !line.startsWith("::add-mask::") && !line.startsWith("::debug::"));
  console.log(log.map((line) => `  | ${line}`).join("\n"));
  if (run.stderr) console.log(run.stderr);
  console.log("\noutputs:");
  for (const [name, value] of Object.entries(run.outputs)) console.log(`  ${name} = ${value}`);
  console.log("\nrequests the emulator answered:");
  for (const r of requests)
    console.log(`  ${r.status} ${r.service.padEnd(5)} ${r.method} ${r.path}`);
  console.log("\njob summary (markdown/HTML as GitHub renders it):");
  console.log(run.summary.trim().replace(/^/gm, "  "));
}

const emulator = await startEmulator();
try {
  console.log(`Azure emulator listening on ${emulator.url}`);
  const inputs = runInputs(emulator);
  const env = { NODE_EXTRA_CA_CERTS: emulator.caCertPath };

  const first = await runAction({ inputs, env });
  show("first run", first, [...emulator.requests]);
  emulator.clearRequests();

  const second = await runAction({ inputs, env });
  show("second run (re-run)", second, [...emulator.requests]);

  if (first.exitCode !== 0 || second.exitCode !== 0 || second.outputs["changed"] !== "false") {
    console.error("\nThe demo did not go as expected: see the runs above.");
    process.exitCode = 1;
  }
} finally {
  await emulator.close();
}
