import { ActionError, quote } from "../errors.ts";
import {
  checkedCloudName,
  isMicrosoftSignInHost,
  namedAudienceOf,
  onSameDomain,
} from "./endpoint-rules.ts";
import { parseEndpoint, refuseInput, SignInInputs } from "./inputs.ts";

/** The endpoints of the Azure cloud the run talks to. */
export interface Cloud {
  /** `AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`, or the name a custom cloud gives itself. */
  readonly name: string;
  /** ARM, without a trailing slash: `https://management.azure.com`. */
  readonly resourceManagerEndpoint: string;
  /** Entra ID sign-in host, without a trailing slash: `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** The resource ARM tokens are issued for (their `aud`), as the cloud names it. */
  readonly resourceManagerAudience: string;
  /** Microsoft Graph, without a trailing slash: `https://graph.microsoft.com`. */
  readonly graphEndpoint: string;
}

/**
 * The named clouds. ARM endpoints as in the Azure SDK's own table (`getArmEndpoint` of
 * @azure/arm-containerservice's cloudSettingHelpers); sign-in hosts as @azure/identity's
 * `AzureAuthorityHosts`; Graph per cloud as `az cloud show` lists `microsoftGraphResourceId`
 * (learn.microsoft.com: "National cloud deployments" of Microsoft Graph). ARM tokens are asked
 * for the ARM endpoint itself, as the SDK clients do.
 */
export const NamedClouds = {
  AzureCloud: {
    name: "AzureCloud",
    resourceManagerEndpoint: "https://management.azure.com",
    authorityHost: "https://login.microsoftonline.com",
    resourceManagerAudience: "https://management.azure.com",
    graphEndpoint: "https://graph.microsoft.com",
  },
  AzureUSGovernment: {
    name: "AzureUSGovernment",
    resourceManagerEndpoint: "https://management.usgovcloudapi.net",
    authorityHost: "https://login.microsoftonline.us",
    resourceManagerAudience: "https://management.usgovcloudapi.net",
    graphEndpoint: "https://graph.microsoft.us",
  },
  AzureChinaCloud: {
    name: "AzureChinaCloud",
    resourceManagerEndpoint: "https://management.chinacloudapi.cn",
    authorityHost: "https://login.chinacloudapi.cn",
    resourceManagerAudience: "https://management.chinacloudapi.cn",
    graphEndpoint: "https://microsoftgraph.chinacloudapi.cn",
  },
} as const satisfies Record<string, Cloud>;

export type NamedCloud = keyof typeof NamedClouds;

