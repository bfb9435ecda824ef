/**
 * The mode, dry-run, role and fail-on-missing inputs through the real `core.getInput`: each test
 * sets `INPUT_*` variables as the runner would, next to valid sign-in inputs.
 */
import { describe, expect, it } from "@jest/globals";
import { useRunnerEnv, type Inputs } from "./runner-env.ts";
import { ActionError } from "../../src/errors.ts";
import { readSettings, type Settings } from "../../src/settings.ts";

const VALID: Inputs = {
  "resource-group": "rg-aks",
  "cluster-name": "aks-demo",
  "subscription-id": "5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02",
  "acr-name": "demoacr",
  "client-id": "3f6b2c1d-7e4a-4b59-8d2c-1a9e8f7b6c04",
  "tenant-id": "0b8b2a44-3c7e-4a0e-9f51-7d2d3f6c1a01",
  "client-secret": "deployer-Secret~value.0123456789abcdef",
};

const runner = useRunnerEnv();

function settingsFrom(overrides: Inputs): Settings {
  runner.setInputs({ ...VALID, ...overrides });
  return readSettings();
}

function refusalOf(overrides: Inputs): ActionError {
  runner.setInputs({ ...VALID, ...overrides });
  try {
    readSettings();
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error(`readSettings accepted ${JSON.stringify(overrides)}`);
}

describe("the mode inputs' defaults", () => {
  it.each<[string, string | undefined]>([
    ["unset", undefined],
    ["blank, as action.yml leaves them", ""],
  ])("attach, no dry run, role auto, fail on missing when %s", (_, value) => {
    const settings = settingsFrom({
      mode: value,
      "dry-run": value,
      role: value,
      "fail-on-missing": value,
    });

    expect(settings).toMatchObject({
      mode: "attach",
      dryRun: false,
      role: { kind: "auto" },
      failOnMissing: true,
    });
  });
});

describe("mode", () => {
  it.each<[string, Settings["mode"]]>([
    ["attach", "attach"],
    ["detach", "detach"],
    ["check", "check"],
    ["ATTACH", "attach"],
    ["Detach", "detach"],
    [" check\n", "check"],
  ])("reads %j as %s", (raw, expected) => {
    expect(settingsFrom({ mode: raw }).mode).toBe(expected);
  });

  it.each(["deploy", "attach,detach", "remove", "check-only"])(
    "refuses %j, listing the modes",
    (raw) => {
      const error = refusalOf({ mode: raw });

      expect(error.message).toBe(`Input 'mode' is not a mode: ${JSON.stringify(raw)}.`);
      expect(error.remedy).toBe("Use one of: attach, detach, check.");
    },
  );
});

describe.each(["dry-run", "fail-on-missing"])("%s", (input) => {
  const field = input === "dry-run" ? "dryRun" : "failOnMissing";

  it.each<[string, boolean]>([
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["false", false],
    ["False", false],
    ["FALSE", false],
    [" true ", true],
  ])("reads %j as %s", (raw, expected) => {
    expect(settingsFrom({ [input]: raw })[field]).toBe(expected);
  });

  it.each(["yes", "no", "1", "0", "tRUE", "on", "true false"])(
    "refuses %j, saying to use true or false",
    (raw) => {
      const error = refusalOf({ [input]: raw });

      expect(error.message).toBe(`Input '${input}' is not a boolean: ${JSON.stringify(raw)}.`);
      expect(error.remedy).toBe("Use true or false.");
    },
  );
});

describe("role", () => {
  it.each<[string, Settings["role"]]>([
    ["auto", { kind: "auto" }],
    ["AUTO", { kind: "auto" }],
    ["Auto", { kind: "auto" }],
    [
      "7f951dda-4ed3-4680-a7ca-43fe172d538d",
      { kind: "guid", guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d" },
    ],
    [
      "B93AA761-3E63-49ED-AC28-BEFFA264F7AC",
      { kind: "guid", guid: "b93aa761-3e63-49ed-ac28-beffa264f7ac" },
    ],
    ["AcrPull", { kind: "name", name: "AcrPull" }],
    [
      "Container Registry Repository Reader",
      { kind: "name", name: "Container Registry Repository Reader" },
    ],
    [" AcrPush\n", { kind: "name", name: "AcrPush" }],
    [
      "Image Puller (team-a) & Co./EU_1",
      { kind: "name", name: "Image Puller (team-a) & Co./EU_1" },
    ],
    ["Lecteur de dépôt", { kind: "name", name: "Lecteur de dépôt" }],
    ["R".repeat(128), { kind: "name", name: "R".repeat(128) }],
  ])("reads %j", (raw, expected) => {
    expect(settingsFrom({ role: raw }).role).toEqual(expected);
  });

  it.each<[string, string]>([
    ["a newline inside", "Acr\nPull"],
    ["a workflow command", "::set-output name=role::Owner"],
    ["colons", "AcrPull::x"],
    ["a quote that would end an OData literal", "AcrPull' or roleName eq 'Owner"],
    ["more than 128 characters", "R".repeat(200)],
    ["a tab inside", "Acr\tPull"],
    ["a GUID with braces", "{7f951dda-4ed3-4680-a7ca-43fe172d538d}"],
  ])("refuses a role with %s, quoting it on one line", (_, raw) => {
    const error = refusalOf({ role: raw });

    expect(error.message).toMatch(/^Input 'role' is not a role name or GUID: ".*"\.$/);
    expect(error.message).not.toMatch(/[\n\t]/);
    expect(error.remedy).toBe("Use auto, a role name such as AcrPull, or a role definition GUID.");
  });
});

describe("several mode inputs wrong at once", () => {
  it("reports each in one error", () => {
    const error = refusalOf({ mode: "deploy", "dry-run": "yes", role: "a::b" });

    expect(error.message.split("\n")).toEqual([
      "3 inputs are invalid:",
      expect.stringMatching(/^- Input 'mode' is not a mode: "deploy"\. Use one of/),
      expect.stringMatching(/^- Input 'dry-run' is not a boolean: "yes"\. Use true or false\.$/),
      expect.stringMatching(/^- Input 'role' is not a role name or GUID: "a::b"\. Use auto/),
    ]);
  });
});

describe("the debug log", () => {
  it("has one line for mode and dry-run, one for role, one for fail-on-missing", () => {
    settingsFrom({
      mode: "detach",
      "dry-run": "true",
      role: "AcrPull",
      "fail-on-missing": "false",
    });

    const debug = runner.writes().join("").split("\n");
    expect(debug).toContain("::debug::mode: detach, dry-run: true");
    expect(debug).toContain('::debug::role: {"kind":"name","name":"AcrPull"}');
    expect(debug).toContain("::debug::fail-on-missing: false");
  });
});

describe("inputs that do nothing in this step", () => {
  it.each<[string, Inputs, RegExp]>([
    [
      "dry-run with check",
      { mode: "check", "dry-run": "true" },
      /Input 'dry-run' is not needed with 'mode: check'/,
    ],
    [
      "registry-sku without create-registry",
      { "registry-sku": "Premium" },
      /Input 'registry-sku' only applies with 'create-registry: true'/,
    ],
  ])("warn about %s, and the step goes on", (_, overrides, warning) => {
    const settings = settingsFrom(overrides);

    expect(settings.mode).toBe(overrides.mode ?? "attach");
    const warnings = runner.writes().filter((line) => line.startsWith("::warning::"));
    expect(warnings.join("")).toMatch(warning);
  });

  it("says nothing when every input applies", () => {
    settingsFrom({ "create-registry": "true", "registry-sku": "Premium", "acr-name": undefined });

    expect(runner.writes().filter((line) => line.startsWith("::warning::"))).toEqual([]);
  });
});
