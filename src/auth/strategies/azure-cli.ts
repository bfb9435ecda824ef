import { execFile } from "node:child_process";
import { isGuid } from "../../domain/resource-id.ts";
import { ActionError } from "../../errors.ts";
import { parseGuid, SignInInputs } from "../inputs.ts";
import type { SignInMethod, SignInStrategy } from "../strategy.ts";
import { TENANT_ID_WHAT } from "./common.ts";

type AzureCli = Extract<SignInMethod, { kind: "azure-cli" }>;

const { AuthType } = SignInInputs;

/** `az account get-access-token` takes a second or two; a stuck one, not 10. */
const CLI_TIMEOUT_MS = 60_000;

const SIGN_IN_FIRST =
  "Sign in earlier in the job with azure/login (uses: azure/login@v2), or choose another " +
  `'${AuthType}'.`;

/** The session the Azure CLI holds, as azure/login leaves it. */
export const azureCli: SignInStrategy<AzureCli> = {
  kind: "azure-cli",
  aliases: [],
  detect: ({ runner, clientId, tenantId }) =>
    runner.cliSignedIn()
      ? "an Azure CLI session was found (as azure/login leaves it)" +
        (clientId.value !== "" && tenantId.value !== ""
          ? "; GitHub's OIDC token is not available to this job (no id-token: write)"
          : "")
      : undefined,
  requireRunner({ runner }) {
    if (!runner.cliSignedIn()) throw cliNotSignedIn();
  },
  parse: ({ tenantId }) => ({
    kind: "azure-cli",
    tenantId:
      tenantId.value === "" ? undefined : parseGuid(tenantId.from, tenantId.value, TENANT_ID_WHAT),
  }),
  describe: () => "the Azure CLI's session",
  who: (method) => (method.tenantId ? ` in ${method.tenantId}` : ""),
  destinations: () => "the Azure CLI signs in with its own session",
  tokenSource: () => ({ where: "through the Azure CLI", pending: "az account get-access-token" }),
  subscriptionFromCli: true,
  async credential(method) {
    const { AzureCliCredential } = await import("@azure/identity");
    return new AzureCliCredential({
      ...(method.tenantId ? { tenantId: method.tenantId } : {}),
      processTimeoutInMs: CLI_TIMEOUT_MS,
    });
  },
  generalRemedy: () => "Check the Azure CLI session (az account show) left by azure/login.",
  explain(error, line) {
    if (/could not be found|not installed|ENOENT/i.test(line)) {
      return new ActionError(
        "'auth-type: azure-cli' needs the Azure CLI, which is not on this runner.",
        {
          remedy:
            "Install the Azure CLI (GitHub's hosted runners have it), sign in with azure/login, " +
            `or choose another '${AuthType}'.`,
          cause: error,
        },
      );
    }
    if (/az login/i.test(line)) {
      return new ActionError(`The Azure CLI is not signed in: ${line}`, {
        remedy: SIGN_IN_FIRST,
        cause: error,
      });
    }
    return new ActionError(`Getting a token from the Azure CLI failed: ${line}`, {
      remedy: azureCli.generalRemedy({ kind: "azure-cli", tenantId: undefined }),
      cause: error,
    });
  },
};

export function cliNotSignedIn(): ActionError {
  return new ActionError("'auth-type: azure-cli' found no Azure CLI session on this runner.", {
    remedy: `${SIGN_IN_FIRST} If the CLI keeps its profile elsewhere, set AZURE_CONFIG_DIR.`,
  });
}

/**
 * The subscription the Azure CLI is set to (`az account show`), as azure/login leaves it. Asked
 * only when no input, `creds` or AZURE_SUBSCRIPTION_ID names one, and while the first token is
 * being fetched, so it adds no time to the run.
 */
export async function currentCliSubscription(signal?: AbortSignal): Promise<string> {
  const windows = process.platform === "win32";
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      windows ? "az.cmd" : "az",
      ["account", "show", "--query", "id", "--output", "tsv"],
      { timeout: CLI_TIMEOUT_MS, shell: windows, signal, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
          const reason = missing
            ? "the Azure CLI is not installed"
            : (stderr.split(/\r?\n/).find((line) => line.trim() !== "") ?? error.message).trim();
          reject(
            new ActionError(`Could not read the Azure CLI's current subscription: ${reason}`, {
              remedy:
                `Set '${SignInInputs.SubscriptionId}', or sign in with azure/login (with ` +
                "subscription-id) earlier " +
                "in the job.",
              cause: error,
            }),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
  const id = output.trim();
  if (!isGuid(id)) {
    throw new ActionError("The Azure CLI is signed in without a subscription.", {
      remedy:
        `Set '${SignInInputs.SubscriptionId}' (azure/login's allow-no-subscriptions leaves the ` +
        "CLI without one).",
    });
  }
  return id.toLowerCase();
}
