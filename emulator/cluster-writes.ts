import { readJsonBody, type ArmCall } from "./arm-context.ts";
import { ArmError, armErrors } from "./arm-errors.ts";
import { jsonResponse, type EmulatorResponse } from "./exchange.ts";
import { authorize } from "./rbac.ts";
import type { Cluster, EmulatorState, Subscription } from "./state.ts";

/**
 * Microsoft.ContainerService writes on an existing managed cluster, as `az aks update` sends
 * them: the cluster PUT (the CLI PUTs the whole cluster back, `--attach-acr` included) as a
 * long-running operation, its status at AKS's per-location operations URL, and
 * `listClusterUserCredential`. Creating a cluster is not modelled (404 as for a missing one);
 * the PUT body is checked (JSON, a `location` that matches) but what it would change is not
 * kept: the emulated cluster stays as the seed describes it, apart from its provisioning state.
 */

const NAMESPACE = "Microsoft.ContainerService";
const ACTIONS = {
  write: `${NAMESPACE}/managedClusters/write`,
  userCredential: `${NAMESPACE}/managedClusters/listClusterUserCredential/action`,
  adminCredential: `${NAMESPACE}/managedClusters/listClusterAdminCredential/action`,
};
/** The kind of the async operations started here (see async-operations.ts). */
const CLUSTER_OPERATION_KIND = "managedclusters";

/**
 * `Retry-After` (seconds) on a cluster PUT and its `InProgress` polls. The header holds whole
 * seconds, and the Azure SDK for Python reads `0` as "none" and then waits 30 s, so 1 is the
 * least that keeps the Azure CLI quick.
 */
const DEFAULT_CLUSTER_RETRY_AFTER_SECONDS = 1;

interface ClusterWriteState {
  retryAfterSeconds: number;
  /** Lower-cased cluster id to its provisioning state while not `Succeeded`. */
  readonly provisioning: Map<string, string>;
}

const perState = new WeakMap<EmulatorState, ClusterWriteState>();

function writeState(state: EmulatorState): ClusterWriteState {
  let found = perState.get(state);
  if (!found) {
    found = { retryAfterSeconds: DEFAULT_CLUSTER_RETRY_AFTER_SECONDS, provisioning: new Map() };
    perState.set(state, found);
  }
  return found;
}

export function setClusterRetryAfter(state: EmulatorState, seconds: number): void {
  writeState(state).retryAfterSeconds = seconds;
}

/** `Updating` while a PUT's operation runs, `Failed` after it failed; else undefined. */
export function clusterProvisioningState(
  state: EmulatorState,
  cluster: Cluster,
): string | undefined {
  return writeState(state).provisioning.get(clusterId(cluster).toLowerCase());
}

function clusterId(cluster: Cluster): string {
  return `/subscriptions/${cluster.subscriptionId}/resourcegroups/${cluster.resourceGroup}/providers/${NAMESPACE}/managedClusters/${cluster.name}`;
}

/**
 * The routes of this file below `.../providers/{providerSegments}` of a subscription or a
 * group, or undefined when the path is not one of them.
 */
export function clusterWriteRoute(
  call: ArmCall,
  subscription: Subscription,
  groupName: string | undefined,
  providerSegments: readonly string[],
  bodyOf: (cluster: Cluster) => object,
): (() => EmulatorResponse) | undefined {
  const [namespace, type, name, ...child] = providerSegments.map((s, i) =>
    i === 2 ? s : s.toLowerCase(),
  );
  if (namespace !== NAMESPACE.toLowerCase()) return undefined;
  const method = call.request.method;
  if (groupName === undefined) {
    // /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/operations/{id}
    if (type === "locations" && name !== undefined && child.length === 2) {
      if (child[0] !== "operations") return undefined;
      const operationName = providerSegments[4] ?? "";
      return () => getClusterOperation(call, subscription, name, operationName);
    }
    return undefined;
  }
  if (type !== "managedclusters" || name === undefined) return undefined;
  if (child.length === 0 && method === "PUT") {
    return () => putCluster(call, subscription, groupName, name, bodyOf);
  }
  if (child.length === 1 && method === "POST") {
    if (child[0] === "listclusterusercredential") {
      return () => listCredential(call, subscription, groupName, name, "clusterUser");
    }
    if (child[0] === "listclusteradmincredential") {
      return () => listCredential(call, subscription, groupName, name, "clusterAdmin");
    }
  }
  return undefined;
}

function existingCluster(
  call: ArmCall,
  subscription: Subscription,
  groupName: string,
  name: string,
  action: string,
): Cluster {
  const { state } = call.context;
  const scope = `/subscriptions/${subscription.subscriptionId}/resourceGroups/${groupName}/providers/${NAMESPACE}/managedClusters/${name}`;
  authorize(state, call.caller, action, scope);
  if (!state.resourceGroup(subscription.subscriptionId, groupName)) {
    throw armErrors.resourceGroupNotFound(groupName);
  }
  const cluster = state.cluster(subscription.subscriptionId, groupName, name);
  if (!cluster) {
    throw armErrors.resourceNotFound(`${NAMESPACE}/managedClusters`, name, groupName);
  }
  return cluster;
}

