import { createHash } from "node:crypto";
import { pagedList, type ArmCall } from "./arm-context.ts";
import { armErrors } from "./arm-errors.ts";
import { showsKubeletIdentity } from "./cluster-provisioning.ts";
import { clusterProvisioningState, clusterWriteRoute } from "./cluster-writes.ts";
import { jsonResponse, type EmulatorResponse } from "./exchange.ts";
import { listGenericResources, type TypedBody } from "./generic-resources.ts";
import { authorize, isAuthorized } from "./rbac.ts";
import {
  checkRegistryName,
  getRegistryOperation,
  putRegistry,
  registryBody,
} from "./registries.ts";
import type { Cluster, EmulatorState, ResourceGroup, Subscription } from "./state.ts";

/**
 * Subscriptions, resource groups, and the two resource types the action reads: AKS managed
 * clusters (Microsoft.ContainerService) and container registries (Microsoft.ContainerRegistry).
 * Bodies follow the REST spec examples of api-versions 2026-08-01 and 2025-11-01.
 */
interface ResourceType {
  readonly namespace: string;
  readonly type: string;
  /** The bodies of this type's resources in a subscription, or in one of its groups. */
  readonly bodies: (
    state: EmulatorState,
    subscriptionId: string,
    resourceGroup?: string,
  ) => ResourceBody[];
}

interface ResourceBody {
  readonly id: string;
  readonly name: string;
}

const RESOURCE_TYPES = new Map<string, ResourceType>([
  [
    "microsoft.containerservice/managedclusters",
    {
      namespace: "Microsoft.ContainerService",
      type: "managedClusters",
      bodies: (state, subscriptionId, resourceGroup) =>
        state.clusters(subscriptionId, resourceGroup).map((cluster) => clusterBody(cluster, state)),
    },
  ],
  [
    "microsoft.containerregistry/registries",
    {
      namespace: "Microsoft.ContainerRegistry",
      type: "registries",
      bodies: (state, subscriptionId, resourceGroup) =>
        state.registries(subscriptionId, resourceGroup).map(registryBody),
    },
  ],
]);

/** Namespaces that exist in Azure: an unknown type there is InvalidResourceType, not a bad namespace. */
const KNOWN_NAMESPACES = new Set([
  "microsoft.containerservice",
  "microsoft.containerregistry",
  "microsoft.authorization",
  "microsoft.resources",
  "microsoft.managedidentity",
  "microsoft.network",
  "microsoft.compute",
  "microsoft.storage",
]);

export function handleResources(call: ArmCall): EmulatorResponse {
  const segments = call.request.segments;
  const lower = segments.map((segment) => segment.toLowerCase());
  if (lower[0] !== "subscriptions") throw armErrors.noRoute(call.request.path);
  if (segments.length === 1) return onlyGet(call, () => listSubscriptions(call));
  const subscription = call.context.state.subscription(segments[1]);
  if (!subscription) throw armErrors.subscriptionNotFound(segments[1]);
  const rest = lower.slice(2);
  if (rest.length === 0) return onlyGet(call, () => getSubscription(call, subscription));
  if (rest.length === 1 && rest[0] === "resources") {
    return listGenericResources(call, subscription, undefined, allBodies(call, subscription));
  }
  if (rest[0] === "resourcegroups") {
    if (rest.length === 1) return onlyGet(call, () => listResourceGroups(call, subscription));
    const groupName = segments[3];
    if (rest.length === 2) {
      return onlyGet(call, () => getResourceGroup(call, subscription, groupName));
    }
    if (rest.length === 3 && rest[2] === "resources") {
      const bodies = allBodies(call, subscription, groupName);
      return listGenericResources(call, subscription, groupName, bodies);
    }
    if (rest[2] === "providers" && rest.length >= 5) {
      return providerRoute(call, subscription, groupName, segments.slice(5));
    }
  }
  if (rest[0] === "providers" && rest.length >= 3) {
    return providerRoute(call, subscription, undefined, segments.slice(3));
  }
  throw armErrors.noRoute(call.request.path);
}

