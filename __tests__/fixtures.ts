/**
 * One small Azure world for the integration and end-to-end tests: a tenant, a subscription, a
 * managed-identity cluster, registries in two resource groups, and a deployer that may write
 * role assignments. Each test starts an emulator from a fresh copy.
 */
import type { Seed } from "../emulator/seed.ts";

export const ids = {
  tenant: "0b8b2a44-3c7e-4a0e-9f51-7d2d3f6c1a01",
  subscription: "5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02",
  otherSubscription: "9a1c5d07-2b6e-4f38-8c41-6e3d2a1b5c03",
  deployer: {
    appId: "3f6b2c1d-7e4a-4b59-8d2c-1a9e8f7b6c04",
    objectId: "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e05",
  },
  reader: {
    appId: "4a7c3d2e-8f5b-4c6a-9e3d-2b0f9a8c7d06",
    objectId: "d3e5f7a9-2b4c-4d6e-9f8a-0b1c2d3e4f07",
  },
  kubelet: {
    clientId: "5b8d4e3f-9a6c-4d7b-8f4e-3c1a0b9d8e08",
    objectId: "e4f6a8b0-3c5d-4e7f-8a9b-1c2d3e4f5a09",
  },
  other: { objectId: "f5a7b9c1-4d6e-4f8a-9b0c-2d3e4f5a6b10" },
  /** The control-plane (system-assigned) identity of aks-demo: not the one that pulls. */
  controlPlane: { objectId: "a6b8c0d2-5e7f-4a9b-8c1d-3e4f5a6b7c12" },
  /** A legacy cluster's service principal: its client id differs from its object id. */
  legacySp: {
    appId: "b7c9d1e3-6f8a-4b0c-9d2e-4f5a6b7c8d13",
    objectId: "c8d0e2f4-7a9b-4c1d-8e3f-5a6b7c8d9e14",
  },
  imagePullerRole: "d9e1f3a5-8b0c-4d2e-9f4a-6b7c8d9e0f15",
} as const;

export const secrets = {
  deployer: "deployer-Secret~value.0123456789abcdef",
  reader: "reader-Secret~value.fedcba9876543210",
} as const;

export const names = {
  clusterGroup: "rg-aks",
  registryGroup: "rg-acr",
  cluster: "aks-demo",
  registry: "demoacr",
  localRegistry: "localacr",
  abacRegistry: "abacacr",
  farRegistry: "faracr",
  legacyCluster: "aks-legacy",
} as const;

export const scopes = {
  subscription: `/subscriptions/${ids.subscription}`,
  registryGroup: `/subscriptions/${ids.subscription}/resourceGroups/${names.registryGroup}`,
  registry: `/subscriptions/${ids.subscription}/resourceGroups/${names.registryGroup}/providers/Microsoft.ContainerRegistry/registries/${names.registry}`,
  localRegistry: `/subscriptions/${ids.subscription}/resourceGroups/${names.clusterGroup}/providers/Microsoft.ContainerRegistry/registries/${names.localRegistry}`,
  abacRegistry: `/subscriptions/${ids.subscription}/resourceGroups/${names.registryGroup}/providers/Microsoft.ContainerRegistry/registries/${names.abacRegistry}`,
  farRegistry: `/subscriptions/${ids.subscription}/resourceGroups/${names.registryGroup}/providers/Microsoft.ContainerRegistry/registries/${names.farRegistry}`,
} as const;

// Built-in role definition GUIDs: the same in every cloud and tenant.
export const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
export const ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec";
export const REPOSITORY_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac";
export const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
export const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
export const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

