/**
 * ARM's error answers, with the codes and messages Azure really sends: clients (and the action's
 * error mapping) key on them, so they are copied from observed responses, not invented.
 */
export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** What registry names must be (wording seen in tools that validate them; unverified). */
export const REGISTRY_NAME_RULE =
  "Resource names may contain alpha numeric characters only and must be between 5 and 50 characters.";

/** ARM writes object ids in messages without dashes (the GUID "N" format). */
function compactGuid(id: string): string {
  return id.replaceAll("-", "").toLowerCase();
}

export const armErrors = {
  missingAuthorization: () =>
    new ArmError(
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is missing.",
    ),
  malformedAuthorization: () =>
    new ArmError(
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    ),
  invalidToken: () =>
    new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid."),
  expiredToken: (expiresAt: Date, now: Date) =>
    new ArmError(
      401,
      "ExpiredAuthenticationToken",
      `The access token expiry UTC time '${armDate(expiresAt)}' is earlier than current UTC time '${armDate(now)}'.`,
    ),
  wrongAudience: (audience: string, allowed: readonly string[]) =>
    new ArmError(
      401,
      "InvalidAuthenticationTokenAudience",
      `The access token has been obtained for wrong audience or resource '${audience}'. It should exactly match with one of the allowed audiences ${allowed.map((a) => `'${a}'`).join(",")}.`,
    ),
  missingApiVersion: () =>
    new ArmError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    ),
  invalidRequestContent: (detail: string) =>
    new ArmError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: '${detail}'.`,
    ),
  subscriptionNotFound: (subscriptionId: string) =>
    new ArmError(
      404,
      "SubscriptionNotFound",
      `The subscription '${subscriptionId}' could not be found.`,
    ),
  resourceGroupNotFound: (resourceGroup: string) =>
    new ArmError(
      404,
      "ResourceGroupNotFound",
      `Resource group '${resourceGroup}' could not be found.`,
    ),
  resourceNotFound: (type: string, name: string, resourceGroup: string) =>
    new ArmError(
      404,
      "ResourceNotFound",
      `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  invalidResourceType: (type: string, namespace: string, apiVersion: string) =>
    new ArmError(
      404,
      "InvalidResourceType",
      `The resource type '${type}' could not be found in the namespace '${namespace}' for api version '${apiVersion}'.`,
    ),
  invalidResourceNamespace: (namespace: string) =>
    new ArmError(
      404,
      "InvalidResourceNamespace",
      `The resource namespace '${namespace}' is invalid.`,
    ),
  noRoute: (path: string) =>
    new ArmError(
      404,
      "InvalidResourceType",
      `The resource type could not be found for the request path '${path}'.`,
    ),
  methodNotAllowed: (method: string) =>
    new ArmError(
      405,
      "MethodNotAllowed",
      `The requested resource does not support http method '${method}'.`,
    ),
  authorizationFailed: (callerObjectId: string, action: string, scope: string) =>
    new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${callerObjectId}' with object id '${callerObjectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    ),
  unsupportedRoleAssignmentFilter: (filter: string) =>
    new ArmError(
      400,
      "UnsupportedQuery",
      `The filter '${filter}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'.`,
    ),
  unsupportedRoleDefinitionFilter: (filter: string) =>
    new ArmError(
      400,
      "UnsupportedQuery",
      `The filter '${filter}' is not supported. Supported filters are 'roleName eq '{value}'' and 'type eq '{value}''.`,
    ),
  invalidRoleAssignmentId: (name: string) =>
    new ArmError(
      400,
      "InvalidRoleAssignmentId",
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    ),
  roleAssignmentNotFound: (name: string) =>
    new ArmError(404, "RoleAssignmentNotFound", `The role assignment '${name}' is not found.`),
  invalidRoleDefinitionId: (id: string) =>
    new ArmError(400, "InvalidRoleDefinitionId", `The role definition ID '${id}' is not valid.`),
  roleDefinitionDoesNotExist: (guid: string) =>
    new ArmError(
      400,
      "RoleDefinitionDoesNotExist",
      `The specified role definition with ID '${compactGuid(guid)}' does not exist.`,
    ),
  roleDefinitionNotFound: (guid: string) =>
    new ArmError(
      404,
      "RoleDefinitionDoesNotExist",
      `The specified role definition with ID '${compactGuid(guid)}' does not exist.`,
    ),
  invalidPrincipalId: (principalId: string) =>
    new ArmError(
      400,
      "InvalidPrincipalId",
      `The principal ID '${principalId}' is not valid. The principal ID must be a GUID.`,
    ),
  invalidPrincipalType: (principalType: string) =>
    new ArmError(
      400,
      "InvalidPrincipalType",
      `The principal type '${principalType}' is not valid. Valid values are 'User', 'Group', 'ServicePrincipal', 'ForeignGroup' and 'Device'.`,
    ),
  principalNotFound: (principalId: string, tenantId: string) =>
    new ArmError(
      400,
      "PrincipalNotFound",
      `Principal ${compactGuid(principalId)} does not exist in the directory ${tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
    ),
  // "PrinciaplType" and the space before the comma are Azure's own.
  unmatchedPrincipalType: (principalId: string, actual: string, specified: string) =>
    new ArmError(
      400,
      "UnmatchedPrincipalType",
      `The PrincipalId '${compactGuid(principalId)}' has type '${actual}' , which is different from specified PrinciaplType '${specified}'.`,
    ),
  roleAssignmentUpdateNotPermitted: () =>
    new ArmError(
      400,
      "RoleAssignmentUpdateNotPermitted",
      "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
    ),
  /** Without a name: the older answer, which does not say which assignment it met. */
  roleAssignmentExists: (existingName?: string) =>
    new ArmError(
      409,
      "RoleAssignmentExists",
      existingName === undefined
        ? "The role assignment already exists."
        : `The role assignment already exists. The ID of the existing role assignment is ${compactGuid(existingName)}.`,
    ),
  // --- registries (Microsoft.ContainerRegistry) ---
  // Code and text as `az acr create` prints them; the status (409) is not confirmed.
  registryNameInUse: (name: string, suffix: string) =>
    new ArmError(
      409,
      "AlreadyInUse",
      `The registry DNS name ${name.toLowerCase()}.${suffix} is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability`,
    ),
  // Unverified code and text (the SDKs check the pattern before sending, so this is rare).
  invalidRegistryName: (name: string) =>
    new ArmError(
      400,
      "InvalidResourceName",
      `The registry name '${name}' is invalid. ${REGISTRY_NAME_RULE}`,
    ),
  // ARM's own, for a resource body without `location`.
  locationRequired: () =>
    new ArmError(400, "LocationRequired", "The location property is required for this definition."),
  // ARM's own, for a PUT that would move an existing resource to another location.
  invalidResourceLocation: (
    name: string,
    location: string,
    resourceGroup: string,
    wanted: string,
  ) =>
    new ArmError(
      400,
      "InvalidResourceLocation",
      `The resource '${name}' already exists in location '${location}' in resource group '${resourceGroup}'. A resource with the same name cannot be created in location '${wanted}'. Please select a new resource name.`,
    ),
  // Unverified: a body without a known `sku.name`.
  invalidRegistrySku: (sku: string) =>
    new ArmError(
      400,
      "InvalidSku",
      `The sku '${sku}' is not valid. Valid values are 'Basic', 'Standard' and 'Premium'.`,
    ),
  // Unverified: a check-name body whose `type` is not the registry type.
  invalidNameCheckType: (type: string) =>
    new ArmError(
      400,
      "InvalidRequestContent",
      `The resource type '${type}' is not valid. The type must be 'Microsoft.ContainerRegistry/registries'.`,
    ),
  operationNotFound: (name: string) =>
    new ArmError(404, "NotFound", `The operation '${name}' could not be found.`),
  scopeNotFound: (scope: string) =>
    new ArmError(
      404,
      "InvalidScope",
      `The scope '${scope}' is not valid or does not exist in this tenant.`,
    ),
};

/** .NET's invariant date format, as ARM prints it in token errors: `4/20/2021 8:43:26 AM`. */
function armDate(date: Date): string {
  const hours = date.getUTCHours();
  const twelveHour = hours % 12 === 0 ? 12 : hours % 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${twelveHour}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? "AM" : "PM"}`;
}
