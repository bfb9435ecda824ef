import { readJsonBody, type ArmCall } from "./arm-context.ts";
import { armErrors, REGISTRY_NAME_RULE } from "./arm-errors.ts";
import { jsonResponse, type EmulatorResponse } from "./exchange.ts";
import { authorize } from "./rbac.ts";
import type { RoleAssignmentMode } from "./seed.ts";
import type { Registry, RegistrySku, Subscription } from "./state.ts";

/**
 * Microsoft.ContainerRegistry writes (api-version 2025-11-01): creating a registry, which is a
 * long-running operation as in Azure, the operation's status, and the name check. Reads live in
 * resources.ts with the other resource types; the body both use is here.
 */

const REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries";
const ACTIONS = {
  write: "Microsoft.ContainerRegistry/registries/write",
  // The provider's operation for checkNameAvailability (covered by `*/read`).
  checkName: "Microsoft.ContainerRegistry/checkNameAvailability/read",
};
const SKUS: readonly RegistrySku[] = ["Basic", "Standard", "Premium"];
const MODES: readonly RoleAssignmentMode[] = [
  "LegacyRegistryPermissions",
  "AbacRepositoryPermissions",
];
/** The kind of the async operations, and the prefix of their names, as ACR names them. */
export const REGISTRY_OPERATION_KIND = "registries";

/** 5 to 50 letters or digits (the spec's `^[a-zA-Z0-9]*$` with its length limits). */
export function isValidRegistryName(name: string): boolean {
  return /^[a-zA-Z0-9]{5,50}$/.test(name);
}

export function registryId(registry: Registry): string {
  return `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/${REGISTRY_TYPE}/${registry.name}`;
}

/**
 * `PUT .../registries/{name}`. A new registry answers 201 with `provisioningState: Creating`,
 * `Azure-AsyncOperation` and `Retry-After`; polling the operation ends it (see
 * async-operations.ts). A registry that exists and succeeded is updated in place (200). A name
 * held anywhere else in the emulated world is 409 `AlreadyInUse`: registry names are DNS names.
 */
export function putRegistry(
  call: ArmCall,
  subscription: Subscription,
  groupName: string,
  name: string,
): EmulatorResponse {
  const { state } = call.context;
  const scope = `/subscriptions/${subscription.subscriptionId}/resourceGroups/${groupName}/providers/${REGISTRY_TYPE}/${name}`;
  authorize(state, call.caller, ACTIONS.write, scope);
  const group = state.resourceGroup(subscription.subscriptionId, groupName);
  if (!group) throw armErrors.resourceGroupNotFound(groupName);
  if (!isValidRegistryName(name)) throw armErrors.invalidRegistryName(name);
  const wanted = readRegistryBody(call);
  const existing = state.registry(subscription.subscriptionId, group.name, name);
  if (!existing) {
    const elsewhere = state.registryNamed(name);
    if (elsewhere) throw armErrors.registryNameInUse(name);
  } else if (existing.location.toLowerCase() !== wanted.location.toLowerCase()) {
    throw armErrors.invalidResourceLocation(
      existing.name,
      existing.location,
      existing.resourceGroup,
      wanted.location,
    );
  }
  const registry: Registry = {
    subscriptionId: subscription.subscriptionId,
    resourceGroup: group.name,
    name: existing?.name ?? name,
    location: existing?.location ?? wanted.location,
    sku: wanted.sku,
    tags: wanted.tags ?? existing?.tags ?? {},
    adminUserEnabled: wanted.adminUserEnabled ?? existing?.adminUserEnabled ?? false,
    roleAssignmentMode:
      wanted.roleAssignmentMode ?? existing?.roleAssignmentMode ?? "LegacyRegistryPermissions",
    publicNetworkAccess: wanted.publicNetworkAccess ?? existing?.publicNetworkAccess ?? "Enabled",
    creationDate: existing?.creationDate ?? state.now().toISOString(),
    provisioningState: existing?.provisioningState === "Succeeded" ? "Succeeded" : "Creating",
  };
  state.saveRegistry(registry);
  if (registry.provisioningState === "Succeeded") {
    return jsonResponse(200, registryBody(registry));
  }
  // New, or a failed (or unfinished) one provisioned again: an LRO either way.
  const operations = state.operations;
  const id = registryId(registry);
  const operationName = operations.start({
    kind: REGISTRY_OPERATION_KIND,
    resourceId: id,
    now: state.now(),
    settle: (status) => {
      const current = state.registry(registry.subscriptionId, registry.resourceGroup, name);
      if (current) state.saveRegistry({ ...current, provisioningState: status });
    },
  });
  const current = state.registry(registry.subscriptionId, registry.resourceGroup, name) ?? registry;
  const pollUrl = `${call.context.baseUrl}${id}/operationStatuses/${operationName}?api-version=${encodeURIComponent(call.apiVersion)}`;
  return jsonResponse(existing ? 200 : 201, registryBody(current), {
    "Azure-AsyncOperation": pollUrl,
    "Retry-After": String(operations.retryAfterSeconds),
  });
}

/**
 * `GET .../registries/{name}/operationStatuses/{operation}`: an `OperationStatusResult`. Any
 * caller of the tenant may poll (ARM's polling URLs are capabilities in practice).
 */
