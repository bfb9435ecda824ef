import { ActionError, quote } from "../errors.ts";
import { shown } from "../safe-text.ts";
import {
  checkedCloudName,
  isMicrosoftSignInHost,
  namedAudienceOf,
  onSameDomain,
  sameArmEndpoint,
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

/**
 * The API version asked of a custom cloud's metadata. Azure Stack Hub answers one object, its own
 * cloud; the public cloud's ARM answers an array listing every cloud it knows. Both are read.
 */
export const METADATA_API_VERSION = "2022-09-01";

export function metadataUrl(resourceManagerEndpoint: string): string {
  return `${resourceManagerEndpoint}/metadata/endpoints?api-version=${METADATA_API_VERSION}`;
}

/** The fields of ARM's cloud metadata this action uses. */
interface CloudMetadata {
  readonly name?: unknown;
  readonly resourceManager?: unknown;
  readonly authentication?: {
    readonly loginEndpoint?: unknown;
    readonly audiences?: unknown;
    readonly identityProvider?: unknown;
  };
  readonly microsoftGraphResourceId?: unknown;
}

/** The fix for metadata the sign-in endpoints cannot be read from. */
const CHECK_ENDPOINT =
  `Check '${SignInInputs.ResourceManagerEndpoint}': it must be the ARM endpoint of the cloud ` +
  `(for Azure Stack Hub, https://management.<region>.<fqdn>).`;

/** How many of an array's clouds a message lists; the rest are only counted. */
const LISTED_CLOUDS = 5;

/**
 * A custom cloud from its ARM metadata (`GET {endpoint}/metadata/endpoints`): the sign-in host
 * (unless `authority-host` says otherwise), the audience of ARM tokens (the first of
 * `authentication.audiences`, which is not the endpoint on Azure Stack Hub) and Graph. The answer
 * is one object, the cloud asked, or an array of clouds, of which the one whose `resourceManager`
 * is the endpoint is taken (`sameArmEndpoint`); none or several of them is refused.
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
  const { metadata, at } = Array.isArray(body)
    ? listedCloud(endpoint, body as unknown[])
    : { metadata: asMetadata(body), at: `at ${metadataUrl(endpoint)}` };
  const unusable = (what: string) =>
    new ActionError(
      `The cloud metadata ${at} has ${what}, so the sign-in endpoints cannot be known.`,
      {
        remedy: CHECK_ENDPOINT,
      },
    );
  const audiences = metadata.authentication?.audiences;
  const audience: unknown = Array.isArray(audiences) ? (audiences as unknown[])[0] : undefined;
  if (typeof audience !== "string" || audience === "") {
    throw unusable("no authentication.audiences");
  }
  const claimed = namedAudienceOf(audience, endpoint);
  if (claimed !== undefined) {
    throw new ActionError(
      `Refusing to sign in: the cloud metadata ${at} says ARM tokens for ` +
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
  const authorityHost = choice.authorityHost ?? signInHostOf(endpoint, at, metadata, unusable);
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

function asMetadata(value: unknown): CloudMetadata {
  return typeof value === "object" && value !== null ? value : {};
}

/**
 * From an answer that lists clouds, the one whose `resourceManager` is `endpoint`, and how
 * messages name where it came from. None, or several, is refused with what the list held.
 */
function listedCloud(
  endpoint: string,
  clouds: readonly unknown[],
): { metadata: CloudMetadata; at: string } {
  const url = metadataUrl(endpoint);
  const matches = clouds.filter((cloud) =>
    sameArmEndpoint(endpoint, asMetadata(cloud).resourceManager),
  );
  const [only] = matches;
  if (matches.length === 1) {
    const listed = `${clouds.length} ${plural(clouds.length, "cloud")} listed`;
    return {
      metadata: asMetadata(only),
      at: `at ${url} (its entry for ${endpoint}, of ${listed})`,
    };
  }
  if (clouds.length === 0) {
    throw new ActionError(
      `The cloud metadata at ${url} is an empty list of clouds, so the sign-in endpoints ` +
        `cannot be known.`,
      {
        remedy: CHECK_ENDPOINT,
      },
    );
  }
  if (matches.length === 0) {
    throw new ActionError(
      `The cloud metadata at ${url} lists ${clouds.length} ${plural(clouds.length, "cloud")}, ` +
        `none with resourceManager ${endpoint}: ${listing(clouds)}.`,
      {
        remedy:
          `Set '${SignInInputs.ResourceManagerEndpoint}' to the ARM endpoint of your cloud as its ` +
          `metadata lists it under resourceManager (scheme, host and port; no path), e.g. ` +
          `https://management.<region>.<fqdn> for Azure Stack Hub. For Azure's own clouds, leave it ` +
          `unset and set '${SignInInputs.Environment}'.`,
      },
    );
  }
  throw new ActionError(
    `The cloud metadata at ${url} lists ${matches.length} clouds with resourceManager ` +
      `${endpoint} (of ${clouds.length}): ${listing(matches)}. Which one's sign-in host and ` +
      `token audience are the endpoint's cannot be told, so none is used.`,
    {
      remedy:
        `Check that '${SignInInputs.ResourceManagerEndpoint}' is the ARM endpoint of your cloud. ` +
        `If it is, its metadata is wrong: whoever runs ${endpoint} must list its cloud once in ` +
        `/metadata/endpoints.`,
    },
  );
}

/** The first few clouds of a list, by name and resourceManager, made safe and short. */
function listing(clouds: readonly unknown[]): string {
  const shownClouds = clouds.slice(0, LISTED_CLOUDS).map((cloud) => {
    if (typeof cloud !== "object" || cloud === null || Array.isArray(cloud)) {
      return "an entry that is not an object";
    }
    const { name, resourceManager } = cloud as CloudMetadata;
    const named = typeof name === "string" ? shown(name, 60) : "unnamed";
    const where =
      typeof resourceManager === "string" ? shown(resourceManager, 100) : "no resourceManager";
    return `${named} at ${where}`;
  });
  const more = clouds.length - shownClouds.length;
  return more > 0 ? `${shownClouds.join(", ")}, and ${more} more` : shownClouds.join(", ");
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

/** The metadata's sign-in host, when a secret may go there; else a refusal naming the fix. */
function signInHostOf(
  endpoint: string,
  at: string,
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
    `Refusing to sign in: the cloud metadata ${at} names ${quote(origin)} ` +
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
