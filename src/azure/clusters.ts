import type { ContainerServiceClient } from "@azure/arm-containerservice";
import { ActionError } from "../errors.ts";
import { Inputs } from "../names.ts";
import type { Cluster, ClusterPort } from "../domain/ports.ts";
import { answerFrom, freeText } from "./answers.ts";
import { errorCode, toActionError } from "./errors.ts";
import { retryAfterMs } from "./retry.ts";

/** The calls of the SDK's managed-cluster operations the port needs. */
type ManagedClusters = Pick<
  ContainerServiceClient["managedClusters"],
  "get" | "listByResourceGroup"
>;

function clusterScope(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

export function createClusterPort(
  managedClusters: ManagedClusters,
  subscriptionId: string,
): ClusterPort {
  /** The clusters of the group, for the message of a cluster that is not there. */
  async function clusterNames(resourceGroup: string, signal: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    for await (const cluster of managedClusters.listByResourceGroup(resourceGroup, {
      abortSignal: signal,
    })) {
      if (cluster.name) names.push(freeText(cluster.name, 100) ?? "");
    }
    return names;
  }

  async function notFound(
    resourceGroup: string,
    name: string,
    error: unknown,
    signal: AbortSignal,
  ) {
    const code = errorCode(error);
    if (code === "ResourceGroupNotFound") {
      return new ActionError(
        `Resource group '${resourceGroup}' does not exist in subscription ${subscriptionId}, so ` +
          `neither does cluster '${name}'.`,
        {
          remedy:
            `Check '${Inputs.ResourceGroup}' and '${Inputs.SubscriptionId}' (az aks list --query "[].{name:name, ` +
            `group:resourceGroup}" -o table).`,
          cause: error,
        },
      );
    }
    const names = await clusterNames(resourceGroup, signal).catch(() => undefined);
    const seen =
      names === undefined
        ? "The clusters of that group could not be listed."
        : names.length === 0
          ? "The signed-in principal sees no cluster in that group."
          : `The clusters the signed-in principal sees there: ${names.join(", ")}.`;
    return new ActionError(
      `Cluster '${name}' was not found in resource group '${resourceGroup}' of subscription ` +
        `${subscriptionId}. ${seen}`,
      {
        remedy:
          `Check '${Inputs.ClusterName}', '${Inputs.ResourceGroup}' and '${Inputs.SubscriptionId}', ` +
          "and that the signed-in principal may read the cluster " +
          "(Microsoft.ContainerService/managedClusters/read).",
        cause: error,
      },
    );
  }

  return {
    async getCluster(resourceGroup, name, { signal }) {
      const scope = clusterScope(subscriptionId, resourceGroup, name);
      let retryAfter: number | undefined;
      try {
        const cluster = await managedClusters.get(resourceGroup, name, {
          abortSignal: signal,
          onResponse: (raw) => (retryAfter = retryAfterMs(raw.headers, Date.now())),
        });
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
          provisioningState: freeText(cluster.provisioningState, 40),
          retryAfterMs: retryAfter,
        } satisfies Cluster;
      } catch (error) {
        const code = errorCode(error);
        if (code === "ResourceNotFound" || code === "ResourceGroupNotFound") {
          throw await notFound(resourceGroup, name, error, signal);
        }
        throw toActionError(error, {
          operation: "read the AKS cluster",
          scope,
          permission: "Microsoft.ContainerService/managedClusters/read",
        });
      }
    },
  };
}
