/**
 * What the committed bundle loads, and when, as a runner runs it: the SDK clients' chunks only
 * after the first sign-in request has been sent (they load while its answer is on the way), and
 * the run still does its job with them. A preloaded probe notes each file as Node loads it.
 */
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import type { ActionRun } from "../../scripts/local-runner.ts";
import { Inputs } from "../../src/names.ts";
import { useEmulator } from "./harness.ts";

const harness = useEmulator();
const DIST = resolve(import.meta.dirname, "..", "..", "dist");
const PROBE = join(import.meta.dirname, "load-probe.mjs");

/** The one dist/ chunk whose text has `signature`. */
function chunkWith(signature: string): string {
  const found = readdirSync(DIST).filter(
    (file) => file.endsWith(".js") && readFileSync(join(DIST, file), "utf8").includes(signature),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

const SDK_CHUNKS = [
  "class ContainerServiceClient",
  "class ContainerRegistryManagementClient",
  "class AuthorizationManagementClient",
].map(chunkWith);
const SIGN_IN_CHUNK = chunkWith("class ClientSecretCredential");
/** `@actions/github`, for the provenance of a grant: only a run that writes one needs it. */
const GITHUB_CHUNK = chunkWith("getOctokit");

interface Loads {
  readonly run: ActionRun;
  /** The entry and chunks of dist/ loaded when the first HTTP request was sent. */
  readonly atFirstRequest: string[];
  /** The entry and chunks of dist/ loaded by the end of the run. */
  readonly loaded: string[];
  /** Whether Node's own fetch implementation was loaded (by touching `FormData`, say). */
  readonly nodeFetch: boolean;
}

async function runWithProbe(inputs: Record<string, string>): Promise<Loads> {
  const dir = await mkdtemp(join(tmpdir(), "aks-attach-acr-loads-"));
  const file = join(dir, "loads.json");
  try {
    const run = await harness.run(inputs, {
      NODE_OPTIONS: `--import=${PROBE}`,
      LOAD_PROBE_FILE: file,
    });
    const loads = JSON.parse(await readFile(file, "utf8")) as {
      readonly loaded: string[];
      readonly atFirstRequest?: string[];
      readonly nodeFetch: boolean;
    };
    const inDist = (urls: readonly string[]) =>
      urls
        .map((url) => fileURLToPath(url))
        .filter((path) => dirname(path) === DIST && path.endsWith(".js"))
        .map((path) => basename(path));
    return {
      run,
      atFirstRequest: inDist(loads.atFirstRequest ?? []),
      loaded: inDist(loads.loaded),
      nodeFetch: loads.nodeFetch,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("loading the bundle", () => {
  it.each(["attach", "detach"])(
    "%s: the SDK clients load only after the first request is sent, and the run succeeds",
    async (mode) => {
      const { run, atFirstRequest, loaded } = await runWithProbe({ mode });
      expect(run.exitCode).toBe(0);
      expect(atFirstRequest).toContain("index.js");
      expect(atFirstRequest.filter((file) => SDK_CHUNKS.includes(file))).toEqual([]);
      expect(loaded).toEqual(expect.arrayContaining([...SDK_CHUNKS, SIGN_IN_CHUNK]));
      expect(harness.emulator.requests.length).toBeGreaterThan(1);
    },
  );

  it("a run that writes an assignment loads @actions/github, after its first request", async () => {
    const { run, atFirstRequest, loaded } = await runWithProbe({ [Inputs.Mode]: "attach" });
    expect(run.exitCode).toBe(0);
    expect(harness.emulator.requests.filter((request) => request.method === "PUT")).toHaveLength(1);
    expect(atFirstRequest).not.toContain(GITHUB_CHUNK);
    expect(loaded).toContain(GITHUB_CHUNK);
  });

  it.each<Record<string, string>>([
    { [Inputs.Mode]: "check", [Inputs.FailOnMissing]: "false" },
    { [Inputs.Mode]: "detach" },
    { [Inputs.Mode]: "attach", [Inputs.DryRun]: "true" },
  ])("a run that writes nothing never loads @actions/github: %j", async (inputs) => {
    const { run, loaded } = await runWithProbe(inputs);
    expect(run.exitCode).toBe(0);
    expect(harness.emulator.requests.filter((request) => request.method === "PUT")).toEqual([]);
    expect(loaded).toEqual(expect.arrayContaining(SDK_CHUNKS));
    expect(loaded).not.toContain(GITHUB_CHUNK);
  });

  it("a run never loads Node's own fetch (about 30 ms): its requests have no FormData body", async () => {
    // By name in another group: a token POST, Resource Graph's POST, the PUT, and the reads.
    const { run, nodeFetch } = await runWithProbe({ [Inputs.Mode]: "attach" });
    expect(run.exitCode).toBe(0);
    const methods = new Set(harness.emulator.requests.map((request) => request.method));
    expect([...methods].sort()).toEqual(["GET", "POST", "PUT"]);
    expect(nodeFetch).toBe(false);
  });

  it("a run that fails on its inputs loads no chunk at all", async () => {
    const { run, loaded } = await runWithProbe({ mode: "attach-everything" });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("attach-everything");
    expect(loaded).toEqual(["index.js"]);
    expect(harness.emulator.requests).toEqual([]);
  });
});
