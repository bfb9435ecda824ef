/**
 * The retry policy with a virtual clock: no real sleeping. `next` stands in for the rest of the
 * pipeline and answers from a script of responses or errors.
 */
import {
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { describe, expect, it } from "@jest/globals";
import {
  backoffMs,
  hadUnansweredAttempt,
  reliabilityPolicy,
  retryAfterMs,
  type RetryClock,
} from "../../src/azure/retry.ts";
import { ActionError } from "../../src/errors.ts";

class VirtualClock implements RetryClock {
  time = 1_000_000;
  readonly sleeps: number[] = [];
  now() {
    return this.time;
  }
  random() {
    return 0.5;
  }
  async sleep(ms: number, signal: AbortSignal) {
    if (signal.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.time += ms;
  }
}

type Step = { status: number; headers?: Record<string, string>; body?: unknown } | Error;

function harness(steps: Step[], budgetMs = 60_000, method = "GET", path = "/subscriptions/s/x") {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const policy = reliabilityPolicy({
    clock,
    deadline: clock.time + budgetMs,
    signal: controller.signal,
  });
  const request = createPipelineRequest({
    url: `https://arm.test${path}`,
    method: method as "GET",
  });
  let calls = 0;
  const send = () =>
    policy.sendRequest(request, async (req) => {
      const step = steps[Math.min(calls++, steps.length - 1)]!;
      clock.time += 10;
      if (step instanceof Error) throw step;
      return {
        request: req,
        status: step.status,
        headers: createHttpHeaders(step.headers),
        bodyAsText: step.body === undefined ? undefined : JSON.stringify(step.body),
      } satisfies PipelineResponse;
    });
  return { clock, controller, request, send, calls: () => calls };
}

const principalNotFound = {
  status: 400,
  body: {
    error: { code: "PrincipalNotFound", message: "Principal abc does not exist in the directory." },
  },
};

describe("backoffMs", () => {
  it.each([
    [0, 0, 250],
    [0, 0.999, 500],
    [1, 0, 500],
    [3, 0.5, 3000],
    [10, 0.999, 14_993],
    [30, 0, 7500],
  ])("attempt %i with jitter %f waits %i ms", (attempt, random, expected) => {
    expect(backoffMs(attempt, random)).toBe(expected);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-28T12:00:00Z");
  it.each([
    [{ "retry-after": "7" }, 7000],
    [{ "retry-after": "0" }, 0],
    [{ "retry-after": "Sat, 28 Nov 2026 12:00:30 GMT" }, 30_000],
    [{ "retry-after": "Sat, 28 Nov 2026 11:00:00 GMT" }, 0],
    [{ "retry-after-ms": "1500" }, 1500],
    [{ "x-ms-retry-after-ms": "250" }, 250],
    [{ "retry-after": "soon" }, undefined],
    [{}, undefined],
  ])("reads %j as %s", (headers, expected) => {
    expect(retryAfterMs(createHttpHeaders(headers), now)).toBe(expected);
  });
});

describe("hadUnansweredAttempt", () => {
  const reset = () => new RestError("socket hang up", { code: "ECONNRESET" });

  it("marks a write whose earlier attempt went unanswered", async () => {
    const run = harness([reset(), { status: 200 }], 60_000, "PUT");

    await run.send();

    expect(hadUnansweredAttempt(run.request)).toBe(true);
  });

  it("leaves a write answered at once, and a read that was retried, unmarked", async () => {
    const answered = harness([{ status: 200 }], 60_000, "PUT");
    const read = harness([reset(), { status: 200 }]);

    await answered.send();
    await read.send();

    expect(hadUnansweredAttempt(answered.request)).toBe(false);
    expect(hadUnansweredAttempt(read.request)).toBe(false);
  });
});

describe("reliabilityPolicy, a request its caller gives up on", () => {
  it("is not tried again: the caller's abort goes back at once, with no wait", async () => {
    const run = harness([{ status: 200 }]);
    const caller = new AbortController();
    run.request.abortSignal = caller.signal;
    let attempts = 0;

    const sent = reliabilityPolicy({
      clock: run.clock,
      deadline: run.clock.time + 60_000,
      signal: run.controller.signal,
    }).sendRequest(run.request, (req) => {
      attempts++;
      return new Promise((_, reject) => {
        req.abortSignal?.addEventListener("abort", () =>
          reject(Object.assign(new Error("The operation was aborted."), { name: "AbortError" })),
        );
        caller.abort();
      });
    });

    await expect(sent).rejects.toMatchObject({ name: "AbortError" });
    expect(attempts).toBe(1);
    expect(run.clock.sleeps).toEqual([]);
  }, 5_000);
});

describe("reliabilityPolicy", () => {
  it.each([
    ["429 without Retry-After", { status: 429 }],
    ["500", { status: 500 }],
    ["503", { status: 503 }],
    ["a reset connection", new RestError("socket hang up", { code: "ECONNRESET" })],
    ["an attempt that timed out", Object.assign(new Error("aborted"), { name: "AbortError" })],
  ])("retries %s with backoff, then succeeds", async (_, failure) => {
    const run = harness([failure as Step, failure as Step, { status: 200 }]);

    const response = await run.send();

    expect(response.status).toBe(200);
    expect(run.calls()).toBe(3);
    expect(run.clock.sleeps).toEqual([backoffMs(0, 0.5), backoffMs(1, 0.5)]);
  });

  it("waits as long as Retry-After says, in seconds or as a date", async () => {
    const date = new Date(1_000_000 + 10 + 4000).toUTCString();
    const run = harness([
      { status: 429, headers: { "retry-after": "2" } },
      { status: 503, headers: { "retry-after": date } },
      { status: 200 },
    ]);

    await run.send();

    expect(run.clock.sleeps[0]).toBe(2000);
    // HTTP dates have whole seconds: the wait is what is left of them.
    expect(run.clock.sleeps[1]).toBeGreaterThan(0);
    expect(run.clock.sleeps[1]).toBeLessThanOrEqual(4000);
  });

  it("ends at once, saying so, when Retry-After is longer than the time left", async () => {
    const run = harness([{ status: 429, headers: { "retry-after": "120" } }], 30_000);

    await expect(run.send()).rejects.toThrow(/wait 120 s.*only 29 s of timeout-seconds remain/);
    expect(run.clock.sleeps).toEqual([]);
  });

  it("retries PrincipalNotFound on a role assignment write", async () => {
    const path = "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/a";
    const run = harness(
      [principalNotFound, principalNotFound, { status: 201 }],
      60_000,
      "PUT",
      path,
    );

    const response = await run.send();

    expect(response.status).toBe(201);
    expect(run.calls()).toBe(3);
  });

  it.each([
    ["403", { status: 403 }, "GET", "/x"],
    ["404", { status: 404 }, "GET", "/x"],
    ["409", { status: 409 }, "PUT", "/providers/Microsoft.Authorization/roleAssignments/a"],
    [
      "a bad request",
      { status: 400, body: { error: { code: "InvalidPrincipalId" } } },
      "PUT",
      "/providers/Microsoft.Authorization/roleAssignments/a",
    ],
    ["PrincipalNotFound on a read", principalNotFound, "GET", "/x"],
  ])("fails fast on %s", async (_, step, method, path) => {
    const run = harness([step as Step, { status: 200 }], 60_000, method, path);

    const response = await run.send();

    expect(response.status).toBe((step as { status: number }).status);
    expect(run.calls()).toBe(1);
  });

  it("judges an error status that a client's deserializer threw as a RestError", async () => {
    const throttled = (request: ReturnType<typeof createPipelineRequest>) =>
      new RestError("throttled", {
        statusCode: 429,
        response: { request, status: 429, headers: createHttpHeaders({ "retry-after": "3" }) },
      });
    const run = harness([]);
    const failure = throttled(run.request);
    const retried = harness([failure, { status: 200 }]);
    const refused = harness([
      new RestError("forbidden", {
        statusCode: 403,
        response: { request: run.request, status: 403, headers: createHttpHeaders() },
      }),
    ]);

    await expect(retried.send()).resolves.toMatchObject({ status: 200 });
    expect(retried.clock.sleeps).toEqual([3000]);
    await expect(refused.send()).rejects.toThrow("forbidden");
    expect(refused.calls()).toBe(1);
  });

  it("does not retry an error it does not know", async () => {
    const run = harness([new TypeError("bug"), { status: 200 }]);

    await expect(run.send()).rejects.toThrow(TypeError);
    expect(run.calls()).toBe(1);
  });

  it("hands back the last failure when the next wait would pass the deadline", async () => {
    const run = harness([{ status: 503 }], 1000);

    const response = await run.send();

    expect(response.status).toBe(503);
    expect(run.clock.time).toBeLessThan(1_000_000 + 1000);
  });

  it("names the pending request when the deadline passes during a failure", async () => {
    const run = harness([new RestError("reset", { code: "ECONNRESET" })], 300);

    const failure = await run.send().catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ActionError);
    expect((failure as ActionError).message).toMatch(
      /Ran out of time.*GET \/subscriptions\/s\/x was still pending/,
    );
  });

  it("limits an attempt with a signal of its own, not the SDK's request timeout", async () => {
    const run = harness([{ status: 200 }], 30_000);

    await run.send();

    // The SDK's HTTP client keeps a request.timeout timer alive after a dropped connection.
    expect(run.request.timeout).toBe(0);
    expect(run.request.abortSignal).toBeUndefined();
  });

  it("ends an attempt that gets no answer within a third of the time left", async () => {
    const clock = new VirtualClock();
    // 30 ms of budget: the attempt may take 10 ms (real time), then no retry fits.
    const policy = reliabilityPolicy({
      clock,
      deadline: clock.time + 30,
      signal: new AbortController().signal,
    });
    const request = createPipelineRequest({ url: "https://arm.test/subscriptions/s/x" });
    let seen: AbortSignal | undefined;

    const failure = await policy
      .sendRequest(
        request,
        (req) =>
          new Promise<PipelineResponse>((_, reject) => {
            seen = req.abortSignal as AbortSignal;
            seen.addEventListener("abort", () => {
              reject(new RestError("aborted", { code: "REQUEST_SEND_ERROR" }));
            });
          }),
      )
      .catch((e: unknown) => e);

    expect(seen?.aborted).toBe(true);
    expect(failure).toBeInstanceOf(ActionError);
    expect((failure as ActionError).message).toMatch(/retrying \(connection failed\)/);
  });

  it("says a write whose connection failed may have happened, and that a re-run converges", async () => {
    const run = harness([new RestError("socket hang up", { code: "ECONNRESET" })], 300, "PUT");

    const failure = await run.send().catch((e: unknown) => e);

    expect((failure as ActionError).message).toMatch(
      /PUT was sent, so Azure may have made the change all the same: re-running the job converges/,
    );
  });

  it("says nothing of the kind for a read", async () => {
    const run = harness([new RestError("socket hang up", { code: "ECONNRESET" })], 300);

    const failure = await run.send().catch((e: unknown) => e);

    expect((failure as ActionError).message).not.toMatch(/may have made the change/);
  });

  it("stops when the run is cancelled", async () => {
    const run = harness([{ status: 500 }, { status: 200 }]);
    run.controller.abort();

    await expect(run.send()).rejects.toThrow(/Ran out of time/);
  });
});
