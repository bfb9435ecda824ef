/**
 * How the Azure CLI signs in against the emulator (`npm run emulator -- --az`, and the bench):
 * the `az cloud register --cloud-config` JSON, and the commands around it.
 */

/**
 * ARM, an AD FS-style authority (`{url}/adfs`: MSAL then skips instance discovery against the
 * public cloud), the token audience, Graph's resource id, and the registry login server suffix.
 */
export function azCloudConfig(url: string) {
  return {
    endpoints: {
      resourceManager: `${url}/`,
      management: `${url}/`,
      activeDirectory: `${url}/adfs`,
      activeDirectoryResourceId: `${url}/`,
      activeDirectoryGraphResourceId: `${url}/`,
      microsoftGraphResourceId: `${url}/`,
    },
    suffixes: { acrLoginServerEndpoint: ".azurecr.io" },
  };
}

/** The shell lines that point az (in a profile of its own) at the emulator and sign it in. */
export function azSignInCommands(options: {
  url: string;
  caCertPath: string;
  tenantId: string;
  appId: string;
  clientSecret: string;
}): string[] {
  const q = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  return [
    "export AZURE_CONFIG_DIR=$(mktemp -d)",
    `export REQUESTS_CA_BUNDLE=${q(options.caCertPath)}`,
    `az cloud register --name Emulator --cloud-config ${q(JSON.stringify(azCloudConfig(options.url)))}`,
    "az cloud set --name Emulator",
    `az login --service-principal --username ${q(options.appId)} --password ${q(options.clientSecret)} --tenant ${q(options.tenantId)} --output none`,
  ];
}
