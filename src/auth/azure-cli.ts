import { execFile } from "node:child_process";
import { ActionError } from "../errors.ts";

const TIMEOUT_MS = 60_000;

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
      { timeout: TIMEOUT_MS, shell: windows, signal, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
          const reason = missing
            ? "the Azure CLI is not installed"
            : (stderr.split(/\r?\n/).find((line) => line.trim() !== "") ?? error.message).trim();
          reject(
            new ActionError(`Could not read the Azure CLI's current subscription: ${reason}`, {
              remedy:
                "Set 'subscription-id', or sign in with azure/login (with subscription-id) earlier " +
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
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new ActionError("The Azure CLI is signed in without a subscription.", {
      remedy:
        "Set 'subscription-id' (azure/login's allow-no-subscriptions leaves the CLI without one).",
    });
  }
  return id.toLowerCase();
}
