import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { Cluster, ClusterPort } from "../domain/ports.ts";
import { answerFrom, freeText } from "./answers.ts";
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
        // The kubelet's object id becomes an output and a role assignment's principal: checked.
        const answer = answerFrom("a cluster", scope);
        const clientId = answer.optionalGuid("kubeletidentity.clientId", kubelet?.clientId);
        const spClientId = cluster.servicePrincipalProfile?.clientId;
        return {
          id: answer.resourceId(
            "id",
            cluster.id ?? scope,
            "Microsoft.ContainerService/managedClusters",
          ),
          name: answer.name("name", cluster.name ?? name),
          location: freeText(cluster.location, 100) ?? "",
          kubeletIdentity: kubelet?.objectId
            ? {
                objectId: answer.guid("kubeletidentity.objectId", kubelet.objectId),
                ...(clientId ? { clientId } : {}),
              }
            : undefined,
          // `msi`, or a legacy cluster's application id (looked up in Graph only when a GUID).
          servicePrincipalClientId:
            spClientId === undefined || spClientId.toLowerCase() === "msi"
              ? spClientId
              : answer.guid("servicePrincipalProfile.clientId", spClientId),
          controlPlanePrincipalId: answer.optionalGuid(
            "identity.principalId",
            cluster.identity?.principalId,
          ),
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
