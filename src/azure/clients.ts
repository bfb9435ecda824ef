import type { TokenCredential } from "@azure/identity";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ContainerServiceClient } from "@azure/arm-containerservice";
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

/**
 * One SDK client per service, each pointed at the cloud's ARM endpoint with a token audience
 * to match (the SDKs' own defaults assume the public cloud).
 */
export function createAzurePorts(connection: ArmConnection, subscriptionId: string): AzurePorts {
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