export function getRegistryOperation(
  call: ArmCall,
  subscription: Subscription,
  groupName: string,
  name: string,
  operationName: string,
): EmulatorResponse {
  const { state } = call.context;
  const resourceId = `/subscriptions/${subscription.subscriptionId}/resourceGroups/${groupName}/providers/${REGISTRY_TYPE}/${name}`;
  const body = state.operations.poll(resourceId, operationName, state.now());
  if (!body) throw armErrors.operationNotFound(operationName);
  const inProgress = (body as { status: string }).status === "InProgress";
  return jsonResponse(
    200,
    body,
    inProgress ? { "Retry-After": String(state.operations.retryAfterSeconds) } : undefined,
  );
}

/**
 * `POST /subscriptions/{sub}/providers/Microsoft.ContainerRegistry/checkNameAvailability` with
 * `{name, type}`: `{nameAvailable: true}`, or false with `reason` `AlreadyExists` (the spec
 * example's text) or `Invalid`.
 */
export function checkRegistryName(call: ArmCall, subscription: Subscription): EmulatorResponse {
  const { state } = call.context;
  authorize(state, call.caller, ACTIONS.checkName, `/subscriptions/${subscription.subscriptionId}`);
  const body = readJsonBody(call.request) as { name?: unknown; type?: unknown } | null;
  const name = typeof body?.name === "string" ? body.name : undefined;
  if (name === undefined) {
    throw armErrors.invalidRequestContent("Required property 'name' not found in JSON.");
  }
  const type = typeof body?.type === "string" ? body.type : "";
  if (type.toLowerCase() !== REGISTRY_TYPE.toLowerCase())
    throw armErrors.invalidNameCheckType(type);
  if (!isValidRegistryName(name)) {
    return jsonResponse(200, {
      nameAvailable: false,
      reason: "Invalid",
      message: REGISTRY_NAME_RULE,
    });
  }
  if (state.registryNamed(name)) {
    return jsonResponse(200, {
      nameAvailable: false,
      reason: "AlreadyExists",
      message: `The registry ${name} is already in use.`,
    });
  }
  return jsonResponse(200, { nameAvailable: true });
}

interface RegistryBodyFields {
  readonly location: string;
  readonly sku: RegistrySku;
  readonly tags?: Readonly<Record<string, string>>;
  readonly adminUserEnabled?: boolean;
  readonly roleAssignmentMode?: RoleAssignmentMode;
  readonly publicNetworkAccess?: "Enabled" | "Disabled";
}

function readRegistryBody(call: ArmCall): RegistryBodyFields {
  const body = readJsonBody(call.request) as Record<string, unknown> | null;
  if (typeof body !== "object" || body === null) {
    throw armErrors.invalidRequestContent("The request content is not a JSON object.");
  }
  if (typeof body.location !== "string" || body.location.trim() === "") {
    throw armErrors.locationRequired();
  }
  const skuName = (body.sku as { name?: unknown } | undefined)?.name;
  const sku = SKUS.find((known) => known.toLowerCase() === String(skuName).toLowerCase());
  if (!sku) throw armErrors.invalidRegistrySku(String(skuName ?? ""));
  const properties = (body.properties ?? {}) as Record<string, unknown>;
  const mode = MODES.find((known) => known === properties.roleAssignmentMode);
  const access = properties.publicNetworkAccess;
  return {
    location: body.location,
    sku,
    tags: isStringRecord(body.tags) ? body.tags : undefined,
    adminUserEnabled:
      typeof properties.adminUserEnabled === "boolean" ? properties.adminUserEnabled : undefined,
    roleAssignmentMode: mode,
    publicNetworkAccess: access === "Enabled" || access === "Disabled" ? access : undefined,
  };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.values(value).every((entry) => typeof entry === "string")
  );
}

/** A registry as ACR returns it (the RegistryCreate / RegistryGet examples of 2025-11-01). */
export function registryBody(registry: Registry) {
  return {
    id: registryId(registry),
    name: registry.name,
    type: REGISTRY_TYPE,
    location: registry.location,
    tags: registry.tags ?? {},
    sku: { name: registry.sku, tier: registry.sku },
    properties: {
      loginServer: `${registry.name.toLowerCase()}.azurecr.io`,
      creationDate: registry.creationDate,
      provisioningState: registry.provisioningState,
      adminUserEnabled: registry.adminUserEnabled ?? false,
      networkRuleSet: { defaultAction: "Allow", ipRules: [] },
      policies: {
        quarantinePolicy: { status: "disabled" },
        trustPolicy: { type: "Notary", status: "disabled" },
        retentionPolicy: { days: 7, lastUpdatedTime: registry.creationDate, status: "disabled" },
        exportPolicy: { status: "enabled" },
        azureADAuthenticationAsArmPolicy: { status: "enabled" },
      },
      encryption: { status: "disabled" },
      status: null,
      dataEndpointEnabled: false,
      dataEndpointHostNames: [],
      privateEndpointConnections: [],
      publicNetworkAccess: registry.publicNetworkAccess,
      networkRuleBypassOptions: "AzureServices",
      networkRuleBypassAllowedForTasks: false,
      zoneRedundancy: "Disabled",
      anonymousPullEnabled: false,
      roleAssignmentMode: registry.roleAssignmentMode,
    },
  };
}
