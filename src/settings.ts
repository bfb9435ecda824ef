import * as core from "@actions/core";
import { credsSecret } from "./auth/creds.ts";
import { parseEndpoint, refuseInput, SignInInputs, type RawSignInInputs } from "./auth/inputs.ts";
import { probeRunner, type RunnerFacts } from "./auth/runner.ts";
import {
  describeSignInSettings,
  parseSignInSettings,
  SignInProblems,
  type SignInSettings,
} from "./auth/sign-in.ts";
import { secretForms } from "./auth/secrets.ts";
import type { RegistryRef } from "./domain/ports.ts";
import type { RoleChoice } from "./domain/roles.ts";
import { isGuid } from "./domain/resource-id.ts";
import { ActionError } from "./errors.ts";
import {
  checkRegistryChoice,
  parseRegistryList,
  parseRegistrySku,
  type RegistrySku,
} from "./settings-registries.ts";
import { Defaults, Inputs, type InputName } from "./names.ts";
import { mask, runnerLog } from "./log.ts";

export const MODES = ["attach", "detach", "check"] as const;
export type Mode = (typeof MODES)[number];

export interface Settings {
  /** Resource group of the AKS cluster. */
  readonly resourceGroup: string;
  /** Name of the AKS cluster. */
  readonly clusterName: string;
  /** The registries, in input order (empty: with `createRegistry`, one named after the cluster). */
  readonly registries: readonly RegistryRef[];
  /** Attach: create a registry found nowhere, in the cluster's group and region. */
  readonly createRegistry: boolean;
  /** The SKU of a registry `createRegistry` creates. */
  readonly registrySku: RegistrySku;
  /**
   * How to sign in, to which cloud, and the subscription of the cluster (and of registries
   * given by name), settled by signing in (src/auth/session.ts).
   */
  readonly signIn: SignInSettings;
  /** Overall deadline of the run, retries included. */
  readonly timeoutSeconds: number;
  /** Grant, remove, or only check the pull role. */
  readonly mode: Mode;
  /** Plan only: say what would change, write nothing. */
  readonly dryRun: boolean;
  /** Which role to grant or remove: `auto` picks by the registry's permission mode. */
  readonly role: RoleChoice;
  /** Check mode: fail the step when the cluster cannot pull. */
  readonly failOnMissing: boolean;
  /** Attach may grant a role that can write, delete or assign roles (Owner, AcrPush...). */
  readonly allowPrivilegedRole: boolean;
}

const MAX_TIMEOUT_SECONDS = 3600;

export { parseEndpoint };

const refuse: (input: InputName, value: string, problem: string, remedy: string) => never =
  refuseInput;

function missing(input: InputName, remedy: string): never {
  throw new ActionError(`Input '${input}' is required but was not set.`, { remedy });
}

/** Resource group names: 1-90 letters, digits, `_`, `-`, `.`, `(`, `)`; not ending in `.`. */
function parseResourceGroup(raw: string): string {
  const input = Inputs.ResourceGroup;
  if (raw === "") missing(input, "Set it to the resource group of the AKS cluster.");
  if (!/^[\p{L}\p{N}_().-]{1,90}$/u.test(raw) || raw.endsWith(".")) {
    refuse(
      input,
      raw,
      "is not a valid resource group name",
      "Use 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'.",
    );
  }
  return raw;
}

