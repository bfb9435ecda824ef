// Preloaded into the action's process by lazy-load.test.ts (NODE_OPTIONS=--import): notes each
// module file as it loads, and which had loaded when the first HTTP request was sent; on exit,
// writes both to LOAD_PROBE_FILE, with whether Node's own fetch (its bundled undici) was loaded.
// It changes nothing the action does.
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const loaded = [];
let atFirstRequest;
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith("file:")) loaded.push(url);
    return nextLoad(url, context);
  },
});
subscribe("http.client.request.start", () => {
  atFirstRequest ??= [...loaded];
});
process.on("exit", () => {
  const nodeFetch = process.moduleLoadList.some((name) => name.includes("deps/undici"));
  writeFileSync(process.env.LOAD_PROBE_FILE, JSON.stringify({ loaded, atFirstRequest, nodeFetch }));
});
