import { ActionError } from "../errors.ts";
import { BuiltInRoles } from "../domain/roles.ts";
import { Inputs } from "../names.ts";
import { cutLine, oneLine, shown } from "../safe-text.ts";

/** What was being done when Azure answered with an error, for the message and the remedy. */
export interface FailureContext {
  /** `read the AKS cluster`, `create the role assignment`, ... */
  readonly operation: string;
  /**
   * The ARM scope the operation addressed. For an extension resource of the authorization
   * provider (a role assignment or definition), the remedy grants on the scope it belongs to.
   */
  readonly scope: string;
  /** The permission the operation needs, e.g. `Microsoft.Authorization/roleAssignments/write`. */
  readonly permission?: string;
}

/** The fields of an Azure SDK RestError this module relies on. */
interface RestErrorLike {
  readonly name: "RestError";
  readonly message: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly response?: { readonly headers: { get(name: string): string | undefined } };
}

function isRestError(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === "RestError";
}

export function errorCode(error: unknown): string | undefined {
  return isRestError(error) ? error.code : undefined;
}

export function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

type Remedy = (context: FailureContext, error: RestErrorLike) => string;

/** ARM names the caller in a 403: "The client '{id}' with object id '{id}' does not have ...". */
function callerObjectId(message: string): string | undefined {
  return /with object id '([0-9a-f-]{36})'/i.exec(message)?.[1];
}

function assigneeOf(error: RestErrorLike): string {
  const objectId = callerObjectId(error.message);
  return objectId
    ? `--assignee-object-id ${objectId} --assignee-principal-type ServicePrincipal`
    : `--assignee <client id of the signed-in principal>`;
}

/**
 * The scope a missing permission is granted on: the scope itself, or, for a role assignment or
 * role definition (`{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`), the scope
 * it belongs to. A role assigned on a role assignment's own id fixes nothing.
 */
export function grantScope(scope: string, permission?: string): string {
  const owner = scope.replace(
    /\/providers\/Microsoft\.Authorization\/(?:roleAssignments|roleDefinitions)\/[^/]+\/?$/i,
    "",
  );
  // A write that creates a resource is granted on the group it goes into: the resource itself
  // does not exist yet.
  const group = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+)\/providers\//i.exec(owner)?.[1];
  if (
    group &&
    permission?.endsWith("/write") &&
    !permission.startsWith("Microsoft.Authorization/")
  ) {
    return group;
  }
  return owner === "" ? "/" : owner;
}

/** Roles can be assigned at the root, a management group, a subscription, or anything in one. */
function isAssignableScope(scope: string): boolean {
  return (
    scope === "/" ||
    /^\/subscriptions\/[0-9a-f-]{36}(?:\/|$)/i.test(scope) ||
    /^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(scope)
  );
}

/**
 * Constrained delegation: may create and delete assignments of the pull roles only, and only for
 * service principals (the kubelet identity is one). The syntax is Azure ABAC condition v2.0.
 */
export function pullRoleDelegationCondition(): string {
  const roles = [BuiltInRoles.AcrPull.guid, BuiltInRoles.RepositoryReader.guid].join(", ");
  const allowed = (source: "Request" | "Resource") =>
    `@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${roles}} ` +
    `AND @${source}[Microsoft.Authorization/roleAssignments:PrincipalType] StringEqualsIgnoreCase 'ServicePrincipal'`;
  return (
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (${allowed("Request")})) AND ` +
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (${allowed("Resource")}))`
  );
}

/**
 * A word for a POSIX shell, in single quotes: pasted into bash or zsh, even an interactive one,
 * the condition's `!` starts no history expansion and its quotes stay as they are.
 */
