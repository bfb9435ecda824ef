/**
 * One small Azure world over FakeAzure for the unit tests of the modes: a managed-identity
 * cluster with a control-plane identity, a legacy service-principal cluster, and registries in
 * both permission modes.
 */
import type { Cluster, Registry, RegistryRef } from "../../src/azure/ports.ts";
import type { CheckRequest } from "../../src/workflows/check.ts";
import { FakeAzure } from "./azure.ts";

export const subscription = "5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02";

export const ids = {
  kubelet: {
    objectId: "e4f6a8b0-3c5d-4e7f-8a9b-1c2d3e4f5a09",
    clientId: "5b8d4e3f-9a6c-4d7b-8f4e-3c1a0b9d8e08",
  },
  /** aks-demo's control-plane identity: not the one that pulls. */
  controlPlane: "a6b8c0d2-5e7f-4a9b-8c1d-3e4f5a6b7c12",
  /** aks-legacy's service principal: its client id differs from its object id. */
  legacySp: {
    appId: "b7c9d1e3-6f8a-4b0c-9d2e-4f5a6b7c8d13",
    objectId: "c8d0e2f4-7a9b-4c1d-8e3f-5a6b7c8d9e14",
  },
  someoneElse: "f5a7b9c1-4d6e-4f8a-9b0c-2d3e4f5a6b10",
} as const;

const group = `/subscriptions/${subscription}/resourceGroups/rg-acr`;
const registries = `${group}/providers/Microsoft.ContainerRegistry/registries`;

export const scopes = {
  subscription: `/subscriptions/${subscription}`,
  registryGroup: group,
  /** demoacr: a registry in the legacy (AcrPull) mode. */
  registry: `${registries}/demoacr`,
  /** abacacr: a registry in ABAC repository permissions mode. */
  abacRegistry: `${registries}/abacacr`,
  /** otheracr: a second legacy registry in the same group. */
  otherRegistry: `${registries}/otheracr`,
} as const;

export function clusterId(name: string): string {
  return `/subscriptions/${subscription}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

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

export function clusterNamed(name: string, fields: Partial<Cluster> = {}): Cluster {
  return {
    id: clusterId(name),
    name,
    location: "eastus",
    kubeletIdentity: ids.kubelet,
    servicePrincipalClientId: "msi",
    controlPlanePrincipalId: ids.controlPlane,
    ...fields,
  };
}

/**
 * aks-demo (kubelet identity, control-plane identity) and aks-legacy (service principal, known
 * to the directory) in rg-aks; demoacr, otheracr (legacy) and abacacr (ABAC) in rg-acr.
 */
export function world(): FakeAzure {
  const azure = new FakeAzure(subscription);
  azure.addCluster(clusterNamed("aks-demo"));
  azure.addCluster(
    clusterNamed("aks-legacy", {
      kubeletIdentity: undefined,
      servicePrincipalClientId: ids.legacySp.appId,
      controlPlanePrincipalId: undefined,
    }),
  );
  azure.addServicePrincipal(ids.legacySp.appId, ids.legacySp.objectId);
  azure.addRegistry(registryAt(scopes.registry));
  azure.addRegistry(registryAt(scopes.otherRegistry));
  azure.addRegistry(
    registryAt(scopes.abacRegistry, { roleAssignmentMode: "AbacRepositoryPermissions" }),
  );
  return azure;
}

export function byName(name: string): RegistryRef {
  return { kind: "name", name };
}

/** aks-demo and demoacr. */
export const target: CheckRequest = {
  subscriptionId: subscription,
  resourceGroup: "rg-aks",
  clusterName: "aks-demo",
  registry: byName("demoacr"),
};
