import { ActionError } from "../../errors.ts";
import { refuseInput, SignInInputs } from "../inputs.ts";
import type { SignInContext, SignInKind, SignInMethod, SignInStrategy } from "../strategy.ts";
import { azureCli } from "./azure-cli.ts";
import { indent, PERMISSIONS_BLOCK } from "./common.ts";
import { managedIdentity } from "./managed-identity.ts";
import { noOidcPermission, oidc } from "./oidc.ts";
import { servicePrincipal } from "./service-principal.ts";

const { AuthType, ClientId, TenantId, ClientSecret, Creds } = SignInInputs;

/**
 * The ways to sign in, in the order `auth-type: auto` tries them, as azure/login does: a secret
 * given (`creds` or `client-secret`), then `client-id` + `tenant-id` with GitHub's OIDC token,
 * then a signed-in Azure CLI, then a managed identity endpoint.
 */
export const AUTO_ORDER = [servicePrincipal, oidc, azureCli, managedIdentity] as const;

const BY_KIND: { readonly [K in SignInKind]: SignInStrategy<Extract<SignInMethod, { kind: K }>> } =
  {
    "service-principal": servicePrincipal,
    oidc,
    "azure-cli": azureCli,
    "managed-identity": managedIdentity,
  };

export const AUTH_TYPES = [
  "auto",
  "oidc",
  "service-principal",
  "azure-cli",
  "managed-identity",
] as const satisfies readonly ("auto" | SignInKind)[];
export type AuthType = (typeof AUTH_TYPES)[number];

/** The strategy that owns `method`. */
export function strategyOf<M extends SignInMethod>(method: M): SignInStrategy<M> {
  return BY_KIND[method.kind] as unknown as SignInStrategy<M>;
}

/**
 * `auth-type`, case-insensitive; each strategy's aliases (azure/login's SERVICE_PRINCIPAL and
 * IDENTITY) name it too.
 */
export function parseAuthType(raw: string): AuthType {
  const wanted = raw === "" ? "auto" : raw.toLowerCase();
  const found =
    AUTH_TYPES.find((type) => type === wanted) ??
    AUTO_ORDER.find((strategy) => strategy.aliases.includes(wanted))?.kind;
  if (!found) {
    refuseInput(
      AuthType,
      raw,
      "is not a way to sign in",
      `Use one of: ${AUTH_TYPES.join(", ")} (azure/login's SERVICE_PRINCIPAL and IDENTITY work too).`,
    );
  }
  return found;
}

export interface Chosen {
  readonly method: SignInMethod;
  /** Why this way: what `auto` saw, or that auth-type named it. */
  readonly reason: string;
}

/** The way `auth-type` names, or the first that detects itself for `auto`. */
export function chooseSignIn(authType: AuthType, context: SignInContext): Chosen {
  if (authType !== "auto") {
    const strategy: SignInStrategy = BY_KIND[authType];
    strategy.requireRunner?.(context);
    return { method: strategy.parse(context), reason: `auth-type: ${authType}` };
  }
  for (const strategy of AUTO_ORDER as readonly SignInStrategy[]) {
    const why = strategy.detect(context);
    if (why !== undefined) {
      return { method: strategy.parse(context), reason: `auth-type auto: ${why}` };
    }
  }
  if (context.clientId.value !== "" && context.tenantId.value !== "") {
    throw noOidcPermission(`'${ClientId}' and '${TenantId}' (OIDC)`);
  }
  throw new ActionError("No way to sign in to Azure was found (auth-type: auto).", {
    remedy:
      "Give the inputs of one way to sign in:\n" +
      `- OIDC (recommended): '${ClientId}' and '${TenantId}', and the job's\n` +
      indent(PERMISSIONS_BLOCK, 4) +
      "\n" +
      `- a service principal secret: '${ClientId}', '${TenantId}' and ` +
      `'${ClientSecret}', or '${Creds}' (azure/login's JSON)\n` +
      "- the Azure CLI: an azure/login step earlier in the job\n" +
      `- a managed identity (self-hosted runner on Azure): 'auth-type: managed-identity', and ` +
      `'${ClientId}' for a user-assigned one. On a VM, IMDS sets no variable to find ` +
      `it by, so auth-type must say so.`,
  });
}

export { currentCliSubscription } from "./azure-cli.ts";
export { freshIdTokens } from "./oidc.ts";