export function testSeed(): Seed {
  return {
    tenantId: ids.tenant,
    subscriptions: [
      {
        subscriptionId: ids.subscription,
        displayName: "test",
        resourceGroups: [
          { name: names.clusterGroup, location: "eastus" },
          { name: names.registryGroup, location: "eastus" },
        ],
      },
    ],
    servicePrincipals: [
      {
        appId: ids.deployer.appId,
        objectId: ids.deployer.objectId,
        displayName: "deployer",
        clientSecret: secrets.deployer,
      },
      {
        appId: ids.reader.appId,
        objectId: ids.reader.objectId,
        displayName: "reader",
        clientSecret: secrets.reader,
      },
      {
        appId: ids.kubelet.clientId,
        objectId: ids.kubelet.objectId,
        displayName: "aks-demo-agentpool",
      },
      {
        appId: "6c9e5f4a-0b7d-4e8c-9a5f-4d2b1c0e9f11",
        objectId: ids.other.objectId,
        displayName: "someone-else",
      },
      { appId: ids.legacySp.appId, objectId: ids.legacySp.objectId, displayName: "aks-legacy-sp" },
    ],
    clusters: [
      {
        subscriptionId: ids.subscription,
        resourceGroup: names.clusterGroup,
        name: names.cluster,
        location: "eastus",
        kubeletIdentity: { clientId: ids.kubelet.clientId, objectId: ids.kubelet.objectId },
        systemIdentityPrincipalId: ids.controlPlane.objectId,
      },
      {
        subscriptionId: ids.subscription,
        resourceGroup: names.clusterGroup,
        name: names.legacyCluster,
        location: "eastus",
        servicePrincipalClientId: ids.legacySp.appId,
      },
      {
        subscriptionId: ids.subscription,
        resourceGroup: names.clusterGroup,
        name: "aks-noidentity",
        location: "eastus",
      },
    ],
    registries: [
      {
        subscriptionId: ids.subscription,
        resourceGroup: names.registryGroup,
        name: names.registry,
        location: "eastus",
        sku: "Basic",
      },
      {
        subscriptionId: ids.subscription,
        resourceGroup: names.clusterGroup,
        name: names.localRegistry,
        location: "eastus",
        sku: "Standard",
      },
      {
        subscriptionId: ids.subscription,
        resourceGroup: names.registryGroup,
        name: names.abacRegistry,
        location: "eastus",
        sku: "Premium",
        roleAssignmentMode: "AbacRepositoryPermissions",
      },
      {
        subscriptionId: ids.subscription,
        resourceGroup: names.registryGroup,
        name: names.farRegistry,
        location: "westeurope",
        sku: "Premium",
        publicNetworkAccess: "Disabled",
      },
    ],
    roleDefinitions: [
      {
        id: ids.imagePullerRole,
        roleName: "Image Puller",
        description: "A custom role that may pull images and nothing else.",
        assignableScopes: [`/subscriptions/${ids.subscription}`],
        permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/pull/read"] }],
      },
    ],
    roleAssignments: [
      {
        scope: scopes.subscription,
        roleName: "Owner",
        principalId: ids.deployer.objectId,
        principalType: "ServicePrincipal",
      },
      {
        scope: scopes.subscription,
        roleName: "Reader",
        principalId: ids.reader.objectId,
        principalType: "ServicePrincipal",
      },
    ],
  };
}

/** A registry id with its parts, as the registry port is asked for it. */
export function registryAddress(id: string): {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
} {
  const [, subscriptionId = "", resourceGroup = "", name = ""] =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)$/i.exec(
      id,
    ) ?? [];
  return { id, subscriptionId, resourceGroup, name };
}

/** Nine more registries in the cluster's group, for ten in one step with names.localRegistry. */
export const MORE_LOCAL_REGISTRIES = Array.from({ length: 9 }, (_, i) => `localacr${i + 1}`);

/** The fixtures' world with MORE_LOCAL_REGISTRIES beside localacr. */
export function seedWithTenLocalRegistries(): Seed {
  const seed = testSeed();
  return {
    ...seed,
    registries: [
      ...(seed.registries ?? []),
      ...MORE_LOCAL_REGISTRIES.map((name) => ({
        subscriptionId: ids.subscription,
        resourceGroup: names.clusterGroup,
        name,
        location: "eastus",
      })),
    ],
  };
}