/** `{namespace}/{type}[/{name}]` below a subscription or a resource group. */
function providerRoute(
  call: ArmCall,
  subscription: Subscription,
  groupName: string | undefined,
  providerSegments: readonly string[],
): EmulatorResponse {
  const [namespace, type, name, ...child] = providerSegments;
  const registryWrite = registryRoute(call, subscription, groupName, providerSegments);
  if (registryWrite) return registryWrite();
  const clusterWrite = clusterWriteRoute(call, subscription, groupName, providerSegments, (c) =>
    clusterBody(c, call.context.state),
  );
  if (clusterWrite) return clusterWrite();
  const resourceType = RESOURCE_TYPES.get(`${namespace}/${type}`.toLowerCase());
  if (!resourceType || child.length > 0) {
    if (!KNOWN_NAMESPACES.has(namespace.toLowerCase())) {
      throw armErrors.invalidResourceNamespace(namespace);
    }
    const fullType = [type, ...child.filter((_, i) => i % 2 === 0)].join("/");
    throw armErrors.invalidResourceType(fullType, namespace, call.apiVersion);
  }
  if (name === undefined) {
    return onlyGet(call, () => listResources(call, resourceType, subscription, groupName));
  }
  if (groupName === undefined) throw armErrors.noRoute(call.request.path);
  return onlyGet(call, () => getResource(call, resourceType, subscription, groupName, name));
}

/**
 * The Microsoft.ContainerRegistry routes other than reads (registries.ts): the name check, a
 * registry PUT, and its async operation's status. Undefined for any other path.
 */
function registryRoute(
  call: ArmCall,
  subscription: Subscription,
  groupName: string | undefined,
  providerSegments: readonly string[],
): (() => EmulatorResponse) | undefined {
  const [namespace, type, name, ...child] = providerSegments;
  if (namespace.toLowerCase() !== "microsoft.containerregistry") return undefined;
  const lowerType = type.toLowerCase();
  if (lowerType === "checknameavailability" && name === undefined && groupName === undefined) {
    return () => onlyMethod(call, "POST", () => checkRegistryName(call, subscription));
  }
  if (lowerType !== "registries" || name === undefined || groupName === undefined) {
    return undefined;
  }
  if (child.length === 2 && child[0].toLowerCase() === "operationstatuses") {
    return () =>
      onlyGet(call, () => getRegistryOperation(call, subscription, groupName, name, child[1]));
  }
  if (child.length === 0 && call.request.method === "PUT") {
    return () => putRegistry(call, subscription, groupName, name);
  }
  return undefined;
}

/** Every resource of every type above, for the generic resources list. */
function allBodies(call: ArmCall, subscription: Subscription, groupName?: string) {
  return [...RESOURCE_TYPES.values()].flatMap((resourceType) =>
    resourceType.bodies(call.context.state, subscription.subscriptionId, groupName),
  ) as TypedBody[];
}

function onlyMethod(call: ArmCall, method: string, handle: () => EmulatorResponse) {
  if (call.request.method !== method) throw armErrors.methodNotAllowed(call.request.method);
  return handle();
}

function onlyGet(call: ArmCall, handle: () => EmulatorResponse): EmulatorResponse {
  if (call.request.method !== "GET") throw armErrors.methodNotAllowed(call.request.method);
  return handle();
}

function getResource(
  call: ArmCall,
  resourceType: ResourceType,
  subscription: Subscription,
  groupName: string,
  name: string,
): EmulatorResponse {
  const { state } = call.context;
  const requestedScope = `/${call.request.segments.join("/")}`;
  // ARM authorises before it looks: a caller without access learns nothing of what exists.
  authorize(
    state,
    call.caller,
    `${resourceType.namespace}/${resourceType.type}/read`,
    requestedScope,
  );
  return jsonResponse(200, readResource(state, resourceType, subscription, groupName, name));
}

/**
 * A resource GET past the caller's rights check, as a plain function (the unit tests' in-memory
 * ports call it too): the body ARM answers, or its 404.
 */
function readResource(
  state: EmulatorState,
  resourceType: ResourceType,
  subscription: Subscription,
  groupName: string,
  name: string,
): ResourceBody {
  if (!state.resourceGroup(subscription.subscriptionId, groupName)) {
    throw armErrors.resourceGroupNotFound(groupName);
  }
  // A GET of a cluster still being created is one step toward Succeeded (cluster-provisioning.ts).
  const cluster =
    resourceType.type === "managedClusters" &&
    state.cluster(subscription.subscriptionId, groupName, name);
  if (cluster) state.clusterProvisioning.read(cluster);
  const found = resourceType
    .bodies(state, subscription.subscriptionId, groupName)
    .find((body) => body.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw armErrors.resourceNotFound(
      `${resourceType.namespace}/${resourceType.type}`,
      name,
      groupName,
    );
  }
  return found;
}

function readTyped(
  state: EmulatorState,
  type: string,
  subscriptionId: string,
  groupName: string,
  name: string,
): ResourceBody {
  const subscription = state.subscription(subscriptionId);
  if (!subscription) throw armErrors.subscriptionNotFound(subscriptionId);
  return readResource(state, RESOURCE_TYPES.get(type)!, subscription, groupName, name);
}

