import { isIP } from "node:net";

/**
 * The rules that keep a token or a secret from going where it does not belong, for a custom
 * cloud whose endpoints come from its unauthenticated ARM metadata. Pure functions over URLs.
 */

/**
 * Token audiences (their hosts) that belong to Microsoft's named clouds: ARM (today's and the
 * classic service management host, which issues the same ARM tokens) and Microsoft Graph (and
 * the retired Azure AD Graph). A token for any of them is a real token of that cloud.
 */
const NAMED_AUDIENCE_HOSTS: Readonly<Record<string, string>> = {
  "management.azure.com": "AzureCloud's ARM",
  "management.core.windows.net": "AzureCloud's ARM",
  "graph.microsoft.com": "AzureCloud's Microsoft Graph",
  "graph.windows.net": "AzureCloud's Azure AD Graph",
  "management.usgovcloudapi.net": "AzureUSGovernment's ARM",
  "management.core.usgovcloudapi.net": "AzureUSGovernment's ARM",
  "graph.microsoft.us": "AzureUSGovernment's Microsoft Graph",
  "dod-graph.microsoft.us": "AzureUSGovernment's Microsoft Graph (DoD)",
  "graph.windows.us": "AzureUSGovernment's Azure AD Graph",
  "management.chinacloudapi.cn": "AzureChinaCloud's ARM",
  "management.core.chinacloudapi.cn": "AzureChinaCloud's ARM",
  "microsoftgraph.chinacloudapi.cn": "AzureChinaCloud's Microsoft Graph",
  "graph.chinacloudapi.cn": "AzureChinaCloud's Azure AD Graph",
};

/** The same resources by application id: Entra ID issues the same tokens for these. */
const NAMED_AUDIENCE_APP_IDS: Readonly<Record<string, string>> = {
  "797f4846-ba00-4fd7-ba43-dac1f8f63013": "Azure's ARM (Windows Azure Service Management API)",
  "00000003-0000-0000-c000-000000000000": "Microsoft Graph",
  "00000002-0000-0000-c000-000000000000": "Azure AD Graph",
};

/**
 * The domains Microsoft's clouds serve their resources under (Key Vault, Storage, ...): a token
 * for any of them is a real token of that cloud too. A custom cloud may sit under one (a VM's
 * `cloudapp.azure.com` name), but then its audience is its own host.
 */
const MICROSOFT_SERVICE_DOMAINS = [
  "azure.com",
  "azure.net",
  "windows.net",
  "microsoft.com",
  "microsoftonline.com",
  "azure.us",
  "usgovcloudapi.net",
  "microsoft.us",
  "microsoftonline.us",
  "chinacloudapi.cn",
  "azure.cn",
];

/** Microsoft's own Entra ID sign-in hosts (Azure Stack Hub with Entra ID signs in there). */
const MICROSOFT_SIGN_IN_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
]);

/**
 * Which named cloud's resource an audience is (`"AzureCloud's ARM"`, or any service under
 * Microsoft's cloud domains other than `endpoint`'s own host), or undefined for any other. Any
 * case, with or without a trailing slash, path or `/.default`.
 */
export function namedAudienceOf(audience: string, endpoint?: string): string | undefined {
  const text = audience.trim().toLowerCase();
  const appId = text.replace(/\/(\.default)?$/, "");
  if (Object.hasOwn(NAMED_AUDIENCE_APP_IDS, appId)) return NAMED_AUDIENCE_APP_IDS[appId];
  let host: string;
  try {
    host = new URL(text).hostname.replace(/\.$/, "");
  } catch {
    return undefined;
  }
  if (Object.hasOwn(NAMED_AUDIENCE_HOSTS, host)) return NAMED_AUDIENCE_HOSTS[host];
  const ownHost = endpoint === undefined ? undefined : hostOf(endpoint);
  const domain = MICROSOFT_SERVICE_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
  return domain !== undefined && host !== ownHost
    ? `a service of Microsoft's clouds (${host})`
    : undefined;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

export function isMicrosoftSignInHost(url: string): boolean {
  try {
    return MICROSOFT_SIGN_IN_HOSTS.has(new URL(url).hostname.toLowerCase());
  } catch {
    return false;
  }
}

/**
 * Whether `other` is on the same domain as the ARM endpoint `endpoint`, so that a secret sent
 * there stays with whoever runs that ARM. For a host name: `other`'s host is the endpoint's
 * host, or its parent domain (the endpoint's host less its first label, as
 * `management.<region>.<fqdn>` and `adfs.<region>.<fqdn>` share `<region>.<fqdn>`) or under it;
 * the parent must keep at least two labels, so `management.example` shares nothing with
 * `login.example`. An IP address has no domain: only the same address and port qualify.
 * Both must be https.
 */
export function onSameDomain(endpoint: string, other: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(endpoint);
    b = new URL(other);
  } catch {
    return false;
  }
  if (a.protocol !== "https:" || b.protocol !== "https:") return false;
  const hostA = bareHost(a);
  const hostB = bareHost(b);
  if (isIP(hostA) !== 0 || isIP(hostB) !== 0) return hostA === hostB && a.port === b.port;
  if (hostA === hostB) return true;
  const labels = hostA.split(".");
  const parent = labels.length > 2 ? labels.slice(1).join(".") : hostA;
  return hostB === parent || hostB.endsWith(`.${parent}`);
}

function bareHost(url: URL): string {
  return url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
}

/**
 * Whether `listed` (the `resourceManager` of a cloud in ARM's metadata) names the ARM endpoint
 * `asked`. Both are read as URLs, so scheme and host compare without case and `:443` is the same
 * as no port; a trailing slash is ignored. The path counts: ARM's API sits at the root of its
 * host (the endpoint input may have no path), so a cloud listed at `https://host/arm` is another
 * endpoint than `https://host`. A value with credentials, a query or a fragment names none.
 */
export function sameArmEndpoint(asked: string, listed: unknown): boolean {
  const a = armEndpointKey(asked);
  return a !== undefined && a === armEndpointKey(listed);
}

function armEndpointKey(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash) return undefined;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** A display name as a cloud's metadata may give it: short, plain, and not a named cloud's. */
export function checkedCloudName(
  raw: unknown,
  namedClouds: readonly string[],
  fallback: string,
): string {
  if (typeof raw !== "string" || !/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(raw)) return fallback;
  if (namedClouds.some((name) => name.toLowerCase() === raw.toLowerCase())) return fallback;
  return raw;
}
