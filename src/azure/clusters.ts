import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { Cluster, ClusterPort } from "../domain/ports.ts";
import { toActionError } from "./errors.ts";

/** The one call of the SDK's managed-cluster operations the port needs. */
type ManagedClusters = Pick<ContainerServiceClient["managedClusters"], "get">;

function clusterScope(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

export function createClusterPort(
  managedClusters: ManagedClusters,
  subscriptionId: string,
): ClusterPort {
  return {
    async getCluster(resourceGroup, name, { signal }) {
      const scope = clusterScope(subscriptionId, resourceGroup, name);
      try {
        const cluster = await managedClusters.get(resourceGroup, name, { abortSignal: signal });
        const kubelet = cluster.identityProfile?.["kubeletidentity"];
        return {
          id: cluster.id ?? scope,
          name: cluster.name ?? name,
          location: cluster.location,
          kubeletIdentity: kubelet?.objectId
            ? {
                objectId: kubelet.objectId,
                ...(kubelet.clientId ? { clientId: kubelet.clientId } : {}),
              }
            : undefined,
          servicePrincipalClientId: cluster.servicePrincipalProfile?.clientId,
          controlPlanePrincipalId: cluster.identity?.principalId,
        } satisfies Cluster;
      } catch (error) {
        throw toActionError(error, {
          operation: "read the AKS cluster",
          scope,
          permission: "Microsoft.ContainerService/managedClusters/read",
        });
      }
    },
  };
}
