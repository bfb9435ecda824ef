import { CLUSTER_PROVISIONING_STATES } from "./cluster-provisioning.ts";
import { isValidRegistryName } from "./registries.ts";
import type { Seed } from "./seed.ts";

/** Host names, as login servers and suffixes are: dot-separated labels of letters, digits, `-`. */
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/**
 * Checks the seed fields of a world with clusters still being created, names taken outside the
 * tenant and other clouds' login servers; the error names the bad field.
 */
export function validateRegistryWorld(seed: Seed): void {
  (seed.clusters ?? []).forEach((cluster, i) => {
    const state = cluster.provisioningState;
    if (state !== undefined && !CLUSTER_PROVISIONING_STATES.includes(state)) {
      throw new Error(
        `clusters[${i}].provisioningState must be one of ${CLUSTER_PROVISIONING_STATES.join(", ")}, got ${JSON.stringify(state)}`,
      );
    }
    requireCount(cluster.readsUntilSucceeded, `clusters[${i}].readsUntilSucceeded`);
    requireCount(
      cluster.kubeletPrincipalNotFoundWrites,
      `clusters[${i}].kubeletPrincipalNotFoundWrites`,
    );
  });
  (seed.registries ?? []).forEach((registry, i) => {
    if (registry.loginServer !== undefined && !HOST.test(registry.loginServer)) {
      throw new Error(
        `registries[${i}].loginServer must be a host name such as myacr.azurecr.io, got ${JSON.stringify(registry.loginServer)}`,
      );
    }
  });
  const taken = seed.takenRegistryNames ?? [];
  if (!Array.isArray(taken)) throw new Error("takenRegistryNames must be an array of names");
  taken.forEach((name, i) => {
    if (typeof name !== "string" || !isValidRegistryName(name)) {
      throw new Error(
        `takenRegistryNames[${i}] must be 5-50 letters or digits, got ${JSON.stringify(name)}`,
      );
    }
  });
  const suffix = seed.acrLoginServerSuffix;
  if (suffix !== undefined && !HOST.test(suffix)) {
    throw new Error(
      `acrLoginServerSuffix must be a DNS suffix such as azurecr.us, got ${JSON.stringify(suffix)}`,
    );
  }
}

function requireCount(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(`${field} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
}
