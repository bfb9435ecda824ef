import { ActionError } from "../errors.ts";
import type {
  AzurePorts,
  CallOptions,
  Cluster,
  Log,
  PullIdentity,
  Registry,
  RegistryRef,
} from "../domain/ports.ts";
import { isGuid } from "../domain/resource-id.ts";

/** What every mode starts from: the cluster, the registry and the cluster's pull identity. */
export interface TargetRequest {
  readonly resourceGroup: string;
  readonly clusterName: string;
  readonly registry: RegistryRef;
}

export interface Target {
  readonly cluster: Cluster;
  readonly registry: Registry;
  readonly identity: PullIdentity;
}

export type WorkflowOptions = CallOptions & { readonly log: Log };

/**
 * The identity the cluster's nodes pull with: the kubelet managed identity, or on a legacy
 * cluster its service principal, whose object id (not its client id) Microsoft Graph knows.
 */
export async function resolvePullIdentity(
  cluster: Cluster,
  ports: Pick<AzurePorts, "directory">,
  options: CallOptions,
): Promise<PullIdentity> {
  if (cluster.kubeletIdentity) {
    return {
      kind: "kubelet-identity",
      objectId: cluster.kubeletIdentity.objectId,
      clientId: cluster.kubeletIdentity.clientId,
    };
  }
  const clientId = cluster.servicePrincipalClientId;
  if (clientId && isGuid(clientId)) {
    const objectId = await ports.directory.servicePrincipalObjectId(clientId, options);
    return { kind: "service-principal", objectId, clientId };
  }
  throw new ActionError(`Cluster '${cluster.name}' has no identity to pull images with.`, {
    remedy:
      `It has neither a kubelet identity nor a service principal. Check that it has finished ` +
      `provisioning (az aks show --query "[provisioningState, identityProfile]"), or give it a ` +
      `managed identity: az aks update --enable-managed-identity.`,
  });
}

export function describeIdentity(identity: PullIdentity): string {
  return identity.kind === "kubelet-identity"
    ? `kubelet identity ${identity.objectId}`
    : `service principal ${identity.objectId} (client id ${identity.clientId})`;
}

function sameRegion(a: string, b: string): boolean {
  return a.replaceAll(" ", "").toLowerCase() === b.replaceAll(" ", "").toLowerCase();
}

/** What commonly breaks pulls although the role assignments are right. */
export function registryWarnings({
  cluster,
  registry,
}: Pick<Target, "cluster" | "registry">): string[] {
  const warnings: string[] = [];
  if (registry.publicNetworkAccess?.toLowerCase() === "disabled") {
    warnings.push(
      `Registry ${registry.name} has public network access disabled: the cluster's nodes can only ` +
        `pull through a private endpoint in a network they reach (with private DNS for ` +
        `${registry.loginServer}).`,
    );
  }
  if (registry.location && cluster.location && !sameRegion(registry.location, cluster.location)) {
    warnings.push(
      `Registry ${registry.name} is in ${registry.location}, the cluster in ${cluster.location}: ` +
        `pulls cross regions (slower, with egress charges). A geo-replica in ${cluster.location} ` +
        `(Premium SKU) avoids that.`,
    );
  }
  return warnings;
}
