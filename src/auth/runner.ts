import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * What the runner's environment says about the ways to sign in. Every check is cheap (a
 * variable, or one small file), and the file is only read when `auth-type: auto` gets that far.
 */
export interface RunnerFacts {
  /** GitHub gives the job an OIDC token endpoint only with `permissions: id-token: write`. */
  readonly oidcAvailable: boolean;
  /** The first managed identity endpoint variable set, e.g. `IDENTITY_ENDPOINT`. */
  readonly managedIdentityVariable: string | undefined;
  /** `AZURE_SUBSCRIPTION_ID`, `""` when unset. */
  readonly subscriptionIdVariable: string;
  /** The Azure CLI's profile holds an account (as azure/login leaves it). */
  cliSignedIn(): boolean;
}

/**
 * The variables @azure/identity (MSAL) picks a managed identity endpoint from: App Service and
 * Functions, Cloud Shell and Azure ML, Arc, and IMDS redirected (AKS pod identity). An Azure VM's
 * IMDS has none: it is always at 169.254.169.254, and probing it would cost a timeout elsewhere.
 */
export const MANAGED_IDENTITY_VARIABLES = [
  "IDENTITY_ENDPOINT",
  "MSI_ENDPOINT",
  "IMDS_ENDPOINT",
  "AZURE_POD_IDENTITY_AUTHORITY_HOST",
] as const;

export function probeRunner(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RunnerFacts {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  return {
    oidcAvailable: set("ACTIONS_ID_TOKEN_REQUEST_URL") && set("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    managedIdentityVariable: MANAGED_IDENTITY_VARIABLES.find(set),
    subscriptionIdVariable: (env["AZURE_SUBSCRIPTION_ID"] ?? "").trim(),
    cliSignedIn: () => cliProfileHasAccount(cliConfigDirectory(env)),
  };
}

/** Where the Azure CLI keeps its profile: `AZURE_CONFIG_DIR`, else `~/.azure`. */
export function cliConfigDirectory(env: Readonly<Record<string, string | undefined>>): string {
  const configured = (env["AZURE_CONFIG_DIR"] ?? "").trim();
  return configured !== "" ? configured : join(homedir(), ".azure");
}

/** `azureProfile.json` lists the signed-in accounts; `az logout` empties the list. */
export function cliProfileHasAccount(configDirectory: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(configDirectory, "azureProfile.json"), "utf8");
  } catch {
    return false;
  }
  try {
    // The CLI writes the file with a byte order mark.
    const profile = JSON.parse(text.replace(/^\uFEFF/, "")) as { subscriptions?: unknown };
    return Array.isArray(profile.subscriptions) && profile.subscriptions.length > 0;
  } catch {
    return false;
  }
}

/** The origin of GitHub's ID token endpoint, for messages; undefined outside a runner. */
export function idTokenRequestOrigin(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  try {
    return new URL(env["ACTIONS_ID_TOKEN_REQUEST_URL"] ?? "").origin;
  } catch {
    return undefined;
  }
}
