/**
 * The fixtures' world (`testSeed()`, the one the emulator serves to the integration and
 * end-to-end tests) behind the fake ports, for the unit tests of the workflows: the same
 * clusters, registries and service principals, so a unit test and an end-to-end test speak of
 * the same aks-demo and demoacr. Role assignments are each unit test's own: the world starts
 * with none.
 */
import type { Cluster, Registry, RegistryRef } from "../../src/domain/ports.ts";
import type { CheckRequest } from "../../src/workflows/check.ts";
import type { Seed } from "../../emulator/index.ts";
import type { SeedCluster, SeedRegistry } from "../../emulator/seed.ts";
import { ids, names, testSeed } from "../fixtures.ts";
import { FakeAzure } from "./azure.ts";

/**
 * A seed's cluster as ARM describes it to the action. A control-plane identity the seed leaves
 * out stays undefined here (the emulator derives one from the name).
 */
export function clusterOf(cluster: SeedCluster): Cluster {
  const managed = (cluster.servicePrincipalClientId ?? "msi") === "msi";
  return {
    id: clusterId(cluster.name, cluster.resourceGroup, cluster.subscriptionId),
    name: cluster.name,
    location: cluster.location,
    kubeletIdentity: cluster.kubeletIdentity && {
      clientId: cluster.kubeletIdentity.clientId,
      objectId: cluster.kubeletIdentity.objectId,
    },
    servicePrincipalClientId: cluster.servicePrincipalClientId ?? "msi",
    controlPlanePrincipalId: managed ? cluster.systemIdentityPrincipalId : undefined,
  };
}

/** A seed's registry as ARM describes it to the action. */
export function registryOf(registry: SeedRegistry): Registry {
  return registryAt(
    `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry.name}`,
    {
      location: registry.location,
      roleAssignmentMode: registry.roleAssignmentMode ?? "LegacyRegistryPermissions",
      publicNetworkAccess: registry.publicNetworkAccess ?? "Enabled",
    },
  );
}

export function clusterId(
  name: string,
  resourceGroup: string = names.clusterGroup,
  subscriptionId: string = ids.subscription,
): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

/** A registry at `id` (legacy permissions mode, public) for a test's own additions. */
export function registryAt(id: string, fields: Partial<Registry> = {}): Registry {
  const name = id.split("/").at(-1)!;
  return {
    id,
    name,
    loginServer: `${name}.azurecr.io`,
    location: "eastus",
    roleAssignmentMode: "LegacyRegistryPermissions",
    publicNetworkAccess: "Enabled",
    ...fields,
  };
}

/** aks-demo as the seed has it, changed by `fields`, for a test's own cluster. */
export function clusterNamed(name: string, fields: Partial<Cluster> = {}): Cluster {
  const demo = testSeed().clusters!.find((cluster) => cluster.name === names.cluster)!;
  return { ...clusterOf({ ...demo, name }), ...fields };
}

/**
 * The seed's clusters (aks-demo with a kubelet and a control-plane identity, aks-legacy with a
 * service principal the directory knows, aks-noidentity), registries (demoacr and abacacr in
 * ABAC mode in rg-acr, localacr in rg-aks, faracr) and service principals.
 */
export function world(seed: Seed = testSeed()): FakeAzure {
  const azure = new FakeAzure(seed.subscriptions[0]!.subscriptionId);
  for (const cluster of seed.clusters ?? []) azure.addCluster(clusterOf(cluster));
  for (const registry of seed.registries ?? []) azure.addRegistry(registryOf(registry));
  for (const principal of seed.servicePrincipals ?? []) {
    azure.addServicePrincipal(principal.appId, principal.objectId);
  }
  return azure;
}

export function byName(name: string): RegistryRef {
  return { kind: "name", name };
}

/** aks-demo and demoacr. */
export const target: CheckRequest = {
  subscriptionId: ids.subscription,
  resourceGroup: names.clusterGroup,
  clusterName: names.cluster,
  registry: byName(names.registry),
};
