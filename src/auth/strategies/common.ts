import { ActionError } from "../../errors.ts";
import { needsInstanceDiscovery, type Cloud } from "../cloud.ts";
import { SignInInputs } from "../inputs.ts";
import type { RunnerHooks, SourcedValue } from "../strategy.ts";

export const CLIENT_ID_WHAT = "application (client) id";
export const TENANT_ID_WHAT = "directory (tenant) id";

export const PERMISSIONS_BLOCK = "permissions:\n  id-token: write\n  contents: read";

/** What to tell a user behind a proxy. */
export const REACH_SIGN_IN_HOST =
  "and that the runner can reach the sign-in host (behind a proxy: HTTPS_PROXY, NO_PROXY).";

export function indent(text: string, spaces: number): string {
  return text
    .split("\n")
    .map((line) => " ".repeat(spaces) + line)
    .join("\n");
}

/** Fields still blank after `creds` filled in are named by their input. */
export function requireAll(what: string, needed: readonly SourcedValue[], remedy: string): void {
  const absent = needed.filter((field) => field.value === "").map((field) => `'${field.from}'`);
  if (absent.length === 0) return;
  const names = needed.map(
    (field) => `'${field.from.startsWith("creds.") ? inputOf(field.from) : field.from}'`,
  );
  throw new ActionError(
    `Signing in with ${what} needs ${names.join(", ")}; missing: ${absent.join(", ")}.`,
    { remedy },
  );
}

function inputOf(credsField: string): string {
  const byField: Record<string, string> = {
    "creds.clientId": SignInInputs.ClientId,
    "creds.tenantId": SignInInputs.TenantId,
    "creds.clientSecret": SignInInputs.ClientSecret,
  };
  return byField[credsField] ?? credsField;
}

/**
 * The options every Entra ID credential takes: the cloud's sign-in host, instance discovery
 * only for Microsoft's own hosts, and the run's deadline policy on the identity pipeline.
 */
export function entraOptions(cloud: Pick<Cloud, "authorityHost">, hooks: RunnerHooks) {
  return {
    authorityHost: cloud.authorityHost,
    disableInstanceDiscovery: !needsInstanceDiscovery(cloud),
    ...pipelineOptions(hooks),
  };
}

export function pipelineOptions(hooks: RunnerHooks) {
  return {
    ...(hooks.requestPolicy
      ? { additionalPolicies: [{ policy: hooks.requestPolicy, position: "perRetry" as const }] }
      : {}),
    ...(hooks.httpClient ? { httpClient: hooks.httpClient } : {}),
  };
}
