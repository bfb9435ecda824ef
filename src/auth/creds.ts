import { ActionError } from "../errors.ts";
import { SignInInputs } from "./inputs.ts";

/**
 * azure/login's `creds`: the JSON `az ad sp create-for-rbac --sdk-auth` prints. Only what the
 * action uses is kept; the endpoint fields say which cloud the service principal lives in.
 */
export interface Creds {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  /** `resourceManagerEndpointUrl`, `""` when absent. */
  readonly resourceManagerEndpointUrl: string;
  /** `activeDirectoryEndpointUrl`, `""` when absent. */
  readonly activeDirectoryEndpointUrl: string;
}

const REQUIRED = ["clientId", "clientSecret", "tenantId"] as const;
const OPTIONAL = [
  "subscriptionId",
  "resourceManagerEndpointUrl",
  "activeDirectoryEndpointUrl",
] as const;
const EXAMPLE =
  '{"clientId": "<GUID>", "clientSecret": "<secret>", "tenantId": "<GUID>", "subscriptionId": "<GUID>"}';

/** The secret inside `creds`, if it can be found, so it can be masked before anything else. */
export function credsSecret(raw: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    const secret = (parsed as { clientSecret?: unknown } | null)?.clientSecret;
    return typeof secret === "string" && secret !== "" ? secret : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses `creds`. Messages name the JSON's problem (a syntax error's position, the missing or
 * mistyped keys) but never show the JSON: it holds a secret.
 */
export function parseCreds(raw: string): Creds {
  const input = SignInInputs.Creds;
  const remedy =
    `Store azure/login's JSON in a repository secret and pass it whole (creds: ` +
    `\${{ secrets.AZURE_CREDENTIALS }}); it looks like ${EXAMPLE}.`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    // V8's message quotes the text near the error: keep only where it is.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
    throw new ActionError(
      `Input '${input}' is not valid JSON${position ? ` (error at character ${position})` : ""}; ` +
        `its content is not shown because it holds a secret.`,
      { remedy },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ActionError(`Input '${input}' must be a JSON object.`, { remedy });
  }
  const fields = parsed as Record<string, unknown>;
  const missing = REQUIRED.filter((key) => typeof fields[key] !== "string" || fields[key] === "");
  if (missing.length > 0) {
    throw new ActionError(
      `Input '${input}' lacks ${missing.map((key) => `'${key}'`).join(", ")} (each a non-empty ` +
        `string); it needs 'clientId', 'clientSecret' and 'tenantId'.`,
      { remedy },
    );
  }
  const wrongType = OPTIONAL.filter((key) => key in fields && typeof fields[key] !== "string");
  if (wrongType.length > 0) {
    throw new ActionError(
      `Input '${input}' has ${wrongType.map((key) => `'${key}'`).join(", ")} that is not a string.`,
      { remedy },
    );
  }
  const text = (key: (typeof REQUIRED)[number] | (typeof OPTIONAL)[number]) =>
    typeof fields[key] === "string" ? fields[key].trim() : "";
  return {
    clientId: text("clientId"),
    clientSecret: fields["clientSecret"] as string,
    tenantId: text("tenantId"),
    subscriptionId: text("subscriptionId"),
    resourceManagerEndpointUrl: text("resourceManagerEndpointUrl"),
    activeDirectoryEndpointUrl: text("activeDirectoryEndpointUrl"),
  };
}
