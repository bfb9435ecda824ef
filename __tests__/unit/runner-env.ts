/**
 * The runner's side of settings tests: inputs as `INPUT_*` variables (what the real
 * `core.getInput` reads), stdout captured (mask and debug commands), and nothing from the
 * machine's own environment that could choose another way to sign in.
 */
import { afterEach, beforeEach, jest } from "@jest/globals";

export type Inputs = Record<string, string | undefined>;

/** What could make the runner's environment choose another way to sign in. */
const RUNNER_VARIABLES = [
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "IDENTITY_ENDPOINT",
  "MSI_ENDPOINT",
  "IMDS_ENDPOINT",
  "AZURE_POD_IDENTITY_AUTHORITY_HOST",
  "AZURE_SUBSCRIPTION_ID",
];

export interface RunnerEnv {
  /** Sets the inputs as the runner does: `INPUT_<NAME>`, upper-cased, dashes kept. */
  setInputs(inputs: Inputs): void;
  /** Every write to stdout in this test so far, in order. */
  writes(): readonly string[];
}

/** Registers hooks that give each test of the file a clean runner environment. */
export function useRunnerEnv(): RunnerEnv {
  let savedEnv: NodeJS.ProcessEnv = {};
  let written: string[] = [];
  beforeEach(() => {
    savedEnv = { ...process.env };
    for (const key of Object.keys(process.env)) {
      if (key.startsWith("INPUT_") || RUNNER_VARIABLES.includes(key)) delete process.env[key];
    }
    process.env["AZURE_CONFIG_DIR"] = "/nonexistent/azure-config";
    written = [];
    jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const key of Object.keys(process.env)) {
      if (!(key in savedEnv)) delete process.env[key];
    }
    Object.assign(process.env, savedEnv);
  });
  return {
    setInputs(inputs) {
      for (const [name, value] of Object.entries(inputs)) {
        const key = `INPUT_${name.toUpperCase()}`;
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
    writes: () => written,
  };
}