/**
 * `PUT .../managedClusters/{name}` on an existing cluster: 200 with `provisioningState:
 * Updating` and `Azure-AsyncOperation`; the operation ends at its polls (async-operations.ts,
 * `asyncInProgressPolls`), and then a GET of the cluster says `Succeeded` again.
 */
function putCluster(
  call: ArmCall,
  subscription: Subscription,
  groupName: string,
  name: string,
  bodyOf: (cluster: Cluster) => object,
): EmulatorResponse {
  const { state, baseUrl } = call.context;
  const cluster = existingCluster(call, subscription, groupName, name, ACTIONS.write);
  const wanted = readJsonBody(call.request) as { location?: unknown } | null;
  if (typeof wanted?.location !== "string") throw armErrors.locationRequired();
  if (wanted.location.replaceAll(" ", "").toLowerCase() !== cluster.location.toLowerCase()) {
    throw armErrors.invalidResourceLocation(
      cluster.name,
      cluster.location,
      cluster.resourceGroup,
      wanted.location,
    );
  }
  const writes = writeState(state);
  const key = clusterId(cluster).toLowerCase();
  // Still being created, or an update still running: AKS refuses another operation.
  const current = (bodyOf(cluster) as { properties?: { provisioningState?: string } }).properties
    ?.provisioningState;
  if (current !== "Succeeded" && current !== "Failed") throw operationInProgress(cluster.name);
  writes.provisioning.set(key, "Updating");
  const location = cluster.location.toLowerCase();
  const operationName = state.operations.start({
    kind: CLUSTER_OPERATION_KIND,
    resourceId: operationsScope(subscription, location),
    now: state.now(),
    settle: (status) => {
      if (status === "Succeeded") writes.provisioning.delete(key);
      else writes.provisioning.set(key, "Failed");
    },
  });
  const pollUrl = `${baseUrl}${operationsScope(subscription, location)}/operations/${operationName}?api-version=${encodeURIComponent(call.apiVersion)}`;
  return jsonResponse(200, bodyOf(cluster), {
    "Azure-AsyncOperation": pollUrl,
    "Retry-After": String(writes.retryAfterSeconds),
  });
}

function operationsScope(subscription: Subscription, location: string): string {
  return `/subscriptions/${subscription.subscriptionId}/providers/${NAMESPACE}/locations/${location}`;
}

/** `GET /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/operations/{id}`. */
function getClusterOperation(
  call: ArmCall,
  subscription: Subscription,
  location: string,
  operationName: string,
): EmulatorResponse {
  const { state } = call.context;
  const scope = operationsScope(subscription, location.toLowerCase());
  const body = state.operations.poll(scope, operationName, state.now()) as
    { status: string; id: string } | undefined;
  if (!body) throw armErrors.operationNotFound(operationName);
  const inProgress = body.status === "InProgress";
  return jsonResponse(
    200,
    { ...body, id: `${scope}/operations/${operationName}` },
    inProgress ? { "Retry-After": String(writeState(state).retryAfterSeconds) } : undefined,
  );
}

/**
 * `POST .../managedClusters/{name}/listClusterUserCredential` (or `...Admin...`): a
 * `CredentialResults` with one kubeconfig, base64 as AKS sends it. The kubeconfig points at the
 * cluster's API server name and carries a placeholder token: no Kubernetes API is emulated.
 */
function listCredential(
  call: ArmCall,
  subscription: Subscription,
  groupName: string,
  name: string,
  kind: "clusterUser" | "clusterAdmin",
): EmulatorResponse {
  const action = kind === "clusterUser" ? ACTIONS.userCredential : ACTIONS.adminCredential;
  const cluster = existingCluster(call, subscription, groupName, name, action);
  const user = `${kind}_${cluster.resourceGroup}_${cluster.name}`;
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- cluster:",
    "    certificate-authority-data: ''",
    `    server: https://${cluster.name}.hcp.${cluster.location}.azmk8s.io:443`,
    `  name: ${cluster.name}`,
    "contexts:",
    "- context:",
    `    cluster: ${cluster.name}`,
    `    user: ${user}`,
    `  name: ${cluster.name}`,
    `current-context: ${cluster.name}`,
    "preferences: {}",
    "users:",
    `- name: ${user}`,
    "  user:",
    "    token: emulated-cluster-token",
    "",
  ].join("\n");
  return jsonResponse(200, {
    kubeconfigs: [{ name: kind, value: Buffer.from(kubeconfig).toString("base64") }],
  });
}

function operationInProgress(name: string): ArmError {
  return new ArmError(
    409,
    "OperationNotAllowed",
    `Operation is not allowed because there's an in progress update managed cluster operation on the managed cluster '${name}' started.`,
  );
}
