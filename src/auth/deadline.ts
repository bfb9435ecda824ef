import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { ActionError } from "../errors.ts";
import { Inputs } from "../names.ts";

/**
 * `timeout-seconds` while signing in. MSAL's requests, the Azure CLI and `core.getIDToken` take
 * no abort signal, so each sign-in step is raced against the run's deadline, and the step that
 * was pending when it passed is named in the failure.
 */

/** What sign-in is waiting for right now, for the message when time runs out. */
export interface SignInProgress {
  /** `at https://login.microsoftonline.com`, `through the Azure CLI`. */
  where: string;
  /** `the token request (POST /{tenant}/oauth2/v2.0/token)`. */
  pending: string;
  /** The last answer that was not a success (`429 with Retry-After: 3600`), if any. */
  lastAnswer?: string | undefined;
}

/** Sign-in ran out of time; what it waited for may still hold the process (see main.ts). */
export class SignInTimeout extends ActionError {
  constructor(progress: SignInProgress, seconds: number | undefined) {
    const after = seconds === undefined ? "" : ` after ${seconds} s`;
    const last = progress.lastAnswer ? `; the last answer was ${progress.lastAnswer}` : "";
    super(
      `Timed out signing in ${progress.where}${after} (${Inputs.TimeoutSeconds}): ${progress.pending} ` +
        `was still pending${last}.`,
      {
        remedy:
          `Raise '${Inputs.TimeoutSeconds}', or check that the runner can reach the sign-in host (behind ` +
          "a proxy: HTTPS_PROXY, NO_PROXY); a 429 means Entra ID throttles this app: re-run later.",
      },
    );
    this.name = "SignInTimeout";
  }
}

/**
 * `work`, or a SignInTimeout when `signal` aborts first (the message is written then, from
 * `progress` as it is at that moment). `work` itself is not stopped: nothing lets it be.
 */
export function raceDeadline<T>(
  work: Promise<T>,
  signal: AbortSignal,
  progress: SignInProgress,
  seconds?: number,
): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new SignInTimeout(progress, seconds));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(new SignInTimeout(progress, seconds));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * For the identity library's own HTTP pipeline, on each try: every request it sends (MSAL's,
 * the managed identity endpoint's) aborts at the deadline, retry waits included, and each is
 * noted in `progress`, with its answer when that is an error (a 429 and its Retry-After).
 */
export function signInRequestPolicy(signal: AbortSignal, progress: SignInProgress): PipelinePolicy {
  return {
    name: "aksAttachAcrSignInDeadline",
    async sendRequest(request, next) {
      if (request.abortSignal !== signal) {
        request.abortSignal = request.abortSignal
          ? AbortSignal.any([request.abortSignal as AbortSignal, signal])
          : signal;
      }
      const url = new URL(request.url);
      progress.where = `at ${url.origin}`;
      progress.pending = `${describePath(url.pathname)} (${request.method} ${url.pathname})`;
      const response = await next(request);
      if (response.status >= 400) {
        const retryAfter = response.headers.get("retry-after");
        progress.lastAnswer =
          `${response.status}` +
          (retryAfter ? ` asking to wait ${retryAfter} s (Retry-After)` : "");
      }
      return response;
    },
  };
}

function describePath(path: string): string {
  if (/\/token\/?$/i.test(path)) return "the token request";
  if (/openid-configuration$/i.test(path)) return "the tenant's OpenID configuration";
  if (/discovery\/instance$/i.test(path)) return "instance discovery";
  return "a sign-in request";
}
