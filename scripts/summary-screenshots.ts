/**
 * `npm run docs:screenshots`: the job summaries of real runs, as a user sees them. Runs the
 * committed dist/index.js against the emulator (attach, re-run, detach, check with reasons,
 * dry run, a failure), renders each summary file to HTML as GitHub does (GFM through `marked`,
 * GitHub's markdown CSS, the Mermaid block drawn by the `mermaid` package's browser bundle) and
 * screenshots it with headless Chromium at about the width of a job summary, into
 * docs/summary-<kind>.png. Needs `chromium` on the PATH (Debian: apt-get install chromium).
 *
 *   npm run docs:screenshots              all kinds
 *   npm run docs:screenshots -- --html    also keep the HTML pages in docs/.summary-html/
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { marked } from "marked";
import { startEmulator, runInputs, type Emulator } from "../emulator/index.ts";
import { runAction, type ActionRun } from "./local-runner.ts";

const ROOT = resolve(import.meta.dirname, "..");
const DOCS = join(ROOT, "docs");
/** The width of the summary's column in GitHub's job page, about. */
const WIDTH = 1000;
const CHROMIUM = process.env["CHROMIUM"] ?? "chromium";

type Kind = "attach" | "rerun" | "detach" | "check" | "dry-run" | "failure";

async function runs(emulator: Emulator): Promise<Record<Kind, ActionRun>> {
  const inputs = runInputs(emulator);
  const env = { NODE_EXTRA_CA_CERTS: emulator.caCertPath };
  const run = (extra: Record<string, string> = {}) =>
    runAction({ inputs: { ...inputs, ...extra }, env });
  const dryRun = await run({ "dry-run": "true" });
  const attach = await run();
  const rerun = await run();
  const detach = await run({ mode: "detach" });
  // The control-plane identity holds AcrPull, not the kubelet identity: a classic mistake.
  const cluster = emulator.seed.clusters?.[0];
  const registry = emulator.seed.registries?.[0];
  if (cluster?.systemIdentityPrincipalId && registry) {
    emulator.addRoleAssignment({
      scope:
        `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}` +
        `/providers/Microsoft.ContainerRegistry/registries/${registry.name}`,
      roleDefinitionId:
        `/subscriptions/${registry.subscriptionId}/providers/Microsoft.Authorization/` +
        `roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
      principalId: cluster.systemIdentityPrincipalId,
      principalType: "ServicePrincipal",
    });
  }
  const check = await run({ mode: "check" });
  const failure = await run({ "acr-name": "nosuchregistry" });
  return { attach, rerun, detach, check, "dry-run": dryRun, failure };
}

/** GitHub renders ```mermaid blocks as diagrams: so does this page, with the same library. */
function page(summary: string): string {
  const body = marked.parse(summary, { gfm: true, async: false });
  const css = pathToFileURL(
    join(ROOT, "node_modules/github-markdown-css/github-markdown-light.css"),
  );
  const mermaid = pathToFileURL(join(ROOT, "node_modules/mermaid/dist/mermaid.min.js"));
  return `<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="${css.href}">
<style>
  body { margin: 0; background: #fff; }
  .markdown-body { box-sizing: border-box; width: ${WIDTH}px; padding: 16px 24px; }
</style>
<script src="${mermaid.href}"></script>
</head><body><article class="markdown-body">${body}</article>
<script>
  for (const code of document.querySelectorAll("pre > code.language-mermaid")) {
    const pre = code.parentElement;
    pre.className = "mermaid";
    pre.textContent = code.textContent;
  }
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
  mermaid.run().finally(() => {
    const height = Math.ceil(document.querySelector("article").getBoundingClientRect().height);
    document.body.setAttribute("data-height", String(height));
  });
</script>
</body></html>`;
}

function chromium(args: readonly string[]): string {
  return execFileSync(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--allow-file-access-from-files",
      "--virtual-time-budget=8000",
      ...args,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
}

function screenshot(htmlPath: string, pngPath: string): void {
  const url = pathToFileURL(htmlPath).href;
  const dom = chromium([`--window-size=${WIDTH},2000`, "--dump-dom", url]);
  const height = Number(/data-height="(\d+)"/.exec(dom)?.[1] ?? "1200");
  chromium([`--window-size=${WIDTH},${height + 8}`, `--screenshot=${pngPath}`, url]);
}

const keepHtml = process.argv.includes("--html");
const work = mkdtempSync(join(tmpdir(), "summary-screenshots-"));
const emulator = await startEmulator();
try {
  const results = await runs(emulator);
  mkdirSync(DOCS, { recursive: true });
  const htmlDir = keepHtml ? join(DOCS, ".summary-html") : work;
  mkdirSync(htmlDir, { recursive: true });
  for (const [kind, run] of Object.entries(results)) {
    if (!run.summary.trim())
      throw new Error(`the ${kind} run wrote no summary (exit ${run.exitCode})`);
    const html = join(htmlDir, `summary-${kind}.html`);
    writeFileSync(html, page(run.summary));
    writeFileSync(join(work, `summary-${kind}.md`), run.summary);
    const png = join(DOCS, `summary-${kind}.png`);
    screenshot(html, png);
    console.log(`${kind}: exit ${run.exitCode}, ${readFileSync(png).length} bytes → ${png}`);
  }
} finally {
  await emulator.close();
  if (!keepHtml) rmSync(work, { recursive: true, force: true });
}
