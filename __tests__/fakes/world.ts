/**
 * The fixtures' world (`testSeed()`, the one the emulator serves to the integration and
 * end-to-end tests) as the unit tests' fake Azure holds it: the emulator's own model of that
 * seed, so a unit test and an end-to-end test speak of the same aks-demo and demoacr, and meet
 * the same rules. Role assignments are each unit test's own, beside the caller's rights. Also
 * the domain objects of the seed's resources, for tests that need one without any Azure.
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
 * Places next to the seed's that the unit tests assign roles at, to show what does not count: a
 * management group above the subscription, a geo-replication of demoacr (a child resource), a
 * registry and a resource group whose names start the same as demoacr's and rg-acr.
 */
export const neighbours = {
  managementGroup: "platform",
  replication: "westus",
  registry: `${names.registry}2`,
  resourceGroup: `${names.registryGroup}-old`,
} as const;

/** The seed with the neighbours added. */
export function withNeighbours(seed: Seed): Seed {
  const [first, ...others] = seed.subscriptions;
  const subscriptionId = first!.subscriptionId;
  return {
    ...seed,
    managementGroups: [
      ...(seed.managementGroups ?? []),
      { name: neighbours.managementGroup, subscriptions: [subscriptionId] },
    ],
    subscriptions: [
      {
        ...first!,
        resourceGroups: [
          ...(first!.resourceGroups ?? []),
          { name: neighbours.resourceGroup, location: "eastus" },
        ],
      },
      ...others,
    ],
    registries: [
      ...(seed.registries ?? []).map((registry) =>
        registry.name === names.registry
          ? { ...registry, replications: [neighbours.replication] }
          : registry,
      ),
      {
        subscriptionId,
        resourceGroup: names.registryGroup,
        name: neighbours.registry,
        location: "eastus",
      },
    ],
  };
}

/**
 * The emulator's model of the seed's world (with its neighbours) behind the action's ports: the
 * seed's clusters (aks-demo with a kubelet and a control-plane identity, aks-legacy with a
 * service principal the directory knows, aks-noidentity), registries (demoacr and abacacr in
 * ABAC mode in rg-acr, localacr in rg-aks, faracr), custom role Image Puller and service
 * principals, and its role assignments: the signed-in deployer's rights (`FakeAzure.assignments`
 * leaves them out: each test seeds the assignments it is about).
 */
export function world(seed: Seed = testSeed()): FakeAzure {
  return new FakeAzure(withNeighbours(seed));
}

/** aks-demo as the seed declares it, renamed and changed by `fields`, for a test's own cluster. */
export function seedClusterNamed(name: string, fields: Partial<SeedCluster> = {}): SeedCluster {
  const demo = testSeed().clusters!.find((cluster) => cluster.name === names.cluster)!;
  return { ...demo, name, ...fields };
}

/** The registry at a resource id, as a seed declares one. */
export function seedRegistryAt(id: string, fields: Partial<SeedRegistry> = {}): SeedRegistry {
  const [, , subscriptionId, , resourceGroup] = id.split("/");
  return {
    subscriptionId: subscriptionId!,
    resourceGroup: resourceGroup!,
    name: id.split("/").at(-1)!,
    location: "eastus",
    ...fields,
  };
}

/** A registry in rg-acr (legacy permissions mode, public), as a seed declares one. */
export function seedRegistryNamed(name: string, fields: Partial<SeedRegistry> = {}): SeedRegistry {
  return {
    subscriptionId: ids.subscription,
    resourceGroup: names.registryGroup,
    name,
    location: "eastus",
    ...fields,
  };
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
