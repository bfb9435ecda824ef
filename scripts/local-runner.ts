/**
 * Runs the bundled action the way a GitHub runner does: inputs as `INPUT_*` variables, outputs
 * through the `GITHUB_OUTPUT` file, the job summary through `GITHUB_STEP_SUMMARY`. Used by the
 * demo, the end-to-end tests and the benchmark.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface ActionRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly summary: string;
}

export interface RunOptions {
  /** Input name (as in action.yml) to value. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Extra environment, e.g. NODE_EXTRA_CA_CERTS. */
  readonly env?: Readonly<Record<string, string>>;
  /** The action's entry point; the committed bundle by default. */
  readonly entry?: string;
}

const ROOT = resolve(import.meta.dirname, "..");

/** The runner's `name<<delimiter ... delimiter` format of the GITHUB_OUTPUT file. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const end = lines.indexOf(delimiter!, i + 1);
      outputs[name!] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (lines[i]?.includes("=")) {
      const [name, ...rest] = lines[i]!.split("=");
      outputs[name!] = rest.join("=");
    }
  }
  return outputs;
}

function inputEnv(inputs: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
}

/**
 * The parent's variables, less those that would change how the action signs in or connects:
 * inputs and runner files of another run, GitHub's token request, managed identity endpoints,
 * a proxy, a default subscription. A run gets those only when its options say so.
 */
const NOT_INHERITED =
  /^(INPUT_|GITHUB_|ACTIONS_ID_TOKEN_|IDENTITY_|MSI_|IMDS_|AZURE_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$)/i;

function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !NOT_INHERITED.test(entry[0]),
    ),
  );
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), "aks-attach-acr-run-"));
  const outputFile = join(dir, "output");
  const summaryFile = join(dir, "summary");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  try {
    const child = spawn(process.execPath, [options.entry ?? join(ROOT, "dist", "index.js")], {
      env: {
        ...cleanEnv(),
        ...inputEnv(options.inputs),
        ...options.env,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        RUNNER_TEMP: dir,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = await new Promise<number>((done, fail) => {
      child.on("error", fail);
      child.on("close", (code) => done(code ?? 1));
    });
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(await readFile(outputFile, "utf8")),
      summary: await readFile(summaryFile, "utf8"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