/** What the `environment` input may say: the named clouds, and AzureStack for the rest. */
export const ENVIRONMENTS = [...(Object.keys(NamedClouds) as NamedCloud[]), "AzureStack"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * Which cloud, as far as the inputs tell without a request: a named cloud (its table entry,
 * perhaps with another sign-in host), or a custom one (Azure Stack Hub, a private cloud, the
 * emulator) whose endpoints come from its ARM metadata.
 */
export type CloudChoice =
  | { readonly kind: "named"; readonly cloud: Cloud }
  | {
      readonly kind: "custom";
      readonly resourceManagerEndpoint: string;
      /** Overrides the metadata's sign-in host when set. */
      readonly authorityHost: string | undefined;
    };

/** `environment`, case-insensitive as azure/login takes it; blank means AzureCloud. */
export function parseEnvironment(raw: string): Environment {
  if (raw === "") return "AzureCloud";
  const found = ENVIRONMENTS.find((name) => name.toLowerCase() === raw.toLowerCase());
  if (found) return found;
  const retired = raw.toLowerCase() === "azuregermancloud";
  refuseInput(
    SignInInputs.Environment,
    raw,
    retired ? "names Microsoft Cloud Deutschland, which closed in 2021" : "is not an Azure cloud",
    `Use one of: ${ENVIRONMENTS.join(", ")}. For Azure Stack Hub or another private cloud, use ` +
      `AzureStack and set '${SignInInputs.ResourceManagerEndpoint}' to its ARM endpoint.`,
  );
}

/**
 * The cloud from `environment`, `resource-manager-endpoint` and `authority-host` (each may also
 * come from `creds`). An ARM endpoint of a named cloud selects that cloud; any other makes a
 * custom cloud, discovered from its metadata: so `resource-manager-endpoint` alone is enough
 * for Azure Stack Hub.
 */
export function parseCloudChoice(
  environmentRaw: string,
  resourceManagerEndpointRaw: string,
  authorityHostRaw: string,
  /** Where the two endpoints came from, for messages: an input, or a field of `creds`. */
  from: { readonly endpoint: string; readonly authority: string } = {
    endpoint: SignInInputs.ResourceManagerEndpoint,
    authority: SignInInputs.AuthorityHost,
  },
): CloudChoice {
  const environment = parseEnvironment(environmentRaw);
  const endpoint =
    resourceManagerEndpointRaw === ""
      ? undefined
      : parseEndpoint(from.endpoint, resourceManagerEndpointRaw);
  const authorityHost =
    authorityHostRaw === "" ? undefined : parseEndpoint(from.authority, authorityHostRaw);
  const withAuthority = (cloud: Cloud): CloudChoice => ({
    kind: "named",
    cloud: authorityHost ? { ...cloud, authorityHost } : cloud,
  });

  if (endpoint === undefined) {
    if (environment === "AzureStack") {
      throw new ActionError(
        `'${SignInInputs.Environment}: AzureStack' needs '${SignInInputs.ResourceManagerEndpoint}'.`,
        {
          remedy:
            `Set '${SignInInputs.ResourceManagerEndpoint}' to the ARM endpoint of your Azure Stack ` +
            `Hub (e.g. https://management.<region>.<fqdn>); the rest is read from its metadata.`,
        },
      );
    }
    return withAuthority(NamedClouds[environment]);
  }
  const named = Object.values(NamedClouds).find((c) => c.resourceManagerEndpoint === endpoint);
  // A named cloud's own ARM host is that cloud, whatever else is said: its metadata is never read.
  if (
    named &&
    (environment === named.name || environment === "AzureCloud" || environment === "AzureStack")
  ) {
    return withAuthority(named);
  }
  if (environment !== "AzureCloud" && environment !== "AzureStack") {
    throw new ActionError(
      `'${SignInInputs.Environment}: ${environment}' uses ` +
        `${NamedClouds[environment].resourceManagerEndpoint}, but '${from.endpoint}' says ` +
        `${quote(endpoint)}.`,
      {
        remedy:
          `Keep one: '${SignInInputs.Environment}' for Azure's own clouds, or ` +
          `'${SignInInputs.ResourceManagerEndpoint}' (with environment AzureStack or unset) for ` +
          `Azure Stack Hub and other private clouds.`,
      },
    );
  }
  return { kind: "custom", resourceManagerEndpoint: endpoint, authorityHost };
}

/** The API version of the metadata format read here (one object for the cloud asked). */
export const METADATA_API_VERSION = "2022-09-01";

export function metadataUrl(resourceManagerEndpoint: string): string {
  return `${resourceManagerEndpoint}/metadata/endpoints?api-version=${METADATA_API_VERSION}`;
}

/** The fields of ARM's cloud metadata this action uses. */
interface CloudMetadata {
  readonly name?: unknown;
  readonly authentication?: {
    readonly loginEndpoint?: unknown;
    readonly audiences?: unknown;
    readonly identityProvider?: unknown;
  };
  readonly microsoftGraphResourceId?: unknown;
}

/**
 * A custom cloud from its ARM metadata (`GET {endpoint}/metadata/endpoints`): the sign-in host
 * (unless `authority-host` says otherwise), the audience of ARM tokens (the first of
 * `authentication.audiences`, which is not the endpoint on Azure Stack Hub) and Graph.
 *
 * The metadata is unauthenticated and comes from the host the user named, so nothing in it is
 * taken on trust: an audience of a named cloud (a token for Azure's own ARM or Graph, sent to
 * this host) is refused; its sign-in host is used only on the endpoint's own domain (or
 * Microsoft's own Entra ID, where Azure Stack Hub with Entra ID signs in), else `authority-host`
 * must say where secrets go; its display name only when it is plain and no named cloud's.
 */
export function cloudFromMetadata(
  choice: Extract<CloudChoice, { kind: "custom" }>,
  body: unknown,
): Cloud {
  const endpoint = choice.resourceManagerEndpoint;
  const unusable = (what: string) =>
    new ActionError(
      `The cloud metadata at ${metadataUrl(endpoint)} has ${what}, so the sign-in endpoints ` +
        `cannot be known.`,
      {
        remedy:
          `Check '${SignInInputs.ResourceManagerEndpoint}': it must be the ARM endpoint of the ` +
          `cloud (for Azure Stack Hub, https://management.<region>.<fqdn>).`,
      },
    );
  const metadata = (typeof body === "object" && body !== null ? body : {}) as CloudMetadata;
  const audiences = metadata.authentication?.audiences;
  const audience: unknown = Array.isArray(audiences) ? (audiences as unknown[])[0] : undefined;
  if (typeof audience !== "string" || audience === "") {
    throw unusable("no authentication.audiences");
  }
  const claimed = namedAudienceOf(audience, endpoint);
  if (claimed !== undefined) {
    throw new ActionError(
      `Refusing to sign in: the cloud metadata at ${metadataUrl(endpoint)} says ARM tokens for ` +
        `${endpoint} have the audience ${quote(audience)}, which is ${claimed}. A token for ` +
        `that audience is a real token of Azure's own cloud, and it would be sent to ${endpoint}.`,
      {
        remedy:
          `For Azure's own clouds, leave '${SignInInputs.ResourceManagerEndpoint}' unset and set ` +
          `'${SignInInputs.Environment}'. Otherwise check that '${SignInInputs.ResourceManagerEndpoint}' ` +
          `is really your Azure Stack Hub or private cloud: its metadata must name its own audience.`,
      },
    );
  }
  if (metadata.authentication?.identityProvider === "ADFS") {
    throw new ActionError(
      `The cloud at ${endpoint} signs in with AD FS, which this action does not support.`,
      {
        remedy:
          "Use an Azure Stack Hub that signs in with Microsoft Entra ID, or grant the role with " +
          "the Azure CLI (az role assignment create --role AcrPull ...).",
      },
    );
  }
  const authorityHost = choice.authorityHost ?? signInHostOf(endpoint, metadata, unusable);
  const graph = metadata.microsoftGraphResourceId;
  return {
    name: checkedCloudName(metadata.name, Object.keys(NamedClouds), "AzureStack"),
    resourceManagerEndpoint: endpoint,
    authorityHost,
    resourceManagerAudience: audience.replace(/\/+$/, ""),
    graphEndpoint:
      typeof graph === "string" && /^https:\/\/[^/?#\s]+\/?$/i.test(graph)
        ? new URL(graph).origin
        : NamedClouds.AzureCloud.graphEndpoint,
  };
}

/** The metadata's sign-in host, when a secret may go there; else a refusal naming the fix. */
function signInHostOf(
  endpoint: string,
  metadata: CloudMetadata,
  unusable: (what: string) => ActionError,
): string {
  const login = metadata.authentication?.loginEndpoint;
  if (typeof login !== "string") throw unusable("no authentication.loginEndpoint");
  let origin: string;
  try {
    origin = new URL(login).origin;
  } catch {
    throw unusable(`a loginEndpoint that is not a URL (${quote(login)})`);
  }
  if (
    origin.startsWith("https://") &&
    (onSameDomain(endpoint, origin) || isMicrosoftSignInHost(origin))
  ) {
    return origin;
  }
  throw new ActionError(
    `Refusing to sign in: the cloud metadata at ${metadataUrl(endpoint)} names ${quote(origin)} ` +
      `as its sign-in host, which is neither on the domain of ${endpoint} nor Microsoft's Entra ` +
      `ID; the client secret or GitHub's token would be sent there.`,
    {
      remedy:
        `Set '${SignInInputs.AuthorityHost}' to the sign-in host you trust for this cloud (e.g. ` +
        `https://login.microsoftonline.com), or check '${SignInInputs.ResourceManagerEndpoint}'.`,
    },
  );
}

/** The OAuth scope for ARM tokens: `{audience}/.default`. */
export function armScope(cloud: Cloud): string {
  return `${cloud.resourceManagerAudience}/.default`;
}

const KNOWN_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
]);

/**
 * MSAL checks an authority it does not know against the public cloud's discovery service. A
 * private cloud or a local emulator cannot be found there (and a runner may not reach it), so
 * discovery is only left on for Microsoft's own sign-in hosts.
 */
export function needsInstanceDiscovery(cloud: Pick<Cloud, "authorityHost">): boolean {
  return KNOWN_AUTHORITY_HOSTS.has(new URL(cloud.authorityHost).hostname);
}
