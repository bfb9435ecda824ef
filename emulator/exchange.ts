import type { IncomingHttpHeaders } from "node:http";

/** Which stand-in answered a request. */
export type ServiceName =
  | "arm"
  | "login"
  | "graph"
  /** GitHub Actions' OIDC token endpoint and issuer. */
  | "github"
  /** A managed identity endpoint (IMDS or App Service style). */
  | "identity"
  /** ARM's cloud metadata endpoint. */
  | "metadata";

/** One request as the services see it: the body already read, the path already split. */
export interface EmulatorRequest {
  readonly method: string;
  /** The path as the client sent it (still percent-encoded). */
  readonly path: string;
  /** Decoded path segments, without empty ones (a doubled `//` yields no empty segment). */
  readonly segments: readonly string[];
  /** The raw query string, without the `?`. */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised as JSON unless it is already a string. Omitted for 204. */
  readonly body?: unknown;
  /** The object id of the authenticated caller, for the request log. */
  readonly callerObjectId?: string;
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): EmulatorResponse {
  return { status, body, headers };
}

export function headerValue(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
