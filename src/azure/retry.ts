import type {
  PipelinePolicy,
  PipelineRequest,
  PipelineResponse,
  SendRequest,
} from "@azure/core-rest-pipeline";
import { ActionError } from "../errors.ts";
import { Inputs } from "../names.ts";

/**
 * Retries for every ARM and Graph request, in place of the SDKs' own, because only this policy
 * knows the run's deadline: it never sleeps past `timeout-seconds`, and it says so when Azure
 * asks it to wait longer than the time left.
 *
 * Retried: 429 and 5xx (honouring Retry-After), dropped connections, an attempt that takes too
 * long, and `PrincipalNotFound` on a role assignment write (a new identity takes a while to
 * replicate through Entra ID). Everything else (403, 404, other 400s, 409) fails at once.
 */

export interface RetryClock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** In [0, 1): spreads concurrent runs' retries apart. */
  random(): number;
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      // Rejects with the signal's own reason (a TimeoutError at the run's deadline), as Node's
      // own timers do; the reason is whatever the signal's owner aborted with.
      if (signal.aborted) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
};

export interface RetryBudget {
  /** Epoch milliseconds after which nothing more is tried. */
  readonly deadline: number;
  /** When the run started (epoch ms): what tells an assignment made before it from its own. */
  readonly started?: number;
  readonly signal: AbortSignal;
  readonly clock: RetryClock;
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
/** No single attempt may use more than this share of the whole budget, so one retry fits. */
const ATTEMPT_SHARE = 1 / 3;
const MAX_ATTEMPT_MS = 60_000;

/** Capped exponential backoff with jitter: attempt 0 waits 250-500 ms, then doubling, to 15 s. */
export function backoffMs(attempt: number, random: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** `Retry-After` in seconds or as an HTTP date, or Azure's millisecond variants. */
export function retryAfterMs(headers: { get(name: string): string | undefined }, now: number) {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const value = headers.get("retry-after");
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Why a response deserves another try, or undefined when it does not. */
function retryReason(request: PipelineRequest, response: PipelineResponse): string | undefined {
  const { status } = response;
  if (status === 429) return "throttled (429)";
  if (status >= 500 && status !== 501 && status !== 505) return `server error (${status})`;
  if (
    status === 400 &&
    request.method === "PUT" &&
    /\/roleAssignments\//i.test(request.url) &&
    /"code"\s*:\s*"PrincipalNotFound"/.test(response.bodyAsText ?? "")
  ) {
    return "the identity is not yet known to Entra ID (PrincipalNotFound)";
  }
  return undefined;
}

function describeRequest(request: PipelineRequest): string {
  const url = new URL(request.url);
  return `${request.method} ${url.pathname}`;
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return (
    error.name === "AbortError" ||
    (error.name === "RestError" &&
      (code === "REQUEST_SEND_ERROR" ||
        code === "ECONNRESET" ||
        code === "ECONNREFUSED" ||
        code === "ETIMEDOUT" ||
        code === "EPIPE" ||
        code === "ENOTFOUND" ||
        code === "EAI_AGAIN"))
  );
}

/** A write whose connection failed after it was sent may have been carried out all the same. */
function isWrite(request: PipelineRequest): boolean {
  return request.method === "PUT" || request.method === "DELETE" || request.method === "PATCH";
}

function outOfTime(
  what: string,
  request: PipelineRequest,
  cause?: unknown,
  maybeWritten = false,
): ActionError {
  const written = maybeWritten
    ? ` The connection failed after the ${request.method} was sent, so Azure may have made ` +
      `the change all the same: re-running the job converges (it finds what is there and ` +
      `changes only what is missing).`
    : "";
  return new ActionError(
    `Ran out of time (${Inputs.TimeoutSeconds}) while ${what}: ${describeRequest(request)} was still pending.${written}`,
    {
      remedy: `Raise '${Inputs.TimeoutSeconds}', or re-run the job when Azure is less busy.`,
      cause,
    },
  );
}

/**
 * Sends one attempt with its own time limit, as a signal joined to the run's and cleared when the
 * attempt ends. (The SDK's `request.timeout` starts a timer its HTTP client clears only when an
 * answer comes: after a dropped connection it would keep the process alive that long.)
 */
async function sendAttempt(
  request: PipelineRequest,
  next: SendRequest,
  runSignal: AbortSignal,
  limitMs: number,
): Promise<PipelineResponse> {
  const attempt = new AbortController();
  const timer = setTimeout(() => {
    attempt.abort(new DOMException("The attempt took too long.", "AbortError"));
  }, limitMs);
  // The SDK's own signal (an operation's abortSignal) is a DOM AbortSignal on Node.
  const own = request.abortSignal as AbortSignal | undefined;
  request.abortSignal = AbortSignal.any([runSignal, attempt.signal, ...(own ? [own] : [])]);
  try {
    return await next(request);
  } finally {
    clearTimeout(timer);
    if (own) request.abortSignal = own;
    else delete request.abortSignal;
  }
}

/** Writes an attempt of which was sent and never answered: Azure may have made the change. */
const unanswered = new WeakSet<PipelineRequest>();

/**
 * Whether an earlier attempt of this write went unanswered (its connection dropped, or it took
 * too long), so that a later answer of "it exists" may be of this very write.
 */
export function hadUnansweredAttempt(request: PipelineRequest): boolean {
  return unanswered.has(request);
}

export function reliabilityPolicy(budget: RetryBudget): PipelinePolicy {
  const { clock, deadline, signal } = budget;
  return {
    name: "aksAttachAcrRetry",
    async sendRequest(request, next) {
      // Set once a write's connection failed: the write may have happened.
      let maybeWritten = false;
      // The caller's own signal: a request it gave up on is not tried again.
      const callers = request.abortSignal;
      for (let attempt = 0; ; attempt++) {
        const left = deadline - clock.now();
        if (left <= 0 || signal.aborted) {
          throw outOfTime("waiting for Azure", request, undefined, maybeWritten);
        }
        const limitMs = Math.max(1, Math.min(MAX_ATTEMPT_MS, Math.ceil(left * ATTEMPT_SHARE)));
        let reason: string;
        let waitMs: number;
        // Some SDK clients turn an error status into a thrown RestError further down the
        // pipeline: judge its response the same way as a returned one.
        let response: PipelineResponse | undefined;
        let thrown: unknown;
        try {
          response = await sendAttempt(request, next, signal, limitMs);
        } catch (error) {
          if (error instanceof ActionError) throw error;
          if (callers?.aborted) throw error;
          thrown = error;
          response = (error as { response?: PipelineResponse }).response;
          if (!response && isWrite(request) && isTransient(error)) {
            maybeWritten = true;
            unanswered.add(request);
          }
          // The deadline can pass while the request is in flight, whatever the check above said.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- it can change
          if (signal.aborted) throw outOfTime("waiting for Azure", request, error, maybeWritten);
        }
        if (response) {
          const why = retryReason(request, response);
          if (why === undefined) {
            // What the pipeline threw goes on unchanged: it is the SDK's RestError, or a network error.
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrown as caught
            if (thrown !== undefined) throw thrown;
            return response;
          }
          reason = why;
          const asked = retryAfterMs(response.headers, clock.now());
          waitMs = asked ?? backoffMs(attempt, clock.random());
          if (asked !== undefined && asked > deadline - clock.now()) {
            throw new ActionError(
              `Azure asked to wait ${Math.ceil(asked / 1000)} s before retrying ` +
                `${describeRequest(request)} (${why}), but only ` +
                `${Math.max(0, Math.floor((deadline - clock.now()) / 1000))} s of ${Inputs.TimeoutSeconds} remain.`,
              {
                remedy: `Re-run the job later, or raise '${Inputs.TimeoutSeconds}'.`,
                cause: thrown,
              },
            );
          }
          if (clock.now() + waitMs >= deadline) {
            // What the pipeline threw goes on unchanged: it is the SDK's RestError, or a network error.
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrown as caught
            if (thrown !== undefined) throw thrown;
            return response;
          }
        } else {
          if (!isTransient(thrown)) throw thrown;
          reason =
            thrown instanceof Error && thrown.name === "AbortError"
              ? "no answer in time"
              : "connection failed";
          waitMs = backoffMs(attempt, clock.random());
          if (clock.now() + waitMs >= deadline) {
            throw outOfTime(`retrying (${reason})`, request, thrown, maybeWritten);
          }
        }
        try {
          await clock.sleep(waitMs, signal);
        } catch (error) {
          throw outOfTime(`waiting to retry (${reason})`, request, error, maybeWritten);
        }
      }
    },
  };
}
