import { ActionError } from "../errors.ts";
import type { Cloud } from "./cloud.ts";
import { Inputs } from "../names.ts";
import { SignInInputs } from "./inputs.ts";
import { withoutEchoedRequest } from "./secrets.ts";
import { strategyOf } from "./strategies/factory.ts";
import type { SignInMethod } from "./strategy.ts";

const { ClientId, TenantId, ClientSecret, Audience, Environment, AuthorityHost } = SignInInputs;

/**
 * Remedies for Entra ID's errors, by AADSTS code (codes and wording: learn.microsoft.com's
 * "Microsoft Entra authentication and authorization error codes", and workload identity
 * federation's troubleshooting).
 */
export const ENTRA_REMEDIES: Readonly<
  Record<string, (method: SignInMethod, cloud: Cloud) => string>
> = {
  AADSTS7000215: () =>
    `The client secret is wrong: check that '${ClientSecret}' (or creds.clientSecret) holds the ` +
    `secret's value, not its id.`,
  AADSTS7000222: (method) =>
    `The client secret has expired: create a new one (az ad app credential reset --id ` +
    `${"clientId" in method && method.clientId ? method.clientId : "<client-id>"} --append, or ` +
    `in the portal: App registrations > Certificates & secrets) and update the repository secret.`,
  AADSTS700016: (_, cloud) =>
    `Check '${ClientId}' and '${TenantId}': no such application in that tenant of ${cloud.name}. ` +
    `'${ClientId}' is the Application (client) ID, not the object id: az ad sp show --id ` +
    `<object id> --query appId, or the app registration's Overview page.`,
  AADSTS90002: (_, cloud) =>
    `Check '${TenantId}': no such tenant in ${cloud.name}. Set it to the directory (tenant) id of ` +
    `the app registration (az account show --query tenantId), and '${Environment}' to its cloud.`,
  AADSTS900023: () => `Check '${TenantId}': it is not a valid tenant id.`,
  AADSTS700211: () =>
    `The app has no federated credential for GitHub's issuer: add one with issuer ` +
    `https://token.actions.githubusercontent.com (az ad app federated-credential create).`,
  AADSTS700212: (method) =>
    `GitHub's token was issued for audience '${audienceOf(method)}', which no federated credential ` +
    `of the app accepts: set '${Audience}' to the credential's audience, or leave it unset for ` +
    `api://AzureADTokenExchange.`,
  AADSTS700213: () =>
    `Add a federated credential to the app whose subject is exactly the one above (subjects are ` +
    `case-sensitive): repo:OWNER/REPO:ref:refs/heads/BRANCH for a branch, ` +
    `repo:OWNER/REPO:environment:NAME for a job with an environment, repo:OWNER/REPO:pull_request ` +
    `for pull requests.`,
  AADSTS700024: () =>
    "GitHub's token was outside its valid time: check the runner's clock, and re-run the job.",
  AADSTS500011: (_, cloud) =>
    `The token's resource does not exist in this tenant: check '${Environment}' (the cloud is ` +
    `${cloud.name}, ARM ${cloud.resourceManagerEndpoint}).`,
  AADSTS50020: () => `Check '${TenantId}': the identity does not belong to that tenant.`,
};

function audienceOf(method: SignInMethod): string {
  return "audience" in method ? method.audience : "";
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // @azure/identity prefixes the credential's name and appends MSAL's trace lines.
  return (message.split(/\r?\n/).find((line) => line.trim() !== "") ?? message).trim();
}

/** Turns a failed first token into an ActionError naming what to set. */
export function toSignInError(error: unknown, method: SignInMethod, cloud: Cloud): ActionError {
  if (error instanceof ActionError) return error;
  const line = withoutEchoedRequest(
    firstLine(error),
    "clientSecret" in method ? [method.clientSecret] : [],
  );
  if (error instanceof Error && error.name === "AbortError") {
    return new ActionError(`Timed out while signing in to ${cloud.authorityHost}.`, {
      remedy: `Raise '${Inputs.TimeoutSeconds}', or check whether the runner can reach the sign-in host.`,
      cause: error,
    });
  }
  const strategy = strategyOf(method);
  const explained = strategy.explain?.(error, line, method);
  if (explained) return explained;
  if (/endpoints_resolution_error/.test(line) && "tenantId" in method && method.tenantId) {
    // MSAL reads the tenant's OpenID configuration first; an unknown tenant ends there.
    return new ActionError(
      `Sign-in to Entra ID (${cloud.authorityHost}) failed: it could not describe tenant ` +
        `${method.tenantId} (${line}).`,
      {
        remedy:
          `Check '${TenantId}': it must be the directory (tenant) id of the app registration in ` +
          `${cloud.name} (az account show --query tenantId); and '${Environment}' (or ` +
          `'${AuthorityHost}') if the app lives in another cloud.`,
        cause: error,
      },
    );
  }
  const code = /AADSTS\d+/.exec(line)?.[0];
  const remedy = code && Object.hasOwn(ENTRA_REMEDIES, code) ? ENTRA_REMEDIES[code] : undefined;
  return new ActionError(`Sign-in to Entra ID (${cloud.authorityHost}) failed: ${line}`, {
    remedy: remedy?.(method, cloud) ?? strategy.generalRemedy(method),
    cause: error,
  });
}
