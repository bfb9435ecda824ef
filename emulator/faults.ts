import type { EmulatorRequest } from "./exchange.ts";

/**
 * A misbehaviour to play on the next matching request(s): an error status instead of the real
 * answer, latency, a dropped connection, or a state change slipped in just before the request
 * is handled (a concurrent writer, a replication delay catching up).
 */
export interface Fault {
  /** Only requests with this method (any case); all methods if omitted. */
  readonly method?: string;
  /**
   * Only requests whose path (as sent, without the query) matches: a RegExp, or a substring
   * compared without regard to case, since ARM paths are case-insensitive.
   */
  readonly path?: RegExp | string;
  /** How many matching requests it affects; 1 if omitted, `Infinity` for all. */
  readonly times?: number;
  /** Answer with this status instead of handling the request. */
  readonly status?: number;
  /** The body for `status`; an ARM error body suited to the status if omitted. */
  readonly body?: unknown;
  /** Extra response headers (e.g. `Retry-After`), with `status` or on the real answer. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long first. */
  readonly delayMs?: number;
  /** Destroy the connection instead of answering (after `delayMs`, if any). */
  readonly reset?: boolean;
  /**
   * Run first, with the request (its decoded path segments and body), then handle the request
   * normally (unless `status` or `reset` is also set): a concurrent writer or deleter.
   */
  readonly before?: (request: EmulatorRequest) => void;
  /**
   * Handle the request for real (its write is applied), then drop the connection instead of
   * sending the answer: the client cannot tell whether its write happened.
   */
  readonly resetAfterApplying?: boolean;
  /** Never answer: hold the connection open until the client gives up or the emulator closes. */
  readonly hang?: boolean;
  /**
   * Answer `status` (200 if omitted) with headers promising a body, then send it a byte every
   * this many ms and never finish, until the client gives up or the emulator closes.
   */
  readonly dripEveryMs?: number;
  /** The body for `status`, made from the request's body (an error that echoes what was sent). */
  readonly bodyFrom?: (requestBody: string) => unknown;
}

interface ArmedFault {
  readonly fault: Fault;
  remaining: number;
}

/** Injected faults, first in first served; each match uses one of a fault's `times`. */
export class FaultQueue {
  #armed: ArmedFault[] = [];
  readonly #onClear: (() => void)[] = [];

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!(times > 0)) throw new Error(`Fault.times must be positive, got ${times}`);
    this.#armed.push({ fault, remaining: times });
  }

  /** The first fault matching the request, with one use consumed, or undefined. */
  take(method: string, path: string): Fault | undefined {
    const armed = this.#armed.find((candidate) => faultMatches(candidate.fault, method, path));
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed = this.#armed.filter((other) => other !== armed);
    return armed.fault;
  }

  clear(): void {
    this.#armed = [];
    for (const listener of this.#onClear) listener();
  }

  /** Also disarms faults kept elsewhere (a failing long-running operation) on `clear()`. */
  onClear(listener: () => void): void {
    this.#onClear.push(listener);
  }
}

function faultMatches(fault: Fault, method: string, path: string): boolean {
  if (fault.method && fault.method.toUpperCase() !== method.toUpperCase()) return false;
  if (fault.path === undefined) return true;
  if (typeof fault.path === "string") return path.toLowerCase().includes(fault.path.toLowerCase());
  fault.path.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
  return fault.path.test(path);
}

/** The `error.code` ARM uses for a status, for faults that give no body of their own. */
export function defaultFaultBody(status: number): unknown {
  const known: Record<number, [string, string]> = {
    400: ["BadRequest", "The request is invalid."],
    401: ["AuthenticationFailed", "Authentication failed."],
    403: ["AuthorizationFailed", "The client does not have authorization to perform action."],
    404: ["NotFound", "The requested resource was not found."],
    409: ["Conflict", "The request conflicts with the current state of the resource."],
    429: ["TooManyRequests", "The request is being throttled. Please retry later."],
    500: ["InternalServerError", "The server encountered an internal error. Please retry."],
    502: ["BadGateway", "The gateway did not receive a valid response. Please retry."],
    503: ["ServiceUnavailable", "The service is temporarily unavailable. Please retry."],
    504: ["GatewayTimeout", "The gateway did not receive a response in time. Please retry."],
  };
  const [code, message] = known[status] ?? ["EmulatedFault", `Injected fault (HTTP ${status}).`];
  return { error: { code, message } };
}
