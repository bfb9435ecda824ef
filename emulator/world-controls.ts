import type { ClusterView } from "./cluster-provisioning.ts";
import type { EmulatorState } from "./state.ts";

export type { ClusterProvisioningState, ClusterView } from "./cluster-provisioning.ts";

/** What an `Emulator` offers to read back clusters still being created. */
export interface WorldControls {
  /** Every cluster, with its provisioning state and what is left before it succeeds. */
  clusters(): ClusterView[];
}

export function worldControls(state: EmulatorState): WorldControls {
  return {
    clusters: () =>
      state.clusterProvisioning.views(
        state
          .subscriptions()
          .flatMap((subscription) => state.clusters(subscription.subscriptionId)),
      ),
  };
}
