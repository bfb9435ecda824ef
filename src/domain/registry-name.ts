import { createHash } from "node:crypto";

/**
 * Registry names and login servers. A registry's name is 5-50 letters and digits, unique in
 * Azure (it is the first label of a DNS name). Its login server is `<name>.<suffix>`, the
 * suffix being the cloud's (`azurecr.io`, `azurecr.us`, `azurecr.cn`, or what a private
 * cloud's metadata says), or `<name>-<hash>.<suffix>` for a registry created with a domain name
 * label scope.
 */

export const REGISTRY_NAME = /^[a-zA-Z0-9]{5,50}$/;
export const MAX_REGISTRY_NAME = 50;

export function isRegistryName(value: string): boolean {
  return REGISTRY_NAME.test(value);
}

/** What one `acr-name` entry names: the registry name, and the login server when one was given. */
export interface RegistryNameEntry {
  /** Lower-cased. */
  readonly name: string;
  /** Lower-cased, when the entry was a login server. */
  readonly loginServer?: string;
}

/**
 * A registry name or login server, as users have them at hand: `myacr`, `myacr.azurecr.io`,
 * `https://myacr.azurecr.io/`, `myacr-e7d4hkc5.azurecr.us`. The scheme and one trailing slash
 * are dropped; anything with a path, a query, a port or credentials is not a login server.
 * Returns `undefined` for anything else.
 */
export function parseRegistryNameEntry(raw: string): RegistryNameEntry | undefined {
  const host = raw.replace(/^https?:\/\//i, "").replace(/\/$/, "");
  if (!host.includes(".")) return isRegistryName(host) ? { name: host.toLowerCase() } : undefined;
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host)) return undefined;
  const firstLabel = host.slice(0, host.indexOf("."));
  // A domain name label hash follows the name after one dash: myacr-e7d4hkc5.
  const match = /^([a-z0-9]+)(?:-[a-z0-9]+)?$/i.exec(firstLabel);
  const name = match?.[1];
  if (!name || !isRegistryName(name)) return undefined;
  return { name: name.toLowerCase(), loginServer: host.toLowerCase() };
}

/** The seed's `aks-<cluster>-acr`, made a registry name: letters and digits, lower case. */
export function defaultRegistryName(clusterName: string): string {
  return registryNameAround(clusterName, "");
}

/**
 * The default name with a short suffix derived from the cluster's resource id, for when the
 * default name is taken by a registry the caller cannot see: the same cluster always arrives at
 * the same name, so a re-run finds what an earlier run created.
 */
export function suffixedRegistryName(clusterName: string, clusterId: string): string {
  const hash = createHash("sha256").update(clusterId.toLowerCase(), "utf8").digest("hex");
  return registryNameAround(clusterName, hash.slice(0, 6));
}

function registryNameAround(clusterName: string, suffix: string): string {
  const room = MAX_REGISTRY_NAME - "aks".length - "acr".length - suffix.length;
  const core = clusterName
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, room);
  // "aks" + "acr" alone is 6 letters: always at least the minimum length.
  return `aks${core}acr${suffix}`;
}
