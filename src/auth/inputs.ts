import { ActionError, quote } from "../errors.ts";
import { isGuid } from "../domain/resource-id.ts";
import { Inputs } from "../names.ts";

/** The inputs that say how to sign in and to which cloud. */
export const SignInInputs = {
  AuthType: Inputs.AuthType,
  ClientId: Inputs.ClientId,
  TenantId: Inputs.TenantId,
  ClientSecret: Inputs.ClientSecret,
  Creds: Inputs.Creds,
  Audience: Inputs.Audience,
  Environment: Inputs.Environment,
  ResourceManagerEndpoint: Inputs.ResourceManagerEndpoint,
  AuthorityHost: Inputs.AuthorityHost,
  SubscriptionId: Inputs.SubscriptionId,
} as const;

export type SignInInputName = (typeof SignInInputs)[keyof typeof SignInInputs];

/** The sign-in inputs as read (trimmed; `""` when unset). */
export type RawSignInInputs = Readonly<Record<SignInInputName, string>>;

export function refuseInput(input: string, value: string, problem: string, remedy: string): never {
  throw new ActionError(`Input '${input}' ${problem}: ${quote(value)}.`, { remedy });
}

/** A GUID, lower-cased; `what` names it in the messages ("directory (tenant) id"). */
export function parseGuid(input: string, raw: string, what: string): string {
  if (raw === "") {
    throw new ActionError(`Input '${input}' is required but was not set.`, {
      remedy: `Set it to the ${what} (a GUID).`,
    });
  }
  if (!isGuid(raw)) {
    refuseInput(
      input,
      raw,
      "is not a GUID",
      `Use the ${what} in the form 00000000-0000-0000-0000-000000000000.`,
    );
  }
  return raw.toLowerCase();
}

/** An https URL with no path, query or credentials; returned without a trailing slash. */
export function parseEndpoint(input: string, raw: string): string {
  const remedy = "Use an https URL with no path, e.g. https://management.azure.com.";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    refuseInput(input, raw, "is not a URL", remedy);
  }
  if (url.protocol !== "https:") refuseInput(input, raw, "must use https", remedy);
  if (url.username || url.password || url.search || url.hash || url.pathname !== "/") {
    refuseInput(input, raw, "must be a bare https origin", remedy);
  }
  return url.origin;
}
