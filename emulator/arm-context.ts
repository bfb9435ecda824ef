import { armErrors } from "./arm-errors.ts";
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "./exchange.ts";
import type { EmulatorState } from "./state.ts";
import type { TokenAuthority } from "./tokens.ts";

export interface ArmContext {
  readonly state: EmulatorState;
  readonly tokens: TokenAuthority;
  /** `https://127.0.0.1:<port>`: the ARM endpoint, and the audience its tokens must carry. */
  readonly baseUrl: string;
  /** Items per page of a list before a `nextLink` is given. */
  readonly pageSize: number;
}

/** An authenticated ARM request, ready for a resource provider. */
export interface ArmCall {
  readonly request: EmulatorRequest;
  readonly context: ArmContext;
  /** Object id of the caller, from its token. */
  readonly caller: string;
  readonly apiVersion: string;
}

/**
 * A `{value, nextLink}` page. The continuation is a `$skiptoken` on the same URL, as ARM's
 * list operations do, so clients must follow `nextLink` to see everything.
 */
export function pagedList(call: ArmCall, items: readonly unknown[]): EmulatorResponse {
  const { request, context } = call;
  const skip = Number.parseInt(request.query.get("$skiptoken") ?? "0", 10) || 0;
  const page = items.slice(skip, skip + context.pageSize);
  const body: { value: unknown[]; nextLink?: string } = { value: page };
  if (skip + context.pageSize < items.length) {
    const next = new URLSearchParams(request.query);
    next.set("$skiptoken", String(skip + context.pageSize));
    body.nextLink = `${context.baseUrl}${request.path}?${next.toString()}`;
  }
  return jsonResponse(200, body);
}

/** The request body as JSON, or ARM's 400 `InvalidRequestContent`. */
export function readJsonBody(request: EmulatorRequest): unknown {
  const text = request.body.toString("utf8");
  if (text.trim() === "") throw armErrors.invalidRequestContent("The request content is empty.");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw armErrors.invalidRequestContent((error as Error).message);
  }
}
