import type { SeedCluster } from "./seed.ts";

/**
 * Clusters that are not ready yet: a pipeline often creates the cluster in the step before
 * (`az aks create --no-wait`, Bicep, Terraform), so the action may meet one that is still
 * `Creating` or `Updating`, or one that `Failed`.
 *
 * Progress is by reads, not by time, so tests stay fast and deterministic: a cluster seeded
 * `Creating` with `readsUntilSucceeded: N` answers its first N GETs with its seeded state and the
 * next one with `Succeeded`. While `Creating` it has no `identityProfile.kubeletidentity` (AKS
 * creates the kubelet identity as part of the cluster). Once that identity appears, Entra ID has
 * not replicated it yet: role assignment writes naming it answer `PrincipalNotFound` for the first
 * `kubeletPrincipalNotFoundWrites` tries.
 *
 * ARM's GET of a resource never sends `Retry-After` (only long-running operations' status
 * answers do), so a cluster GET does not either, whatever the state.
 */
export type ClusterProvisioningState = "Creating" | "Updating" | "Succeeded" | "Failed";

export const CLUSTER_PROVISIONING_STATES: readonly ClusterProvisioningState[] = [
  "Creating",
  "Updating",
  "Succeeded",
  "Failed",
];

interface Progress {
  state: ClusterProvisioningState;
  /** GETs still answered with the seeded state; Infinity when the seed gives no count. */
  readsLeft: number;
  /** The kubelet identity's object id, lower case, if the seed gives one. */
  readonly kubeletObjectId: string | undefined;
  /** Role assignment writes naming the kubelet identity still refused once it appeared. */
  notFoundWritesLeft: number;
}

/** A cluster's provisioning as tests read it back. */
export interface ClusterView {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly provisioningState: ClusterProvisioningState;
  /** GETs still to answer with the current state before `Succeeded` (null: never). */
  readonly readsUntilSucceeded: number | null;
  /** Whether GET shows `identityProfile.kubeletidentity`. */
  readonly kubeletIdentityVisible: boolean;
  /** Role assignment writes naming the kubelet identity that will still say `PrincipalNotFound`. */
  readonly kubeletPrincipalNotFoundWrites: number;
}

/** AKS makes the kubelet identity while it creates the cluster: any other state shows it. */
export function showsKubeletIdentity(provisioningState: string): boolean {
  return provisioningState !== "Creating";
}

type ClusterPlace = Pick<SeedCluster, "subscriptionId" | "resourceGroup" | "name">;

export class ClusterProvisioning {
  readonly #progress = new Map<string, Progress>();

  /** Starts following a cluster's provisioning from its seeded state. */
  track(cluster: SeedCluster): void {
    const state = cluster.provisioningState ?? "Succeeded";
    const pending = state === "Creating" || state === "Updating";
    this.#progress.set(key(cluster), {
      state,
      readsLeft: pending ? (cluster.readsUntilSucceeded ?? Number.POSITIVE_INFINITY) : 0,
      kubeletObjectId: cluster.kubeletIdentity?.objectId.toLowerCase(),
      notFoundWritesLeft: cluster.kubeletPrincipalNotFoundWrites ?? 0,
    });
  }

  /** The state a list or a query shows, without counting as a read. */
  stateOf(cluster: ClusterPlace): ClusterProvisioningState {
    return this.#progress.get(key(cluster))?.state ?? "Succeeded";
  }

  /** One GET of the cluster: its state for this answer, and progress toward `Succeeded`. */
  read(cluster: ClusterPlace): ClusterProvisioningState {
    const progress = this.#progress.get(key(cluster));
    if (!progress) return "Succeeded";
    if (progress.state === "Creating" || progress.state === "Updating") {
      if (progress.readsLeft > 0) progress.readsLeft -= 1;
      else progress.state = "Succeeded";
    }
    return progress.state;
  }

  /**
   * Whether a role assignment write naming this principal meets `PrincipalNotFound`: a kubelet
   * identity whose cluster has not shown it yet, or one of its first writes once it has (each
   * such write uses one up).
   */
  principalNotReplicated(objectId: string): boolean {
    const wanted = objectId.toLowerCase();
    for (const progress of this.#progress.values()) {
      if (progress.kubeletObjectId !== wanted) continue;
      if (!showsKubeletIdentity(progress.state)) return true;
      if (progress.notFoundWritesLeft > 0) {
        progress.notFoundWritesLeft -= 1;
        return true;
      }
    }
    return false;
  }

  views(clusters: readonly ClusterPlace[]): ClusterView[] {
    return clusters.map((cluster) => {
      const progress = this.#progress.get(key(cluster));
      const state = progress?.state ?? "Succeeded";
      const pending = state === "Creating" || state === "Updating";
      const readsLeft = progress?.readsLeft ?? 0;
      return {
        subscriptionId: cluster.subscriptionId,
        resourceGroup: cluster.resourceGroup,
        name: cluster.name,
        provisioningState: state,
        readsUntilSucceeded: pending ? (Number.isFinite(readsLeft) ? readsLeft : null) : 0,
        kubeletIdentityVisible: showsKubeletIdentity(state),
        kubeletPrincipalNotFoundWrites: progress?.notFoundWritesLeft ?? 0,
      };
    });
  }
}

function key(cluster: ClusterPlace): string {
  return `${cluster.subscriptionId}/${cluster.resourceGroup}/${cluster.name}`.toLowerCase();
}
