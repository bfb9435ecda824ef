/**
 * `npm run emulator` as a new user meets it: `--help`, the commands it prints (which must run
 * the bundled action and show its outputs and job summary), and `--rights` for a caller that
 * may only read, or do nothing at all, so the real 403s can be seen.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";

const ROOT = resolve(import.meta.dirname, "../..");
const FLAGS = [
  "--seed",
  "--port",
  "--rights",
  "--metadata-form",
  "--quiet",
  "--github-step",
  "--help",
];

let running: ChildProcessWithoutNullStreams | undefined;
const runFileDirs: string[] = [];

afterEach(async () => {
  if (running && running.exitCode === null) {
    const exited = new Promise((done) => running!.once("exit", done));
    running.kill("SIGTERM");
    await exited;
  }
  running = undefined;
  await Promise.all(runFileDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The parent's environment without a runner's or a sign-in's variables; Node 24 first. */
function cleanEnv(): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([name]) =>
      !/^(INPUT_|GITHUB_|ACTIONS_|AZURE_|IDENTITY_|MSI_|HTTPS?_PROXY$|NO_PROXY$)/i.test(name),
  );
  const env = Object.fromEntries(kept);
  return { ...env, PATH: `${dirname(process.execPath)}:${env["PATH"] ?? ""}` };
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["emulator/cli.ts", ...args], {
      cwd: ROOT,
      env: cleanEnv(),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("exit", (code) => done({ code, stdout, stderr }));
  });
}

/** Starts the CLI in the background and returns the shell commands it printed. */
async function startCli(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ["emulator/cli.ts", "--port", "0", "--quiet", ...args], {
    cwd: ROOT,
    env: cleanEnv(),
  });
  running = child;
  let stdout = "";
  await new Promise<void>((done, fail) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.includes("Ctrl-C stops the emulator.")) done();
    });
    child.on("exit", (code) => fail(new Error(`the emulator exited (${code}): ${stdout}`)));
  });
  const commands = /from the repository root:\n\n([\s\S]+?)\n\nRequests are logged below/.exec(
    stdout,
  );
  if (!commands?.[1]) throw new Error(`no commands in: ${stdout}`);
  return commands[1];
}

/** Runs the printed commands as a user pasting them into bash would. */
function paste(commands: string): Promise<string> {
  return new Promise((done, fail) => {
    const shell = spawn("bash", ["-c", commands], { cwd: ROOT, env: cleanEnv() });
    let output = "";
    shell.stdout.on("data", (chunk) => (output += chunk));
    shell.stderr.on("data", (chunk) => (output += chunk));
    shell.on("error", fail);
    shell.on("exit", () => {
      const outputFile = /^--- outputs \((.+)\/output\):$/m.exec(output)?.[1];
      if (outputFile) runFileDirs.push(outputFile);
      done(output);
    });
  });
}

/** The text after a `--- name (...)` header up to the next one. */
function section(output: string, name: string): string {
  const start = output.indexOf(`--- ${name} (`);
  if (start < 0) return "";
  const rest = output.slice(output.indexOf("\n", start) + 1);
  const end = rest.indexOf("\n--- ");
  return end < 0 ? rest : rest.slice(0, end);
}

describe("npm run emulator -- --help", () => {
  it("lists every flag, one line each, and exits without starting", async () => {
    const { code, stdout } = await cli(["--help"]);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run emulator -- \[flags\]/);
    expect(stdout).not.toContain("listening on");
    for (const flag of FLAGS) {
      expect(
        stdout
          .split("\n")
          .filter((line) => line.trimStart().match(new RegExp(`^(-\\w, )?${flag}\\b`))),
      ).toHaveLength(1);
    }
    expect((await cli(["-h"])).stdout).toBe(stdout);
  });

  it("refuses an unknown flag, a bad --rights or --metadata-form, pointing at --help", async () => {
    const unknown = await cli(["--colour"]);
    const rights = await cli(["--rights", "admin"]);
    const form = await cli(["--metadata-form", "list"]);

    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown option '--colour'.*--help/);
    expect(rights.code).toBe(1);
    expect(rights.stderr).toContain('--rights must be one of seeded, reader, none, got "admin"');
    expect(form.code).toBe(1);
    expect(form.stderr).toContain('--metadata-form must be one of object, array, got "list"');
  });
});

describe("the commands npm run emulator prints", () => {
  it("run the bundled action with a runner's output and summary files, and show both", async () => {
    const commands = await startCli([]);

    const output = await paste(commands);

    expect(commands).toMatch(/export GITHUB_OUTPUT=.+ GITHUB_STEP_SUMMARY=/);
    expect(section(output, "outputs")).toMatch(/^login-server<<(\S+)\ndemoacr\.azurecr\.io\n\1$/m);
    expect(section(output, "outputs")).toMatch(/^changed<<(\S+)\ntrue\n\1$/m);
    expect(section(output, "job summary")).toContain("demoacr");
    expect(section(output, "job summary")).toContain("granted");
  });

  it("--rights reader: reads work, the grant is ARM's 403 on roleAssignments/write, and the summary says so", async () => {
    const output = await paste(await startCli(["--rights", "reader"]));

    expect(output).toMatch(/^::error::.*Microsoft\.Authorization\/roleAssignments\/write/m);
    expect(output).toContain("demoacr.azurecr.io"); // the registry was read
    // Every registry's outcome is reported, the failed one too: nothing changed.
    expect(section(output, "outputs")).toMatch(/^changed<<(\S+)\nfalse\n\1$/m);
    expect(section(output, "outputs")).toMatch(/"outcome":"failed"/);
    expect(section(output, "job summary")).toContain("roleAssignments/write");
  });

  it("--rights none: even the cluster read is ARM's 403", async () => {
    const output = await paste(await startCli(["--rights", "none"]));

    expect(output).toMatch(/^::error::.*Microsoft\.ContainerService\/managedClusters\/read/m);
    expect(output).not.toContain("Granting AcrPull");
  });
});

describe("npm run emulator -- --metadata-form array", () => {
  it("answers the metadata with every cloud, and the printed commands still attach", async () => {
    const commands = await startCli(["--metadata-form", "array"]);
    const url = /'INPUT_RESOURCE-MANAGER-ENDPOINT=([^']+)'/.exec(commands)?.[1];
    const caPath = /export NODE_EXTRA_CA_CERTS='([^']+)'/.exec(commands)?.[1];
    if (!url || !caPath) throw new Error(`no endpoint or CA in: ${commands}`);

    const answer = await new Promise<string>((done, fail) => {
      const reader = spawn(
        process.execPath,
        [
          "-e",
          `fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))`,
          `${url}/metadata/endpoints?api-version=2022-09-01`,
        ],
        { env: { ...cleanEnv(), NODE_EXTRA_CA_CERTS: caPath } },
      );
      let body = "";
      reader.stdout.on("data", (chunk) => (body += chunk));
      reader.on("error", fail);
      reader.on("exit", () => done(body));
    });
    const output = await paste(commands);

    expect((JSON.parse(answer) as { name: string }[]).map((cloud) => cloud.name)).toEqual([
      "AzureCloud",
      "AzureChinaCloud",
      "AzureUSGovernment",
      "AzureEmulator",
    ]);
    expect(section(output, "outputs")).toMatch(/^changed<<(\S+)\ntrue\n\1$/m);
  });
});
