/**
 * The Azure CLI against the emulator, for the side-by-side part of the bench: a profile of its
 * own (AZURE_CONFIG_DIR), the emulator registered as a custom cloud and signed in as the seed's
 * deployer. az's process, and only az's, gets bench/az-compat on PYTHONPATH (see its
 * sitecustomize.py: Debian's az 2.45 needs it for role assignments).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { azCloudConfig } from "../../emulator/az-cloud.ts";
import type { Emulator } from "../../emulator/index.ts";

const run = promisify(execFile);
export const AZ_COMPAT_DIR = resolve(import.meta.dirname, "..", "..", "bench", "az-compat");

/** `az version`'s azure-cli, or undefined when az is not installed. */
export async function azVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run("az", ["version", "--output", "json"], { timeout: 60_000 });
    return (JSON.parse(stdout) as Record<string, string>)["azure-cli"];
  } catch {
    return undefined;
  }
}

export interface AzSession {
  /** Runs `az ...args`; resolves with the wall time in ms, rejects with az's error text. */
  run(args: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export async function signInAz(
  emulator: Emulator,
  deployer: { appId: string; clientSecret: string },
  tenantId: string,
): Promise<AzSession> {
  const configDir = await mkdtemp(join(tmpdir(), "aks-attach-acr-bench-az-"));
  const env = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: configDir,
    AZURE_CONFIG_DIR: configDir,
    REQUESTS_CA_BUNDLE: emulator.caCertPath,
    AZURE_CORE_COLLECT_TELEMETRY: "0",
    AZURE_CORE_NO_COLOR: "1",
    AZURE_CORE_ONLY_SHOW_ERRORS: "1",
    PYTHONPATH: AZ_COMPAT_DIR,
    // No __pycache__ left beside the fix in the working tree.
    PYTHONDONTWRITEBYTECODE: "1",
  };
  const az = async (args: readonly string[]) => {
    const started = performance.now();
    try {
      await run("az", [...args], { env, timeout: 180_000 });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(`az ${args.slice(0, 3).join(" ")} failed: ${stderr.trim().slice(-600)}`, {
        cause: error,
      });
    }
    return performance.now() - started;
  };
  const cloudFile = join(configDir, "cloud.json");
  await writeFile(cloudFile, JSON.stringify(azCloudConfig(emulator.url)));
  await az(["cloud", "register", "--name", "Emulator", "--cloud-config", `@${cloudFile}`]);
  await az(["cloud", "set", "--name", "Emulator"]);
  await az([
    "login", "--service-principal", "--username", deployer.appId,
    "--password", deployer.clientSecret, "--tenant", tenantId, "--output", "none",
  ]); // prettier-ignore
  return { run: az, close: () => rm(configDir, { recursive: true, force: true }) };
}
