/** The endpoints of the Azure cloud the run talks to. */
export interface Cloud {
  /** ARM, without a trailing slash: `https://management.azure.com`. */
  readonly resourceManagerEndpoint: string;
  /** Entra ID sign-in host, without a trailing slash: `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
}

export const AzurePublicCloud: Cloud = {
  resourceManagerEndpoint: "https://management.azure.com",
  authorityHost: "https://login.microsoftonline.com",
};

const KNOWN_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
]);

/** The OAuth scope for ARM tokens: the token's audience is the ARM endpoint itself. */
export function armScope(cloud: Cloud): string {
  return `${cloud.resourceManagerEndpoint}/.default`;
}

/**
 * MSAL checks an authority it does not know against the public cloud's discovery service. A
 * private cloud or a local emulator cannot be found there (and a runner may not reach it), so
 * discovery is only left on for Microsoft's own sign-in hosts.
 */
export function needsInstanceDiscovery(cloud: Cloud): boolean {
  return KNOWN_AUTHORITY_HOSTS.has(new URL(cloud.authorityHost).hostname);
}
