import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
} from "@azure/core-rest-pipeline";
import { Inputs } from "../names.ts";
import { reliabilityPolicy, type RetryBudget } from "./retry.ts";
import { guardTokenHosts } from "./token-host-policy.ts";

/**
 * GETs a custom cloud's ARM metadata with the SDK's own pipeline (HTTPS_PROXY / NO_PROXY as the
 * clients honour them) and the run's retry policy, so throttling and drops are retried within
 * `timeout-seconds` as for every ARM request. It carries no token, and the token host policy
 * makes sure of it. Out of time, or asked to wait longer than is left, it throws the retry
 * policy's ActionError, which says so.
 */
export async function fetchCloudMetadata(
  url: string,
  signal: AbortSignal,
  budget: RetryBudget,
  userAgent: string,
  /** The run's connections (connections.ts); a client of its own by default. */
  httpClient: HttpClient = createDefaultHttpClient(),
): Promise<unknown> {
  const pipeline = createPipelineFromOptions({
    userAgentOptions: { userAgentPrefix: userAgent },
    retryOptions: { maxRetries: 0 },
  });
  pipeline.addPolicy(reliabilityPolicy(budget));
  guardTokenHosts(pipeline, []);
  const response = await pipeline.sendRequest(
    httpClient,
    createPipelineRequest({ url, method: "GET", abortSignal: signal }),
  );
  if (response.status === 429) {
    throw new Error(
      `HTTP 429 (throttled) until too little of ${Inputs.TimeoutSeconds} was left to retry`,
    );
  }
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  try {
    return JSON.parse((response.bodyAsText ?? "").replace(/^\uFEFF/, "")) as unknown;
  } catch {
    throw new Error("the answer is not JSON");
  }
}
