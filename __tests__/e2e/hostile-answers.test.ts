/**
 * A hostile or compromised ARM (and Graph, and token endpoint) in front of the bundled action:
 * every value it answers carries runner commands, a lone carriage return and a blank line with
 * markdown. No line of the step's output may then be a command the action did not make, no
 * output key may appear that the action does not declare, and an answer whose id or login
 * server is not one fails the step naming the field, with no output set from it.
 */
import { readActionMetadata } from "../../scripts/action-metadata.ts";
import { describe, expect, it } from "@jest/globals";
import { everyField, HOSTILE, HOSTILE_ALL } from "../../emulator/index.ts";
import type { ActionRun } from "../../scripts/local-runner.ts";
import { ids, READER, scopes } from "../fixtures.ts";
import { errorText, useEmulator } from "./harness.ts";

const harness = useEmulator();

/** The commands the action itself issues (through @actions/core). */
const OWN_COMMANDS = new Set([
  "group",
  "endgroup",
  "debug",
  "warning",
  "error",
  "notice",
  "add-mask",
]);
/** Output keys action.yml declares. */
const DECLARED_OUTPUTS = new Set(readActionMetadata().outputs.map((output) => output.name));

/**
 * Every line the runner would read as a command, split the way the runner splits lines (LF,
 * CR), checked: only the action's own command names, and none whose data is a payload's `x`.
 */
function expectNoInjectedCommand(result: ActionRun): void {
  const lines = `${result.stdout}\n${result.stderr}`.split(/\r\n|\r|\n/);
  const commands = lines.filter((line) => /^\s*(::|##\[)/.test(line));
  for (const line of commands) {
    const match = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
    expect(match).not.toBeNull();
    const [, name = "", data = ""] = match ?? [];
    expect(OWN_COMMANDS.has(name) ? name : line).toBe(name);
    // The payloads' commands carry `x`: an injected one would show as its data.
    expect(data.startsWith("x") ? line : "").toBe("");
  }
  for (const key of Object.keys(result.outputs)) {
    expect(DECLARED_OUTPUTS.has(key) ? key : `undeclared output ${key}`).toBe(key);
  }
}

describe("hostile answers in every field", () => {
  it("fails attach naming a field that is not what ARM answers, sets no output, injects nothing", async () => {
    harness.emulator.hostile(everyField(HOSTILE_ALL));

    const result = await harness.run();

    expect(result.exitCode).toBe(1);
    expectNoInjectedCommand(result);
    expect(errorText(result)).toMatch(
      /Azure answered a (cluster|registry) whose '[\w.]+' is not (the id of a|a host name|a resource name|a GUID)/,
    );
    expect(errorText(result)).toContain("\\n::add-mask::x");
    expect(result.outputs).toEqual({});
    expect(harness.armWrites()).toEqual([]);
  });

  it.each([
    [
      "login server",
      { registry: { loginServer: (real: string) => `${real}${HOSTILE.addMask}` } },
      "loginServer",
    ],
    ["registry id", { registry: { id: (real: string) => `${real}${HOSTILE.error}` } }, "id"],
    [
      "kubelet object id",
      { cluster: { kubeletObjectId: "not-a-guid" } },
      "kubeletidentity.objectId",
    ],
    [
      "role assignment id",
      { roleAssignment: { id: (real: string) => `${real}${HOSTILE.markdown}` } },
      "id",
    ],
  ])("an invalid %s fails the step naming it; its output is not set", async (_, hostile, field) => {
    harness.emulator.hostile(hostile);

    const result = await harness.run();

    expect(result.exitCode).toBe(1);
    expectNoInjectedCommand(result);
    expect(errorText(result)).toContain(`whose '${field}' is not`);
    expect(result.outputs["login-server"]).toBeUndefined();
    expect(result.outputs["registry-id"]).toBeUndefined();
    expect(result.outputs["role-assignment-id"]).toBeUndefined();
  });

  it("prints free text (role names, descriptions, token claims) escaped on one line", async () => {
    harness.emulator.addRoleAssignment({
      scope: scopes.registry,
      roleDefinitionId: READER,
      principalId: ids.kubelet.objectId,
      description: "seeded",
    });
    harness.emulator.hostile({
      roleDefinition: { roleName: (real) => `${real}${HOSTILE_ALL}` },
      roleAssignment: { description: (real) => `${real}${HOSTILE_ALL}` },
      tokenClaims: {
        appid: (real) => `${real}${HOSTILE_ALL}`,
        oid: (real) => `${real}${HOSTILE_ALL}`,
      },
    });

    const result = await harness.run({ mode: "check", "fail-on-missing": "false" });

    expect(result.exitCode).toBe(0);
    expectNoInjectedCommand(result);
    // The role name and the description are shown, their line breaks as visible escapes.
    expect(result.stdout).toContain("Reader\\n::add-mask::x\\r::error::x");
    expect(result.stdout).toContain("seeded\\n::add-mask::x");
    expect(result.stdout).toContain("%0A::error::x%0D%25");
  });

  it("prints a custom cloud's name from its metadata escaped, or not at all", async () => {
    harness.emulator.setCloudMetadata({ name: `Stack${HOSTILE_ALL}` });

    const result = await harness.run();

    expect(result.exitCode).toBe(0);
    expectNoInjectedCommand(result);
    expect(result.stdout).not.toContain("Stack\n");
  });

  it("cuts an Azure error of tens of KB to its start and end, keeping the request id", async () => {
    harness.emulator.hostile({
      armError: { message: `${HOSTILE.long}${HOSTILE_ALL}the end` },
      requestId: "req-0123456789",
    });
    harness.emulator.inject({ method: "GET", path: /\/managedClusters\//, status: 403 });

    const result = await harness.run();

    expect(result.exitCode).toBe(1);
    expectNoInjectedCommand(result);
    const error = errorText(result);
    expect(error).toContain("characters cut");
    expect(error).toContain("the end");
    expect(error).toContain("request id req-0123456789");
    expect(error.length).toBeLessThan(8000);
  });
});

describe("an ARM token never goes to the Graph host", () => {
  it("refuses an ARM nextLink to the Graph the cloud's metadata names", async () => {
    const graph = await harness.emulator.startForeignHost();
    harness.emulator.setCloudMetadata({ microsoftGraphResourceId: `${graph.url}/` });
    harness.emulator.inject({
      method: "GET",
      path: /\/roleAssignments$/i,
      status: 200,
      body: {
        value: [],
        nextLink: `${graph.url}/subscriptions/${ids.subscription}/providers/Microsoft.Authorization/roleAssignments?page=2`,
      },
      times: Infinity,
    });

    const result = await harness.run();

    expect(result.stdout).toContain(`Graph tokens only to ${graph.url}`);
    expect(graph.requests).toEqual([]);
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toContain(`Refused to send the run's token to "${graph.url}"`);
    expect(harness.armWrites()).toEqual([]);
  });
});
