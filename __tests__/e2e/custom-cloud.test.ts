/**
 * A custom cloud (`resource-manager-endpoint`) through each form its ARM metadata may take: the
 * committed bundle run against the emulator answering one object (as Azure Stack Hub does) or an
 * array of every cloud (as the public cloud's ARM does), and refusing a list in which no entry,
 * or more than one, is the endpoint asked. Assertions are on the role assignment made, the log,
 * the step's failure, and what the emulator was asked after a refusal: nothing.
 */
import { describe, expect, it } from "@jest/globals";
import type { CloudMetadataForm } from "../../emulator/index.ts";
import type { ActionRun } from "../../scripts/local-runner.ts";
import { errorText, useEmulator } from "./harness.ts";

const harness = useEmulator();

/** Every request but the metadata's: sign-in, ARM, Graph, GitHub's token endpoint. */
function requestsPastMetadata(): string[] {
  return harness.emulator.requests
    .filter((r) => r.service !== "metadata")
    .map((r) => `${r.service} ${r.method} ${r.path}`);
}

/** The step's `::error::` lines as the runner reads them: the failure must be one of them. */
function errorLines(result: ActionRun): string[] {
  return result.stdout.split("\n").filter((line) => line.startsWith("::error::"));
}

describe("a custom cloud, whichever form its metadata takes", () => {
  it.each<CloudMetadataForm>(["object", "array"])(
    "%s: signs in where the metadata says and attaches",
    async (form) => {
      harness.emulator.setCloudMetadata({ form });

      // No authority-host: the sign-in host, like the audience, comes from the chosen entry.
      const result = await harness.run({ "authority-host": undefined });

      expect(errorText(result)).toBe("");
      expect(result.exitCode).toBe(0);
      const { url } = harness.emulator;
      expect(result.stdout).toContain(`Cloud AzureEmulator: ARM ${url}, sign-in at ${url}.`);
      expect(result.stdout).toContain(
        `Tokens: ARM tokens for audience ${url} go only to ${url}, Graph tokens only to ${url}; ` +
          `the client secret goes only to ${url}.`,
      );
      expect(harness.kubeletPullAssignments()).toHaveLength(1);
      expect(result.outputs["changed"]).toBe("true");
      const metadata = harness.emulator.requests.filter((r) => r.service === "metadata");
      expect(metadata.map((r) => `${r.method} ${r.path}?${r.query} ${r.status}`)).toEqual([
        "GET /metadata/endpoints?api-version=2022-09-01 200",
      ]);
    },
  );
});

describe("a list of clouds in which the endpoint is not exactly once", () => {
  it("none of them: refused before sign-in, listing what the list held and the fix", async () => {
    harness.emulator.setCloudMetadata({
      form: "array",
      resourceManager: "https://management.elsewhere.test/",
    });

    const result = await harness.run();

    expect(result.exitCode).toBe(1);
    const { url } = harness.emulator;
    const error = errorText(result);
    expect(error).toContain(
      `The cloud metadata at ${url}/metadata/endpoints?api-version=2022-09-01 lists 4 clouds, ` +
        `none with resourceManager ${url}: "AzureCloud" at "https://management.azure.com/", ` +
        `"AzureChinaCloud" at "https://management.chinacloudapi.cn", "AzureUSGovernment" at ` +
        `"https://management.usgovcloudapi.net", "AzureEmulator" at ` +
        `"https://management.elsewhere.test/".`,
    );
    expect(error).toContain(
      "How to fix: Set 'resource-manager-endpoint' to the ARM endpoint of your cloud as its " +
        "metadata lists it under resourceManager",
    );
    expect(requestsPastMetadata()).toEqual([]);
    expect(harness.emulator.issuedTokens()).toEqual([]);
  });

  it("two of them: refused before sign-in, naming both and who must fix it", async () => {
    harness.emulator.setCloudMetadata({
      form: "array",
      moreClouds: [{ name: "AzureEmulatorTwin" }],
    });

    const result = await harness.run();

    expect(result.exitCode).toBe(1);
    const { url } = harness.emulator;
    const error = errorText(result);
    expect(error).toContain(
      `lists 2 clouds with resourceManager ${url} (of 5): "AzureEmulator" at "${url}/", ` +
        `"AzureEmulatorTwin" at "${url}/".`,
    );
    expect(error).toContain(`whoever runs ${url} must list its cloud once in /metadata/endpoints`);
    expect(requestsPastMetadata()).toEqual([]);
    expect(harness.emulator.issuedTokens()).toEqual([]);
    expect(harness.armWrites()).toEqual([]);
  });

  it("a long hostile list: five entries shown, each on the failure's one line, the rest counted", async () => {
    harness.emulator.setCloudMetadata({
      form: "array",
      resourceManager: "https://management.elsewhere.test/",
      moreClouds: Array.from({ length: 60 }, (_, i) => ({
        name: `Evil${i}\n::warning::owned`,
        resourceManager: `https://evil${i}.test/\r\n::add-mask::x`,
      })),
    });

    const result = await harness.run();

    expect(result.exitCode).toBe(1);
    const error = errorText(result);
    expect(error).toContain("lists 64 clouds, none with resourceManager");
    expect(error).toContain(", and 59 more.");
    expect(error).toContain(
      '"Evil0\\n::warning::owned" at "https://evil0.test/\\r\\n::add-mask::x"',
    );
    expect(error).not.toContain("Evil1");
    // The message and its remedy: two lines of one ::error:: command, no command of their own.
    expect(errorLines(result)).toHaveLength(1);
    expect(error.split("\n")).toHaveLength(2);
    expect(result.stdout).not.toMatch(/^::warning::owned|^::add-mask::x/m);
    expect(requestsPastMetadata()).toEqual([]);
  });
});
