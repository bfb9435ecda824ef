/**
 * Nothing in src/ writes to the runner's log except src/log.ts: lint refuses every other way
 * (core.info and its siblings, console, process.stdout/stderr), and the sources hold none.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "@jest/globals";

const root = join(import.meta.dirname, "..", "..");
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === "no-restricted-syntax",
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});

async function guardErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

describe("writes to the runner's log outside src/log.ts fail lint", () => {
  it.each([
    ["src/workflows/probe.ts", "console.log('x');"],
    ["src/azure/probe.ts", "console.error('x');"],
    ["src/main.ts", "process.stdout.write('x');"],
    ["src/report.ts", "process.stderr.write('x');"],
    ["src/main.ts", 'import * as core from "@actions/core";\ncore.info("x");'],
    ["src/settings.ts", 'import * as core from "@actions/core";\ncore.warning("x");'],
    ["src/main.ts", 'import * as core from "@actions/core";\ncore.startGroup("x");'],
    ["src/main.ts", 'import * as core from "@actions/core";\ncore.setFailed("x");'],
    ["src/main.ts", 'import * as core from "@actions/core";\ncore.notice("x");'],
    ["src/report.ts", 'import { info } from "@actions/core";\ninfo("x");'],
    ["src/report.ts", 'import * as actions from "@actions/core";\nactions.info("x");'],
  ])("%s: %s", async (file, code) => {
    const errors = await guardErrors(file, `${code}\nexport {};\n`);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatch(/^no-restricted-syntax: /);
  });

  it.each([
    ["src/log.ts", 'import * as core from "@actions/core";\ncore.info("x");'],
    ["src/report.ts", 'import * as core from "@actions/core";\ncore.setOutput("a", "b");'],
    ["src/main.ts", 'import { runnerLog } from "./log.ts";\nrunnerLog.info("x");'],
  ])("%s may: %s", async (file, code) => {
    expect(await guardErrors(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

describe("src/", () => {
  it("writes to the log only through src/log.ts", () => {
    const writers = sources(join(root, "src"))
      .filter((file) => !file.endsWith(join("src", "log.ts")))
      .filter((file) =>
        /\bcore\.(info|debug|warning|notice|error|startGroup|group|setFailed)\(|console\.|process\.(stdout|stderr)/.test(
          readFileSync(file, "utf8"),
        ),
      )
      .map((file) => relative(root, file));

    expect(writers).toEqual([]);
  });
});
