import { ActionError } from "../errors.ts";
import { Inputs } from "../names.ts";
import type { AzurePorts, CallOptions, Cluster } from "../domain/ports.ts";

/** Time for the waits of a run: the clock, and the deadline nothing may wait past. */
export interface WaitClock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface WaitOptions extends CallOptions {
  readonly clock: WaitClock;
  /** Epoch milliseconds. */
  readonly deadline: number;
  readonly log: { info(message: string): void };
}

/**
 * How long to wait before the next read of a cluster still being provisioned, when ARM does not
 * say (its resource GETs never send Retry-After): half a second, doubling to 15 s.
 */
export function clusterPollMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** attempt);
}

const IN_PROGRESS = new Set(["creating", "updating"]);
const FAILED = new Set(["failed", "canceled"]);

function hasPullIdentity(cluster: Cluster): boolean {
  const spClientId = cluster.servicePrincipalClientId;
  return (
    cluster.kubeletIdentity !== undefined ||
    (spClientId !== undefined && spClientId.toLowerCase() !== "msi")
  );
}

/** Whether the cluster is still on its way: read it again later. */
function stillProvisioning(cluster: Cluster): boolean {
  const state = cluster.provisioningState?.toLowerCase();
  if (state === undefined) return false;
  if (IN_PROGRESS.has(state)) return true;
  // Other transient states (Upgrading, Scaling, Starting...) only matter while the identity
  // the nodes pull with does not exist yet.
  return state !== "succeeded" && !FAILED.has(state) && !hasPullIdentity(cluster);
}

/**
 * Reads the cluster, and reads it again while it is being created or updated (a pipeline
 * often creates it in the step before), honouring `Retry-After`, until it is `Succeeded` or
 * the deadline comes. A `Failed` cluster is an error.
 */
export async function readReadyCluster(
  resourceGroup: string,
  name: string,
  ports: Pick<AzurePorts, "clusters">,
  options: WaitOptions,
): Promise<Cluster> {
  for (let attempt = 0; ; attempt++) {
    const cluster = await ports.clusters.getCluster(resourceGroup, name, options);
    const state = cluster.provisioningState;
    if (state !== undefined && FAILED.has(state.toLowerCase())) {
      throw new ActionError(
        `Cluster '${name}' in resource group '${resourceGroup}' is in provisioning state ` +
          `${state}: it cannot be given pull access until it is Succeeded.`,
        {
          remedy:
            `Look at why it failed (az aks show -g ${resourceGroup} -n ${name} --query ` +
            `"[provisioningState, powerState]"), then repair it (az aks update -g ${resourceGroup} ` +
            `-n ${name}) or create it again, and re-run this step.`,
        },
      );
    }
    if (!stillProvisioning(cluster)) return cluster;
    const wait = cluster.retryAfterMs ?? clusterPollMs(attempt);
    const left = options.deadline - options.clock.now();
    if (wait >= left) {
      throw new ActionError(
        `Cluster '${name}' in resource group '${resourceGroup}' is still ${state}` +
          (hasPullIdentity(cluster) ? "" : ", with no kubelet identity yet,") +
          ` and the deadline is near.`,
        {
          remedy:
            `Raise '${Inputs.TimeoutSeconds}' (a new cluster can take 10 minutes), or run this ` +
            "step after the one that creates the cluster has finished.",
        },
      );
    }
    options.log.info(
      `Cluster '${name}' is ${state}` +
        (hasPullIdentity(cluster) ? "" : " (no kubelet identity yet)") +
        `: reading it again in ${(wait / 1000).toFixed(1)} s.`,
    );
    await options.clock.sleep(wait, options.signal);
  }
}