/** `GET .../managedClusters/{name}` without HTTP: the body AKS answers, or ARM's 404. */
export function readCluster(
  state: EmulatorState,
  subscriptionId: string,
  groupName: string,
  name: string,
): ReturnType<typeof clusterBody> {
  const type = "microsoft.containerservice/managedclusters";
  return readTyped(state, type, subscriptionId, groupName, name) as ReturnType<typeof clusterBody>;
}

/** `GET .../registries/{name}` without HTTP: the body ACR answers, or ARM's 404. */
export function readRegistry(
  state: EmulatorState,
  subscriptionId: string,
  groupName: string,
  name: string,
): ReturnType<typeof registryBody> {
  const type = "microsoft.containerregistry/registries";
  return readTyped(state, type, subscriptionId, groupName, name) as ReturnType<typeof registryBody>;
}

/** `GET /subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries` for a caller who may read them all. */
export function listRegistries(
  state: EmulatorState,
  subscriptionId: string,
): ReturnType<typeof registryBody>[] {
  if (!state.subscription(subscriptionId)) throw armErrors.subscriptionNotFound(subscriptionId);
  return state.registries(subscriptionId).map(registryBody);
}

/**
 * Lists hold what the caller may read: all of it with read access at the list's scope, else the
 * items it may read one by one (ARM filters the same way), and 403 when that is nothing at all.
 */
function listResources(
  call: ArmCall,
  resourceType: ResourceType,
  subscription: Subscription,
  groupName: string | undefined,
): EmulatorResponse {
  const { state } = call.context;
  const listScope = `/${call.request.segments.slice(0, groupName === undefined ? 2 : 4).join("/")}`;
  const readAction = `${resourceType.namespace}/${resourceType.type}/read`;
  if (groupName !== undefined && !state.resourceGroup(subscription.subscriptionId, groupName)) {
    authorize(state, call.caller, readAction, listScope);
    throw armErrors.resourceGroupNotFound(groupName);
  }
  const bodies = resourceType.bodies(state, subscription.subscriptionId, groupName);
  const visible = bodies.filter((body) => isAuthorized(state, call.caller, readAction, body.id));
  if (visible.length === 0) authorize(state, call.caller, readAction, listScope);
  return pagedList(call, visible);
}

// --- subscriptions and resource groups ---

function listSubscriptions(call: ArmCall): EmulatorResponse {
  const { state } = call.context;
  return pagedList(
    call,
    visibleSubscriptions(state, call.caller).map((subscription) =>
      subscriptionBody(subscription, state),
    ),
  );
}

/**
 * `GET /subscriptions` as a plain function: the subscriptions the caller holds a role in, at,
 * above or below the subscription (ARM lists those).
 */
export function visibleSubscriptions(state: EmulatorState, caller: string): Subscription[] {
  const mine = state.roleAssignments().filter((a) => a.principalId === caller.toLowerCase());
  return state.subscriptions().filter((subscription) => {
    const scope = `/subscriptions/${subscription.subscriptionId}`;
    return mine.some((a) => state.isAtOrAbove(a.scope, scope) || state.isAtOrAbove(scope, a.scope));
  });
}

function getSubscription(call: ArmCall, subscription: Subscription): EmulatorResponse {
  const { state } = call.context;
  const scope = `/subscriptions/${subscription.subscriptionId}`;
  authorize(state, call.caller, "Microsoft.Resources/subscriptions/read", scope);
  return jsonResponse(200, subscriptionBody(subscription, state));
}

function listResourceGroups(call: ArmCall, subscription: Subscription): EmulatorResponse {
  const { state } = call.context;
  const readAction = "Microsoft.Resources/subscriptions/resourceGroups/read";
  const bodies = [...subscription.resourceGroups.values()].map(resourceGroupBody);
  const visible = bodies.filter((body) => isAuthorized(state, call.caller, readAction, body.id));
  if (visible.length === 0) {
    authorize(state, call.caller, readAction, `/subscriptions/${subscription.subscriptionId}`);
  }
  return pagedList(call, visible);
}

function getResourceGroup(call: ArmCall, subscription: Subscription, name: string) {
  const { state } = call.context;
  const scope = `/subscriptions/${subscription.subscriptionId}/resourceGroups/${name}`;
  authorize(state, call.caller, "Microsoft.Resources/subscriptions/resourceGroups/read", scope);
  const group = state.resourceGroup(subscription.subscriptionId, name);
  if (!group) throw armErrors.resourceGroupNotFound(name);
  return jsonResponse(200, resourceGroupBody(group));
}

