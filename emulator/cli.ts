import { appendFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { azCloudConfig, azSignInCommands } from "./az-cloud.ts";
import {
  DEMO_SEED_PATH,
  runInputs,
  startEmulator,
  type Emulator,
  type RequestLogEntry,
} from "./index.ts";

/**
 * `npm run emulator [-- --seed <file>] [--port <n>] [--quiet] [--az] [--github-step <ready-file>]`:
 * starts the emulator in the foreground and prints how to point a run of the action at it
 * (with `--az`, the Azure CLI too). Ctrl-C stops it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: DEMO_SEED_PATH },
      port: { type: "string", default: "0" },
      quiet: { type: "boolean", default: false },
      az: { type: "boolean", default: false },
      "github-step": { type: "string" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number (0 for any free port), got "${values.port}"`);
  }
  const starting = startEmulator({
    seed: values.seed,
    port,
    onRequest: values.quiet ? undefined : printRequest,
  });
  // Handlers before the first output: a signal sent on seeing it must not find the default
  // action (death without cleanup) still in place.
  const stop = async (signal: string) => {
    console.log(`\n${signal}: stopping the emulator.`);
    const emulator = await starting.catch(() => undefined);
    await emulator?.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  const emulator = await starting;
  console.log(usage(emulator.url, emulator.caCertPath, inputsIfAny(emulator)));
  if (values.az) console.log(azUsage(emulator));
  if (values["github-step"]) await handOverToWorkflow(emulator, values["github-step"]);
}

/**
 * In a workflow job (started in the background by a step): the run's inputs become that step's
 * outputs, the CA goes into the job's environment for the steps after it, and `readyFile` is
 * written last so the step knows when both are in place.
 */
async function handOverToWorkflow(emulator: Emulator, readyFile: string): Promise<void> {
  const outputFile = process.env["GITHUB_OUTPUT"];
  const envFile = process.env["GITHUB_ENV"];
  if (!outputFile || !envFile) throw new Error("--github-step needs GITHUB_OUTPUT and GITHUB_ENV");
  const inputs = runInputs(emulator);
  const secret = inputs["client-secret"];
  if (secret) console.log(`::add-mask::${secret}`);
  const lines = Object.entries(inputs).map(([name, value]) => `${name}=${value}`);
  await appendFile(outputFile, `${lines.join("\n")}\n`);
  await appendFile(envFile, `NODE_EXTRA_CA_CERTS=${emulator.caCertPath}\n`);
  await writeFile(readyFile, emulator.url);
}

/** A seed need not describe a whole run (a cluster, a registry, a deployer with a secret). */
function inputsIfAny(emulator: Emulator): Record<string, string> | undefined {
  try {
    return runInputs(emulator);
  } catch {
    return undefined;
  }
}

function usage(url: string, caCertPath: string, inputs?: Record<string, string>): string {
  const header = [
    `Azure emulator (ARM, Entra ID, Graph) listening on ${url}`,
    `CA certificate: ${caCertPath}`,
    "",
  ];
  const footer = ["", "Requests are logged below. Ctrl-C stops the emulator."];
  if (!inputs) {
    const note =
      "(The seed has no cluster, registry and deployer with a secret to build a run from.)";
    return [
      ...header,
      `export NODE_EXTRA_CA_CERTS=${shellQuote(caCertPath)}`,
      note,
      ...footer,
    ].join("\n");
  }
  // Names with dashes cannot be `export`ed by bash, hence `env 'NAME=value' ...`.
  const assignments = Object.entries(inputs).map(([name, value]) =>
    shellQuote(`INPUT_${name.toUpperCase()}=${value}`),
  );
  return [
    ...header,
    "Run the action against it, from the repository root:",
    "",
    `export NODE_EXTRA_CA_CERTS=${shellQuote(caCertPath)}`,
    `env \\\n  ${assignments.join(" \\\n  ")} \\\n  node dist/index.js`,
    ...footer,
  ].join("\n");
}

/** `--az`: the cloud configuration az needs, and the commands that sign it in as the deployer. */
function azUsage(emulator: Emulator): string {
  const config = azCloudConfig(emulator.url);
  const deployer = emulator.seed.servicePrincipals?.find((principal) => principal.clientSecret);
  const lines = [
    "",
    "The Azure CLI against it (az cloud register --cloud-config):",
    `  ARM (resourceManager, management):  ${config.endpoints.resourceManager}`,
    `  AD authority (activeDirectory):     ${config.endpoints.activeDirectory}`,
    `  token audience:                     ${config.endpoints.activeDirectoryResourceId}`,
    `  Graph resource id:                  ${config.endpoints.microsoftGraphResourceId}`,
    `  ACR login server suffix:            ${config.suffixes.acrLoginServerEndpoint}`,
    "",
  ];
  if (!deployer?.clientSecret) {
    return [...lines, "(The seed has no service principal with a secret to sign az in as.)"].join(
      "\n",
    );
  }
  const commands = azSignInCommands({
    url: emulator.url,
    caCertPath: emulator.caCertPath,
    tenantId: emulator.seed.tenantId,
    appId: deployer.appId,
    clientSecret: deployer.clientSecret,
  });
  return [
    ...lines,
    "Sign az in (a profile of its own, so your own stays untouched):",
    "",
    ...commands,
  ].join("\n");
}

function printRequest(entry: RequestLogEntry): void {
  const query = entry.query ? `?${decodeURIComponent(entry.query)}` : "";
  const fault = entry.faulted ? " (fault)" : "";
  console.log(`${entry.status} ${entry.service} ${entry.method} ${entry.path}${query}${fault}`);
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
