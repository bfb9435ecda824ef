// Preloaded into the action's process by the bench (NODE_OPTIONS=--import): on exit, writes the
// process's peak resident set size (kB, from getrusage) to BENCH_RSS_FILE. Nothing else.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
