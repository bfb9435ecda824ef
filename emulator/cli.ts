import { appendFile, writeFile } from "node:fs/promises";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { azCloudConfig, azSignInCommands } from "./az-cloud.ts";
import { signingInPrincipal } from "./caller-rights.ts";
import {
  CALLER_RIGHTS,
  CLOUD_METADATA_FORMS,
  type CloudMetadataForm,
  DEMO_SEED_PATH,
  runInputs,
  type CallerRights,
  startEmulator,
  type Emulator,
  type RequestLogEntry,
} from "./index.ts";

/**
 * The command line, one entry per flag: what `parseArgs` reads and what `--help` prints.
 * `value` names the flag's argument; flags without one are switches.
 */
const FLAGS = {
  seed: {
    type: "string",
    value: "<file>",
    help: "the seed JSON to start from (default: the demo seed)",
  },
  port: { type: "string", value: "<n>", help: "the port on 127.0.0.1 (default: 0, any free port)" },
  rights: {
    type: "string",
    value: "<r>",
    help: "the signing-in caller's rights: seeded (default) | reader (Reader on the subscription) | none",
  },
  "metadata-form": {
    type: "string",
    value: "<f>",
    help: "how /metadata/endpoints answers: object (as Azure Stack Hub) | array (every cloud, as Azure's public ARM); default: by api-version",
  },
  quiet: { type: "boolean", help: "do not log each request" },
  az: { type: "boolean", help: "also print how to sign the Azure CLI in against it" },
  "github-step": {
    type: "string",
    value: "<ready-file>",
    help: "in a workflow step: write the run's inputs to GITHUB_OUTPUT, the CA to GITHUB_ENV, then this file",
  },
  help: { type: "boolean", short: "h", help: "print this help and exit" },
} as const satisfies Record<
  string,
  { type: "string" | "boolean"; help: string; short?: string; value?: string }
>;

function parseCommandLine<T extends ParseArgsOptionsConfig>(options: T) {
  try {
    return parseArgs({ options });
  } catch (error) {
    throw new Error(`${(error as Error).message} (npm run emulator -- --help lists the flags)`, {
      cause: error,
    });
  }
}

function helpText(): string {
  const lines = Object.entries(FLAGS).map(([name, flag]) => {
    const short = "short" in flag ? `-${flag.short}, ` : "";
    const value = "value" in flag ? ` ${flag.value}` : "";
    return `  ${`${short}--${name}${value}`.padEnd(28)}${flag.help}`;
  });
  return [
    "Usage: npm run emulator -- [flags]",
    "",
    "Starts the Azure emulator (ARM, Entra ID, Graph) on 127.0.0.1 and prints the commands that",
    "run the bundled action against it. Ctrl-C stops it.",
    "",
    ...lines,
  ].join("\n");
}

/**
 * `npm run emulator [-- --seed <file>] [--port <n>] [--rights <r>] [--metadata-form <f>] [--quiet] [--az] [--github-step <ready-file>]`:
 * starts the emulator in the foreground and prints how to point a run of the action at it
 * (with `--az`, the Azure CLI too). Ctrl-C stops it.
 */
async function main(): Promise<void> {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, flag]) => [
      name,
      { type: flag.type, ...("short" in flag && { short: flag.short }) },
    ]),
  ) as { [K in keyof typeof FLAGS]: { type: (typeof FLAGS)[K]["type"] } };
  const { values } = parseCommandLine(options);
  if (values.help) {
    console.log(helpText());
    return;
  }
  const port = Number(values.port ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number (0 for any free port), got "${values.port}"`);
  }
  const rights = values.rights ?? "seeded";
  if (!(CALLER_RIGHTS as readonly string[]).includes(rights)) {
    throw new Error(`--rights must be one of ${CALLER_RIGHTS.join(", ")}, got "${rights}"`);
  }
  const form = values["metadata-form"];
  if (form !== undefined && !(CLOUD_METADATA_FORMS as readonly string[]).includes(form)) {
    throw new Error(
      `--metadata-form must be one of ${CLOUD_METADATA_FORMS.join(", ")}, got "${form}"`,
    );
  }
  const starting = startEmulator({
    seed: values.seed ?? DEMO_SEED_PATH,
    port,
    callerRights: rights as CallerRights,
    cloudMetadataForm: form as CloudMetadataForm | undefined,
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
    // A runner's step files: the outputs and the job summary land there, shown after the run.
    "run_files=$(mktemp -d)",
    'export GITHUB_OUTPUT="$run_files/output" GITHUB_STEP_SUMMARY="$run_files/summary.md"',
    'touch "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY"',
    `env \\\n  ${assignments.join(" \\\n  ")} \\\n  node dist/index.js`,
    'echo "--- outputs ($GITHUB_OUTPUT):"; cat "$GITHUB_OUTPUT"',
    'echo "--- job summary ($GITHUB_STEP_SUMMARY):"; cat "$GITHUB_STEP_SUMMARY"',
    ...footer,
  ].join("\n");
}

/** `--az`: the cloud configuration az needs, and the commands that sign it in as the deployer. */
function azUsage(emulator: Emulator): string {
  const config = azCloudConfig(emulator.url);
  const deployer = signingInPrincipal(emulator.seed);
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
  if (!deployer) {
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
