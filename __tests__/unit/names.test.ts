/**
 * src/names.ts against action.yml, both ways: every declared input is read by the action and
 * every input it reads is declared; every declared output is set by a report and every output a
 * report sets is declared; the defaults are the same. "Read" and "set" come from running the
 * real settings reader and reports, not from a list kept by hand.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import type { PullIdentity, Registry, RoleAssignment } from "../../src/domain/ports.ts";
import { Defaults, Inputs, Outputs } from "../../src/names.ts";
import { readActionMetadata } from "../../scripts/action-metadata.ts";
import { reportAttach, reportCheck, reportDetach, type ReportContext } from "../../src/report.ts";
import { readSettings, type InputReader } from "../../src/settings.ts";
import type { PipelineRun } from "../../src/workflows/pipeline.ts";

const root = join(import.meta.dirname, "..", "..");

/** action.yml, as the docs and the examples' check read it (scripts/action-metadata.ts). */
const metadata = readActionMetadata();
const declared = {
  inputs: new Map(metadata.inputs.map((input) => [input.name, input])),
  outputs: new Set(metadata.outputs.map((output) => output.name)),
};

describe("action.yml as read here", () => {
  it("has the inputs, their defaults and the outputs", () => {
    expect(declared.inputs.get("resource-group")).toMatchObject({
      required: true,
      default: undefined,
    });
    expect(declared.inputs.get("dry-run")).toMatchObject({ required: false, default: "false" });
    expect(declared.inputs.get("acr-name")).toMatchObject({ required: false, default: "" });
    expect(declared.outputs.has("login-server")).toBe(true);
  });
});

describe("inputs", () => {
  /** Every name the settings reader asks the runner for, on a run with no inputs set. */
  function namesRead(): Set<string> {
    const read = new Set<string>();
    const recording: InputReader = (name) => {
      read.add(name);
      return "";
    };
    const runner = {
      oidcAvailable: false,
      managedIdentityVariable: undefined,
      subscriptionIdVariable: "",
      cliSignedIn: () => false,
    };
    expect(() => readSettings(recording, runner)).toThrow(/resource-group/);
    return read;
  }

  it("reads every input action.yml declares, and no other", () => {
    expect([...namesRead()].sort()).toEqual([...declared.inputs.keys()].sort());
  });

  it("names.ts lists exactly the declared inputs", () => {
    expect(Object.values(Inputs).sort()).toEqual([...declared.inputs.keys()].sort());
  });

  it("has the defaults action.yml declares, and none for required inputs", () => {
    const fromYml = Object.fromEntries(
      [...declared.inputs]
        .filter(([, input]) => input.default !== undefined)
        .map(([name, input]) => [name, input.default]),
    );
    expect(Defaults).toEqual(fromYml);
    for (const [name, input] of declared.inputs) {
      if (input.required) expect(Object.keys(Defaults)).not.toContain(name);
    }
  });
});

describe("outputs", () => {
  let directory: string;
  let savedEnv: NodeJS.ProcessEnv;

  beforeEach(() => {
    savedEnv = { ...process.env };
    directory = mkdtempSync(join(tmpdir(), "names-test-"));
    delete process.env["GITHUB_STEP_SUMMARY"];
    jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(directory, { recursive: true, force: true });
    for (const key of Object.keys(process.env)) {
      if (!(key in savedEnv)) delete process.env[key];
    }
    Object.assign(process.env, savedEnv);
  });

  const registry: Registry = {
    id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
    name: "acr",
    loginServer: "acr.azurecr.io",
    location: "westeurope",
    roleAssignmentMode: undefined,
    publicNetworkAccess: undefined,
  };
  const identity: PullIdentity = {
    kind: "kubelet-identity",
    objectId: "00000000-0000-0000-0000-00000000000a",
    clientId: undefined,
  };
  const assignment: RoleAssignment = {
    id: `${registry.id}/providers/Microsoft.Authorization/roleAssignments/x`,
    name: "x",
    scope: registry.id,
    roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/y",
    principalId: identity.objectId,
    principalType: "ServicePrincipal",
  };
  const role = { name: "AcrPull", guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d" };

  const cluster = {
    id: "c",
    name: "c",
    location: "westeurope",
    kubeletIdentity: { objectId: identity.objectId },
    servicePrincipalClientId: undefined,
    controlPlanePrincipalId: undefined,
  };

  /** A run over the one registry, with this result. */
  function runOf<R>(result: R): PipelineRun<R> {
    return {
      cluster,
      identity,
      items: [
        {
          entry: { kind: "name", name: registry.name },
          label: registry.name,
          registry,
          result,
          error: undefined,
        },
      ],
    };
  }

  /** The names a report writes to GITHUB_OUTPUT. */
  async function namesSet(report: () => Promise<void>): Promise<string[]> {
    const file = join(directory, `output-${readdirSync(directory).length}`);
    writeFileSync(file, "");
    process.env["GITHUB_OUTPUT"] = file;
    await report().catch(() => undefined);
    expect(statSync(file).size).toBeGreaterThan(0);
    return [...readFileSync(file, "utf8").matchAll(/^([^<\n]+)<<ghadelimiter_/gm)].map(
      (m) => m[1]!,
    );
  }

  const context = (mode: ReportContext["mode"]): ReportContext => ({
    mode,
    dryRun: false,
    clusterName: "c",
    resourceGroup: "rg",
  });

  it("the reports together set every output action.yml declares, and no other", async () => {
    const set = new Set([
      ...(await namesSet(() =>
        reportAttach(
          runOf({
            registry,
            identity,
            role,
            outcome: "created",
            assignmentId: assignment.id,
            assignmentScope: registry.id,
            changed: true,
            plannedChanges: 0,
            warnings: [],
            registryCreation: undefined,
          }),
          context("attach"),
        ),
      )),
      ...(await namesSet(() =>
        reportDetach(
          runOf({
            registry,
            identity,
            roles: [role],
            removed: [assignment],
            alreadyGone: [],
            stillGranting: [],
            changed: true,
            plannedChanges: 0,
            dryRun: false,
          }),
          context("detach"),
        ),
      )),
      ...(await namesSet(() =>
        reportCheck(
          runOf({
            cluster,
            registry,
            identity,
            mode: "legacy",
            hasPullAccess: true,
            verdicts: [],
            reasons: [],
            warnings: [],
          }),
          context("check"),
        ),
      )),
    ]);
    expect([...set].sort()).toEqual([...declared.outputs].sort());
    expect(Object.values(Outputs).sort()).toEqual([...declared.outputs].sort());
  });
});

describe("names written once", () => {
  /** Every .ts file under src/, except names.ts itself and the sign-in code. */
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return path.endsWith("auth") ? [] : sources(path);
      return path.endsWith(".ts") && entry !== "names.ts" ? [path] : [];
    });
  }

  it("no input or output name appears as a quoted literal outside names.ts", () => {
    const names = [...Object.values(Inputs), ...Object.values(Outputs)];
    const pattern = new RegExp(`(["'])(${names.join("|")})(\\1|: )`);
    const offending = sources(join(root, "src")).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => pattern.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });
});