export function shellQuoted(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Remedies by ARM error code. Codes not listed get the generic text below. */
export const REMEDIES: Readonly<Record<string, Remedy>> = {
  AuthorizationFailed: ({ scope: addressed, permission }, error) => {
    const assignee = assigneeOf(error);
    const scope = grantScope(addressed, permission);
    if (!isAssignableScope(scope)) {
      // A tenant-wide request (the subscriptions, Resource Graph) sees what the caller has a
      // role on: the fix is a role on each subscription to search.
      return (
        `The signed-in principal sees only the subscriptions it has a role on: give it Reader on ` +
        `each one to search:\n  az role assignment create ${assignee} --role Reader --scope ` +
        `/subscriptions/<subscription-id>\nor give the registry by '${Inputs.AcrResourceId}'.`
      );
    }
    if (permission?.endsWith("/write") && !permission.startsWith("Microsoft.Authorization/")) {
      return (
        `The signed-in principal needs '${permission}' on ${scope}, e.g. the Contributor role ` +
        `there:\n  az role assignment create ${assignee} --role Contributor --scope ${scope}`
      );
    }
    if (permission?.startsWith("Microsoft.Authorization/roleAssignments/")) {
      return (
        `The signed-in principal needs '${permission}' on ${scope}. Either grant it ` +
        `User Access Administrator there:\n` +
        `  az role assignment create ${assignee} --role "User Access Administrator" --scope ${scope}\n` +
        `or, least privilege, Role Based Access Control Administrator limited to assigning the ` +
        `pull roles to service principals:\n` +
        `  az role assignment create ${assignee} --role "Role Based Access Control Administrator" ` +
        `--scope ${scope} --condition-version 2.0 --condition ${shellQuoted(pullRoleDelegationCondition())}`
      );
    }
    return (
      `The signed-in principal needs '${permission ?? "read access"}' on ${scope}, e.g. the ` +
      `Reader role:\n  az role assignment create ${assignee} --role Reader --scope ${scope}`
    );
  },
  ResourceNotFound: ({ scope }) =>
    `Check the name, resource group and subscription: nothing exists at ${scope}, or the ` +
    `signed-in principal cannot see it.`,
  ResourceGroupNotFound: ({ scope }) =>
    `Check '${Inputs.ResourceGroup}' and '${Inputs.SubscriptionId}': the resource group of ${scope} does not exist ` +
    `in that subscription.`,
  SubscriptionNotFound: () =>
    `Check '${Inputs.SubscriptionId}': the subscription does not exist, or the signed-in principal has ` +
    `no access to it.`,
  InvalidAuthenticationToken: () =>
    `Check that '${Inputs.ResourceManagerEndpoint}' and '${Inputs.AuthorityHost}' belong to the same cloud.`,
  InvalidAuthenticationTokenAudience: () =>
    `The token was issued for another audience: check '${Inputs.ResourceManagerEndpoint}'.`,
  InvalidAuthenticationTokenTenant: () =>
    `Check '${Inputs.TenantId}': the subscription belongs to another tenant.`,
  PrincipalNotFound: () =>
    `The cluster's identity is still not known to Entra ID after retrying until the deadline ` +
    `(new identities can take minutes to replicate). Raise '${Inputs.TimeoutSeconds}' or re-run later.`,
  InvalidPrincipalId: () =>
    `The principal id is not a valid object id: the cluster's identity may be misconfigured ` +
    `(az aks show --query identityProfile).`,
  RoleDefinitionDoesNotExist: () =>
    `Check '${Inputs.Role}': the role definition does not exist in this subscription.`,
  RoleAssignmentUpdateNotPermitted: () =>
    `An assignment with the same name grants something else: delete it, or report this as a bug.`,
  TooManyRequests: () => `Azure throttled the requests until the deadline: re-run the job later.`,
  InternalServerError: () =>
    `Azure failed; the request was retried until the deadline. Re-run later.`,
  ServiceUnavailable: () => `Azure was unavailable until the deadline. Re-run the job later.`,
  RoleAssignmentLimitExceeded: () =>
    `The subscription has reached its role assignment limit (4000). Remove unused assignments ` +
    `or grant the role to a group.`,
};

/** How much of an Azure error message a failure quotes: its start and its end. */
const AZURE_MESSAGE_MAX = 2000;

/** A request id as the message shows it: a real one is a GUID; anything else is escaped and cut. */
function shownRequestId(value: string): string {
  return /^[\w-]{1,100}$/.test(value) ? value : shown(value, 100);
}

/** Turns an Azure SDK failure into an ActionError that says what failed, where, and what to do. */
export function toActionError(error: unknown, context: FailureContext): ActionError {
  if (error instanceof ActionError) return error;
  if (error instanceof Error && error.name === "AbortError") {
    return new ActionError(`Timed out while trying to ${context.operation} (${context.scope}).`, {
      remedy: `Raise '${Inputs.TimeoutSeconds}', or check whether Azure is reachable from the runner.`,
      cause: error,
    });
  }
  if (!isRestError(error)) {
    const reason = cutLine(oneLine(error instanceof Error ? error.message : String(error)), 2000);
    return new ActionError(`Failed to ${context.operation} (${context.scope}): ${reason}`, {
      remedy: `Check that the runner can reach '${Inputs.ResourceManagerEndpoint}'.`,
      cause: error,
    });
  }
  // Azure's text is one cut line here, so that its request id, written after it, always shows.
  const code = oneLine(error.code ?? `HTTP ${error.statusCode ?? "error"}`).slice(0, 100);
  const said = cutLine(oneLine(error.message), AZURE_MESSAGE_MAX);
  const rawRequestId = error.response?.headers.get("x-ms-request-id");
  const requestId = rawRequestId === undefined ? undefined : shownRequestId(rawRequestId);
  const remedy =
    error.code && Object.hasOwn(REMEDIES, error.code) ? REMEDIES[error.code] : undefined;
  return new ActionError(
    `Failed to ${context.operation} (${context.scope}): ${code}: ${said}` +
      (requestId ? ` (request id ${requestId})` : ""),
    {
      remedy:
        remedy?.(context, error) ??
        "See the Azure error above; re-run with debug logging (ACTIONS_STEP_DEBUG) for details.",
      cause: error,
    },
  );
}
