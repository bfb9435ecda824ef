import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import { ActionError } from "../errors.ts";
import type { DirectoryPort } from "../domain/ports.ts";
import { answerFrom, freeText } from "./answers.ts";
import { reliabilityPolicy, type RetryBudget } from "./retry.ts";
import { guardTokenHosts } from "./token-host-policy.ts";

export interface GraphConnection {
  readonly credential: TokenCredential;
  /** e.g. `https://graph.microsoft.com`. */
  readonly endpoint: string;
  readonly userAgent: string;
  readonly budget: RetryBudget;
}

interface GraphErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string };
}

/**
 * Microsoft Graph, for the one thing the action asks it: the object id behind a legacy
 * cluster's service principal client id. Built on the same HTTP pipeline as the SDK clients
 * (retries, proxy settings, bearer tokens).
 */
export function createDirectoryPort(
  connection: GraphConnection,
  httpClient?: HttpClient,
): DirectoryPort {
  const pipeline: Pipeline = createPipelineFromOptions({
    userAgentOptions: { userAgentPrefix: connection.userAgent },
    retryOptions: { maxRetries: 0 },
  });
  pipeline.addPolicy(reliabilityPolicy(connection.budget));
  pipeline.addPolicy(
    bearerTokenAuthenticationPolicy({
      credential: connection.credential,
      scopes: `${connection.endpoint}/.default`,
    }),
  );
  guardTokenHosts(pipeline, [connection.endpoint]);
  const client = httpClient ?? createDefaultHttpClient();

  return {
    async servicePrincipalObjectId(appId, { signal }) {
      const url = `${connection.endpoint}/v1.0/servicePrincipals(appId='${encodeURIComponent(appId)}')?$select=id,appId`;
      const scope = `servicePrincipals(appId='${appId}')`;
      let response;
      try {
        response = await pipeline.sendRequest(
          client,
          createPipelineRequest({ url, abortSignal: signal }),
        );
      } catch (error) {
        const reason = freeText(error instanceof Error ? error.message : String(error), 2000);
        throw new ActionError(`Failed to read ${scope} in Microsoft Graph: ${reason}`, {
          remedy: `Check that the runner can reach ${connection.endpoint}.`,
          cause: error,
        });
      }
      const body = parseJson(response.bodyAsText);
      if (response.status === 200) {
        // The object id becomes an output and a role assignment's principal: checked.
        return answerFrom("a service principal", scope).guid("id", body?.["id"]);
      }
      const error = (body as GraphErrorBody | undefined)?.error;
      const rawRequestId = response.headers.get("request-id") ?? undefined;
      const requestId = rawRequestId === undefined ? undefined : freeText(rawRequestId, 100);
      const said = `${error?.code ?? ""}: ${error?.message ?? "no message"}`;
      const detail = `${response.status} ${freeText(said, 2000) ?? ""}`;
      const where = requestId ? ` (request id ${requestId})` : "";
      if (response.status === 403 || response.status === 401) {
        throw new ActionError(
          `Microsoft Graph refused to read the cluster's service principal (client id ${appId}): ${detail}${where}.`,
          {
            remedy:
              `The cluster pulls with a service principal, and a role assignment needs its object ` +
              `id, which only Graph knows. Give the signed-in principal the Graph application ` +
              `permission Application.Read.All (admin consent), or the Directory Readers role. ` +
              `Without it, grant the role yourself as someone who can read the directory: ` +
              `az role assignment create --assignee ${appId} --role AcrPull --scope <registry id>.`,
          },
        );
      }
      if (response.status === 404) {
        throw new ActionError(
          `The cluster's service principal (client id ${appId}) does not exist in the tenant${where}.`,
          {
            remedy:
              `Its credentials may be stale: reset them (az aks update-credentials ` +
              `--reset-service-principal), or move the cluster to managed identity ` +
              `(az aks update --enable-managed-identity).`,
          },
        );
      }
      throw new ActionError(`Failed to read ${scope} in Microsoft Graph: ${detail}${where}.`, {
        remedy: "Re-run the job; if it persists, check Microsoft Graph's status.",
      });
    },
  };
}

function parseJson(text: string | null | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = text ? JSON.parse(text) : undefined;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
