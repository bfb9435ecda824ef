import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import type { TokenCredential } from "@azure/identity";
import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import {
  createDefaultHttpClient,
  createPipelineRequest,
  RestError,
  type HttpClient,
} from "@azure/core-rest-pipeline";
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
  /** The run's connections (connections.ts), shared by every client; its own by default. */
  readonly httpClient?: HttpClient;
}

/** The SDK client classes the ports are built on. */
export interface ArmSdk {
  readonly AuthorizationManagementClient: typeof AuthorizationManagementClient;
  readonly ContainerRegistryManagementClient: typeof ContainerRegistryManagementClient;
  readonly ContainerServiceClient: typeof ContainerServiceClient;
  readonly ResourceGraphClient: typeof ResourceGraphClient;
}

/**
 * Loads the SDK clients. They are most of the bundle, so they are imported only when asked
 * (each is a chunk of its own in dist/), and only once `after` settles: main.ts loads them
 * while the first token is on its way, not before its request is sent.
 */
export async function loadArmSdk(after?: Promise<unknown>): Promise<ArmSdk> {
  await after?.catch(() => undefined);
  const [authorization, registry, service, graph] = await Promise.all([
    import("@azure/arm-authorization"),
    import("@azure/arm-containerregistry"),
    import("@azure/arm-containerservice"),
    import("@azure/arm-resourcegraph"),
  ]);
  return {
    AuthorizationManagementClient: authorization.AuthorizationManagementClient,
    ContainerRegistryManagementClient: registry.ContainerRegistryManagementClient,
    ContainerServiceClient: service.ContainerServiceClient,
    ResourceGraphClient: graph.ResourceGraphClient,
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
    ResourceGraphClient,
  } = await sdk;
  const { credential, endpoint, scope, userAgent, budget } = connection;
  const httpClient = connection.httpClient ?? createDefaultHttpClient();
  // ARM tokens go to ARM only, whatever a nextLink or a redirect says (Graph's pipeline, in
  // directory.ts, guards its own host: a custom cloud's Graph comes from unauthenticated metadata).
  const tokenHosts = [endpoint];
  const userAgentOptions = { userAgentPrefix: userAgent };
  // The SDKs' own retries know nothing of the deadline: ours replace them.
  const retries = {
    httpClient,
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
  const resourceGraph = new ResourceGraphClient(credential, modularOptions);
  guardTokenHosts(resourceGraph.pipeline, tokenHosts);
  /** A GET through Resource Graph's pipeline (bearer token, retries), on this ARM endpoint only. */
  const getArm = async (pathOrUrl: string, signal: AbortSignal): Promise<unknown> => {
    const url = new URL(pathOrUrl, endpoint);
    if (url.origin !== new URL(endpoint).origin) {
      throw new Error(`ARM pointed to another host (${url.origin}); not following it.`);
    }
    const response = await resourceGraph.pipeline.sendRequest(
      httpClient,
      createPipelineRequest({ url: url.href, abortSignal: signal }),
    );
    let body: unknown;
    try {
      body = JSON.parse(response.bodyAsText ?? "null");
    } catch {
      body = undefined;
    }
    if (response.status >= 400) {
      const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof error?.code === "string" ? error.code : undefined;
      const message = typeof error?.message === "string" ? error.message : undefined;
      throw new RestError(message ?? `HTTP ${String(response.status)}`, {
        statusCode: response.status,
        ...(code ? { code } : {}),
        response,
      });
    }
    return body;
  };
  return {
    clusters: createClusterPort(containerService.managedClusters, subscriptionId),
    registries: createRegistryPort({ registriesFor, resourceGraph, getArm }),
    roleAssignments: createRoleAssignmentPort(authorization.roleAssignments, budget),
    roleDefinitions: createRoleDefinitionPort(authorization.roleDefinitions),
    directory: createDirectoryPort(
      { credential, endpoint: connection.graphEndpoint, userAgent, budget },
      httpClient,
    ),
  };
}