function subscriptionBody(subscription: Subscription, state: EmulatorState) {
  return {
    id: `/subscriptions/${subscription.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: subscription.subscriptionId,
    tenantId: state.tenantId,
    displayName: subscription.displayName,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

function resourceGroupBody(group: ResourceGroup) {
  return {
    id: `/subscriptions/${group.subscriptionId}/resourceGroups/${group.name}`,
    name: group.name,
    type: "Microsoft.Resources/resourceGroups",
    location: group.location,
    tags: group.tags,
    properties: { provisioningState: "Succeeded" },
  };
}

// --- resource bodies ---

const DEFAULT_KUBERNETES_VERSION = "1.32.6";

/**
 * A managed cluster as AKS returns it. AKS writes `resourcegroups` in lower case in the ids it
 * generates (the cluster's and the kubelet identity's), unlike most providers: callers must
 * compare resource ids without regard to case.
 */
export function clusterBody(
  cluster: Cluster,
  state: EmulatorState,
  provisioningState = clusterProvisioningState(state, cluster) ??
    state.clusterProvisioning.stateOf(cluster),
) {
  const managedIdentity = cluster.servicePrincipalClientId.toLowerCase() === "msi";
  const version = cluster.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  const nodeResourceGroup = `MC_${cluster.resourceGroup}_${cluster.name}_${cluster.location}`;
  const dnsPrefix = clusterDnsPrefix(cluster);
  const hostSuffix = shortHash(cluster.subscriptionId, cluster.resourceGroup, cluster.name);
  const kubelet = showsKubeletIdentity(provisioningState) ? cluster.kubeletIdentity : undefined;
  return {
    id: `/subscriptions/${cluster.subscriptionId}/resourcegroups/${cluster.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`,
    location: cluster.location,
    name: cluster.name,
    tags: cluster.tags ?? {},
    type: "Microsoft.ContainerService/ManagedClusters",
    ...(managedIdentity && {
      identity: {
        type: "SystemAssigned",
        principalId: cluster.systemIdentityPrincipalId,
        tenantId: state.tenantId,
      },
    }),
    sku: { name: "Base", tier: "Free" },
    properties: {
      provisioningState,
      powerState: { code: "Running" },
      kubernetesVersion: version,
      currentKubernetesVersion: version,
      dnsPrefix,
      fqdn: `${dnsPrefix}-${hostSuffix}.hcp.${cluster.location}.azmk8s.io`,
      azurePortalFQDN: `${dnsPrefix}-${hostSuffix}.portal.hcp.${cluster.location}.azmk8s.io`,
      agentPoolProfiles: [
        {
          name: "nodepool1",
          count: 3,
          vmSize: "Standard_DS2_v2",
          osDiskSizeGB: 128,
          osDiskType: "Managed",
          kubeletDiskType: "OS",
          maxPods: 110,
          type: "VirtualMachineScaleSets",
          enableAutoScaling: false,
          provisioningState,
          powerState: { code: "Running" },
          orchestratorVersion: version,
          currentOrchestratorVersion: version,
          enableNodePublicIP: false,
          mode: "System",
          osType: "Linux",
          osSKU: "Ubuntu",
          nodeImageVersion: "AKSUbuntu-2204gen2containerd-202507.21.0",
          upgradeSettings: { maxSurge: "10%" },
          enableFIPS: false,
        },
      ],
      servicePrincipalProfile: { clientId: cluster.servicePrincipalClientId },
      ...(kubelet && {
        identityProfile: {
          kubeletidentity: {
            resourceId:
              kubelet.resourceId ??
              `/subscriptions/${cluster.subscriptionId}/resourcegroups/${nodeResourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${cluster.name}-agentpool`,
            clientId: kubelet.clientId,
            objectId: kubelet.objectId,
          },
        },
      }),
      nodeResourceGroup,
      enableRBAC: true,
      supportPlan: "KubernetesOfficial",
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkPolicy: "none",
        loadBalancerSku: "standard",
        podCidr: "10.244.0.0/16",
        serviceCidr: "10.0.0.0/16",
        dnsServiceIP: "10.0.0.10",
        outboundType: "loadBalancer",
        podCidrs: ["10.244.0.0/16"],
        serviceCidrs: ["10.0.0.0/16"],
        ipFamilies: ["IPv4"],
      },
      maxAgentPools: 100,
      disableLocalAccounts: false,
      oidcIssuerProfile: { enabled: false },
    },
  };
}

/** The prefix `az aks create` derives: name, group and subscription, trimmed and joined. */
function clusterDnsPrefix(cluster: Cluster): string {
  const clean = (text: string, length: number) =>
    text.replace(/[^a-zA-Z0-9-]/g, "").slice(0, length);
  return `${clean(cluster.name, 10)}-${clean(cluster.resourceGroup, 16)}-${cluster.subscriptionId.slice(0, 6)}`;
}

function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("/").toLowerCase()).digest("hex").slice(0, 8);
}
