import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import type { TokenCredential } from "@azure/identity";
import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import { createClusterPort } from "./clusters.ts";
import { createRegistryPort } from "./registries.ts";
import { createRoleAssignmentPort } from "./role-assignments.ts";
import { createRoleDefinitionPort } from "./role-definitions.ts";
import { createDirectoryPort } from "./directory.ts";
import type { AzurePorts } from "../domain/ports.ts";
import { reliabilityPolicy, type RetryBudget } from "./retry.ts";
import { guardTokenHosts } from "./token-host-policy.ts";

export interface ArmConnection {
  readonly credential: TokenCredential;
  /** ARM endpoint, e.g. `https://management.azure.com`. */
  readonly endpoint: string;
  /** OAuth scope of ARM tokens for that endpoint. */
  readonly scope: string;
  /** Microsoft Graph of the same cloud, e.g. `https://graph.microsoft.com`. */
  readonly graphEndpoint: string;
  /** Identifies the action in ARM's logs. */
  readonly userAgent: string;
  /** The run's deadline: every request's retries stay within it. */
  readonly budget: RetryBudget;
}

/** The SDK client classes the ports are built on. */
export interface ArmSdk {
  readonly AuthorizationManagementClient: typeof AuthorizationManagementClient;
  readonly ContainerRegistryManagementClient: typeof ContainerRegistryManagementClient;
  readonly ContainerServiceClient: typeof ContainerServiceClient;
}

/**
 * Loads the SDK clients. They are most of the bundle, so they are imported only when asked
 * (each is a chunk of its own in dist/), and only once `after` settles: main.ts loads them
 * while the first token is on its way, not before its request is sent.
 */
export async function loadArmSdk(after?: Promise<unknown>): Promise<ArmSdk> {
  await after?.catch(() => undefined);
  const [authorization, registry, service] = await Promise.all([
    import("@azure/arm-authorization"),
    import("@azure/arm-containerregistry"),
    import("@azure/arm-containerservice"),
  ]);
  return {
    AuthorizationManagementClient: authorization.AuthorizationManagementClient,
    ContainerRegistryManagementClient: registry.ContainerRegistryManagementClient,
    ContainerServiceClient: service.ContainerServiceClient,
  };
}

/**
 * Settles once the process's next HTTP request is written out, or `meanwhile` settles first.
 * Loading a module blocks the event loop: started before that, it would hold the request back.
 */
export function nextRequestSent(meanwhile: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe(REQUEST_START, onRequest);
      resolve();
    };
    const onRequest = (message: unknown) => {
      unsubscribe(REQUEST_START, onRequest);
      const { request } = message as { readonly request: ClientRequest };
      request.once("finish", done).once("close", done);
    };
    subscribe(REQUEST_START, onRequest);
    meanwhile.then(done, done);
  });
}

/** Node's diagnostics channel for an HTTP(S) client request being sent. */
const REQUEST_START = "http.client.request.start";

/**
 * One SDK client per service, each pointed at the cloud's ARM endpoint with a token audience
 * to match (the SDKs' own defaults assume the public cloud).
 */
export async function createAzurePorts(
  connection: ArmConnection,
  subscriptionId: string,
  /** The SDK being loaded, when the caller started that earlier. */
  sdk: Promise<ArmSdk> = loadArmSdk(),
): Promise<AzurePorts> {
  const {
    AuthorizationManagementClient,
    ContainerRegistryManagementClient,
    ContainerServiceClient,
  } = await sdk;
  const { credential, endpoint, scope, userAgent, budget } = connection;
  // Tokens go to ARM and Graph only, whatever a nextLink or a redirect says.
  const tokenHosts = [endpoint, connection.graphEndpoint];
  const userAgentOptions = { userAgentPrefix: userAgent };
  // The SDKs' own retries know nothing of the deadline: ours replace them.
  const retries = {
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: reliabilityPolicy(budget), position: "perCall" as const }],
  };
  const modularOptions = {
    endpoint,
    credentials: { scopes: [scope] },
    userAgentOptions,
    ...retries,
  };
  const registryClients = new Map<string, ContainerRegistryManagementClient>();
  const registriesFor = (subscription: string) => {
    let client = registryClients.get(subscription);
    if (!client) {
      client = new ContainerRegistryManagementClient(credential, subscription, modularOptions);
      guardTokenHosts(client.pipeline, tokenHosts);
      registryClients.set(subscription, client);
    }
    return client.registries;
  };
  const authorization = new AuthorizationManagementClient(credential, subscriptionId, {
    endpoint,
    credentialScopes: [scope],
    userAgentOptions,
    ...retries,
  });
  guardTokenHosts(authorization.pipeline, tokenHosts);
  const containerService = new ContainerServiceClient(credential, subscriptionId, modularOptions);
  guardTokenHosts(containerService.pipeline, tokenHosts);
  return {
    clusters: createClusterPort(containerService.managedClusters, subscriptionId),
    registries: createRegistryPort(registriesFor, subscriptionId),
    roleAssignments: createRoleAssignmentPort(authorization.roleAssignments, budget),
    roleDefinitions: createRoleDefinitionPort(authorization.roleDefinitions),
    directory: createDirectoryPort({
      credential,
      endpoint: connection.graphEndpoint,
      userAgent,
      budget,
    }),
  };
}
