import type { Pipeline, PipelinePolicy } from "@azure/core-rest-pipeline";
import { ActionError, quote } from "../errors.ts";
import { Inputs } from "../names.ts";

export const TOKEN_HOST_POLICY_NAME = "aksAttachAcrTokenHost";

/**
 * Refuses to send a bearer token anywhere but the hosts it was requested for. It runs last,
 * after the bearer token policy and after redirects are followed, so it sees every request as it
 * goes on the wire: a `nextLink` or a `Location` that points elsewhere (another host, another
 * port, plain http) fails the run instead of carrying the token there.
 */
export function tokenHostPolicy(allowedOrigins: readonly string[]): PipelinePolicy {
  const allowed = new Set(allowedOrigins.map(originOf));
  const where = [...allowed].join(" and ");
  return {
    name: TOKEN_HOST_POLICY_NAME,
    async sendRequest(request, next) {
      const target = originOf(request.url);
      if (request.headers.has("authorization") && !allowed.has(target)) {
        throw new ActionError(
          `Refused to send the run's token to ${quote(target)}: an answer from Azure (a nextLink ` +
            `or a redirect) led ${request.method} ${quote(pathOf(request.url))} there, but tokens ` +
            `go only to ${where}.`,
          {
            remedy:
              `Nothing was sent. Check '${Inputs.ResourceManagerEndpoint}' (and any proxy in ` +
              "between): " +
              "something answered for ARM with a link to another host.",
          },
        );
      }
      const response = await next(request);
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== undefined) {
        const redirected = originOf(new URL(location, request.url).href);
        if (!allowed.has(redirected)) {
          throw new ActionError(
            `${request.method} ${quote(pathOf(request.url))} was answered with a redirect ` +
              `(${response.status}) to ${quote(redirected)}, which is not ${where}; the action ` +
              `does not follow it, nor send its token there.`,
            {
              remedy:
                `Check '${Inputs.ResourceManagerEndpoint}' (and any proxy in between): Azure's ARM and ` +
                "Graph do not redirect to other hosts.",
            },
          );
        }
      }
      return response;
    },
  };
}

/** Adds the policy after every other (after signing, after redirects). */
export function guardTokenHosts(pipeline: Pipeline, allowedOrigins: readonly string[]): void {
  pipeline.addPolicy(tokenHostPolicy(allowedOrigins), { afterPhase: "Sign" });
}

function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin === "null" ? url : parsed.origin;
  } catch {
    return url;
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