/** AKS cluster names: 1-63 letters, digits, `-`, `_`; starting and ending alphanumeric. */
function parseClusterName(raw: string): string {
  const input = Inputs.ClusterName;
  if (raw === "") missing(input, "Set it to the name of the AKS cluster.");
  if (!/^[a-zA-Z0-9](?:[-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/.test(raw)) {
    refuse(
      input,
      raw,
      "is not a valid AKS cluster name",
      "Use 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit.",
    );
  }
  return raw;
}

export function parseTimeoutSeconds(raw: string): number {
  const input = Inputs.TimeoutSeconds;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_TIMEOUT_SECONDS) {
    refuse(
      input,
      raw,
      "is not a whole number of seconds between 1 and 3600",
      `Use e.g. ${Defaults[Inputs.TimeoutSeconds]}.`,
    );
  }
  return value;
}

function parseMode(raw: string): Mode {
  const mode = MODES.find((m) => m === raw.toLowerCase());
  if (!mode) {
    refuse(Inputs.Mode, raw, "is not a mode", `Use one of: ${MODES.join(", ")}.`);
  }
  return mode;
}

/** The YAML 1.2 core schema's booleans, as the runner's own getBooleanInput takes them. */
function parseBoolean(input: InputName, raw: string): boolean {
  if (["true", "True", "TRUE"].includes(raw)) return true;
  if (["false", "False", "FALSE"].includes(raw)) return false;
  refuse(input, raw, "is not a boolean", "Use true or false.");
}

/** `auto`, a role definition GUID, or a role name such as `AcrPull`. */
function parseRole(raw: string): RoleChoice {
  if (raw.toLowerCase() === "auto") return { kind: "auto" };
  if (isGuid(raw)) return { kind: "guid", guid: raw.toLowerCase() };
  // Role names are display names: letters, digits, spaces and a little punctuation.
  if (!/^[\p{L}\p{N} ._()&/-]{1,128}$/u.test(raw) || raw.trim() !== raw) {
    refuse(
      Inputs.Role,
      raw,
      "is not a role name or GUID",
      "Use auto, a role name such as AcrPull, or a role definition GUID.",
    );
  }
  return { kind: "name", name: raw };
}

/** Reads an input, trimmed; `""` when unset. */
export type InputReader = (name: InputName) => string;

const readActionInput: InputReader = (name) => core.getInput(name);

/** The sign-in inputs, as the parser in src/auth takes them. */
function readSignInInputs(read: InputReader): RawSignInInputs {
  return Object.fromEntries(
    Object.values(SignInInputs).map((name) => [name, read(name)]),
  ) as RawSignInInputs;
}

/**
 * Reads and checks every input, before anything talks to Azure. All problems are reported at
 * once, each naming its input. Secrets (the client secret, the one inside `creds`) are masked
 * as soon as they are read. `runner` tells what the environment offers to sign in with.
 */
export function readSettings(
  read: InputReader = readActionInput,
  runner: RunnerFacts = probeRunner(),
): Settings {
  const clientSecret = read(Inputs.ClientSecret);
  for (const form of secretForms(clientSecret)) mask(form);
  const creds = read(Inputs.Creds);
  const secretInCreds = creds === "" ? undefined : credsSecret(creds);
  for (const form of secretForms(secretInCreds ?? "")) mask(form);
  const input = (name: InputName): string => {
    const value = read(name);
    return value === "" && name in Defaults ? Defaults[name as keyof typeof Defaults] : value;
  };

  const problems: ActionError[] = [];
  // A failed field yields a placeholder that is never used: `problems` then ends the read.
  const check = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ActionError)) throw error;
      // Sign-in settings report each of their inputs' problems on its own.
      problems.push(...(error instanceof SignInProblems ? error.problems : [error]));
      return undefined as T;
    }
  };

  const settings: Settings = {
    resourceGroup: check(() => parseResourceGroup(input(Inputs.ResourceGroup))),
    clusterName: check(() => parseClusterName(input(Inputs.ClusterName))),
    registries: check(() => parseRegistryList(input(Inputs.AcrName), input(Inputs.AcrResourceId))),
    createRegistry: check(() => parseBoolean(Inputs.CreateRegistry, input(Inputs.CreateRegistry))),
    registrySku: check(() => parseRegistrySku(input(Inputs.RegistrySku))),
    signIn: check(() => parseSignInSettings(readSignInInputs(read), runner)),
    timeoutSeconds: check(() => parseTimeoutSeconds(input(Inputs.TimeoutSeconds))),
    mode: check(() => parseMode(input(Inputs.Mode))),
    dryRun: check(() => parseBoolean(Inputs.DryRun, input(Inputs.DryRun))),
    role: check(() => parseRole(input(Inputs.Role))),
    failOnMissing: check(() => parseBoolean(Inputs.FailOnMissing, input(Inputs.FailOnMissing))),
    allowPrivilegedRole: check(() =>
      parseBoolean(Inputs.AllowPrivilegedRole, input(Inputs.AllowPrivilegedRole)),
    ),
  };

  // Only once each of them has been read: the combination of the registry inputs and the mode.
  if (problems.length === 0) {
    check(() => {
      checkRegistryChoice(settings.registries, settings.createRegistry, settings.mode);
    });
  }

  const [only, ...more] = problems;
  if (only && more.length === 0) throw only;
  if (more.length > 0) {
    throw new ActionError(
      `${problems.length} inputs are invalid:\n` +
        problems.map((p) => `- ${p.message}${p.remedy ? ` ${p.remedy}` : ""}`).join("\n"),
    );
  }
  // A runner passes action.yml's default (Basic) when the step does not set the input: only
  // another SKU says that the step meant to create a registry.
  const sku = read(Inputs.RegistrySku);
  if (!settings.createRegistry && sku !== "" && sku !== Defaults[Inputs.RegistrySku]) {
    runnerLog.warning(
      `Input '${Inputs.RegistrySku}' only applies with '${Inputs.CreateRegistry}: true'; it is ` +
        `ignored here. Remove it, or set '${Inputs.CreateRegistry}: true'.`,
    );
  }
  if (settings.dryRun && settings.mode === "check") {
    runnerLog.warning(
      `Input '${Inputs.DryRun}' is not needed with '${Inputs.Mode}: check': check never writes. ` +
        `Remove '${Inputs.DryRun}: true' from the step.`,
    );
  }
  logSettings(settings);
  return settings;
}

/** One debug line per setting; the secret is never among them. */
function logSettings(settings: Settings): void {
  const registries = settings.registries
    .map((ref) => (ref.kind === "id" ? ref.id : `${ref.loginServer ?? ref.name} (by name)`))
    .join(", ");
  runnerLog.debug(`${Inputs.ResourceGroup}: ${settings.resourceGroup}`);
  runnerLog.debug(`${Inputs.ClusterName}: ${settings.clusterName}`);
  runnerLog.debug(`registries: ${registries || "(none: named after the cluster)"}`);
  runnerLog.debug(
    `${Inputs.CreateRegistry}: ${String(settings.createRegistry)}, ${Inputs.RegistrySku}: ${settings.registrySku}`,
  );
  for (const line of describeSignInSettings(settings.signIn)) runnerLog.debug(line);
  runnerLog.debug(`${Inputs.TimeoutSeconds}: ${settings.timeoutSeconds}`);
  runnerLog.debug(`${Inputs.Mode}: ${settings.mode}, ${Inputs.DryRun}: ${settings.dryRun}`);
  runnerLog.debug(`${Inputs.Role}: ${JSON.stringify(settings.role)}`);
  runnerLog.debug(`${Inputs.FailOnMissing}: ${settings.failOnMissing}`);
  runnerLog.debug(`${Inputs.AllowPrivilegedRole}: ${settings.allowPrivilegedRole}`);
}
