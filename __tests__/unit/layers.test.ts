/**
 * The layering table in eslint.config.js, enforced: small files that break it, linted in memory
 * with the project's own configuration, fail with the layer rule; files that keep it pass.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "@jest/globals";

const root = join(import.meta.dirname, "..", "..");
const eslint = new ESLint({
  cwd: root,
  // The files below do not exist, so only the layer rule runs (type-aware rules need a file on
  // disk); every other block of the configuration still applies and could override it.
  ruleFilter: ({ ruleId }) => ruleId === "no-restricted-imports",
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

const { LAYERS } = (await import(pathToFileURL(join(root, "eslint.config.js")).href)) as {
  readonly LAYERS: Record<string, { readonly files: readonly string[] }>;
};

describe("the layer table", () => {
  it("puts every file of src/ in exactly one layer", () => {
    const inLayer = (file: string) =>
      Object.entries(LAYERS)
        .filter(([, { files }]) =>
          files.some((glob) =>
            glob.endsWith("/**") ? file.startsWith(glob.slice(0, -2)) : file === glob,
          ),
        )
        .map(([layer]) => layer);
    const files = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => `src/${file}`);

    expect(files.length).toBeGreaterThan(40);
    expect(files.filter((file) => inLayer(file).length !== 1)).toEqual([]);
  });
});

describe("imports a layer may not make fail lint", () => {
  it.each([
    ["src/workflows/probe.ts", 'import { summaryText } from "../summary-text.ts";'],
    ["src/workflows/probe.ts", 'import { parseRegistryList } from "../settings-registries.ts";'],
    ["src/workflows/probe.ts", 'import { readSettings } from "../settings.ts";'],
    ["src/workflows/probe.ts", 'import { reportAttach } from "../report.ts";'],
    ["src/workflows/probe.ts", 'import { run } from "../main.ts";'],
    ["src/workflows/probe.ts", 'import { signIn } from "../auth/session.ts";'],
    [
      "src/workflows/probe.ts",
      'import { ContainerServiceClient } from "@azure/arm-containerservice";',
    ],
    ["src/workflows/probe.ts", 'import * as core from "@actions/core";'],
    ["src/workflows/probe.ts", 'import type { TokenCredential } from "@azure/identity";'],
    ["src/workflows/probe.ts", 'import { createAzurePorts } from "../azure/clients.ts";'],
    [
      "src/domain/probe.ts",
      'import type { ContainerServiceClient } from "@azure/arm-containerservice";',
    ],
    ["src/domain/probe.ts", 'import { resolveRole } from "../workflows/role.ts";'],
    ["src/domain/probe.ts", 'import { toActionError } from "../azure/errors.ts";'],
    ["src/azure/probe.ts", 'import { readSettings } from "../settings.ts";'],
    ["src/azure/probe.ts", 'import { attach } from "../workflows/attach.ts";'],
    ["src/azure/probe.ts", 'import * as core from "@actions/core";'],
    ["src/auth/probe.ts", 'import { reportFailure } from "../report.ts";'],
    ["src/settings.ts", 'import { attach } from "./workflows/attach.ts";'],
    ["src/report.ts", 'import { readSettings } from "./settings.ts";'],
    [
      "src/names.ts",
      'import { ActionError } from "./errors.ts";\nimport { run } from "./main.ts";',
    ],
    ["emulator/probe.ts", 'import { Inputs } from "../src/names.ts";'],
    ["emulator/seeds/probe.ts", 'import { attach } from "../../src/workflows/attach.ts";'],
    ["emulator/probe.ts", 'import { RestError } from "@azure/core-rest-pipeline";'],
    ["emulator/probe.ts", 'import * as core from "@actions/core";'],
  ])("%s: %s", async (file, code) => {
    const errors = await layerErrors(file, `${code}\nexport {};\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^no-restricted-imports: .*layer may not import/);
  });
});

describe("imports a layer may make pass lint", () => {
  it.each([
    ["src/workflows/probe.ts", 'import type { AzurePorts } from "../domain/ports.ts";'],
    [
      "src/domain/probe.ts",
      'import { ActionError } from "../errors.ts";\nimport { isGuid } from "./resource-id.ts";',
    ],
    ["src/azure/probe.ts", 'import { BuiltInRoles } from "../domain/roles.ts";'],
    ["src/workflows/probe.ts", 'import { Inputs } from "../names.ts";'],
    ["src/workflows/probe.ts", 'import { ActionError } from "../errors.ts";'],
    ["src/workflows/probe.ts", 'import { attach } from "./attach.ts";'],
    ["src/azure/probe.ts", 'import { ContainerServiceClient } from "@azure/arm-containerservice";'],
    ["src/auth/probe.ts", 'import { DefaultAzureCredential } from "@azure/identity";'],
    [
      "src/main.ts",
      'import * as core from "@actions/core";\nimport { attach } from "./workflows/attach.ts";',
    ],
    ["src/report.ts", 'import type { CheckResult } from "./workflows/check.ts";'],
    ["src/settings.ts", 'import { parseSignInSettings } from "./auth/sign-in-settings.ts";'],
    [
      "emulator/probe.ts",
      'import { createServer } from "node:https";\nimport { start } from "./index.ts";',
    ],
  ])("%s: %s", async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
