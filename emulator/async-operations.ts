import { randomUUID } from "node:crypto";

/** An `error` of an operation status, as ARM's `ErrorDetail`. */
export interface OperationError {
  readonly code: string;
  readonly message: string;
}

/** What `status` an `OperationStatusResult` reports (common-types v6). */
export type OperationStatus = "InProgress" | "Succeeded" | "Failed";

interface Operation {
  /** `registries-{guid}`, the last segment of the polling URL. */
  readonly name: string;
  /** The resource the operation works on: the polling URL lies below it. */
  readonly resourceId: string;
  readonly startTime: string;
  /** Polls still answered `InProgress`. */
  pollsLeft: number;
  /** How it ends: undefined for success. */
  readonly failure: OperationError | undefined;
  /** Applies the outcome to the world (the registry's provisioning state), once. */
  readonly settle: (status: "Succeeded" | "Failed") => void;
  endTime?: string;
  status: OperationStatus;
}

/** Options for `start`. */
export interface OperationStart {
  /** Prefix of the operation name: ARM's registries use `registries`. */
  readonly kind: string;
  readonly resourceId: string;
  readonly now: Date;
  readonly settle: (status: "Succeeded" | "Failed") => void;
}

/** The error a create fails with when a test arms a failure without saying which. */
export const DEFAULT_OPERATION_ERROR: OperationError = {
  code: "InternalServerError",
  message: "The operation failed because of an internal error. Please try again later.",
};

/**
 * ARM's long-running operations as the emulator plays them: a PUT answers 201 with an
 * `Azure-AsyncOperation` URL; polling it answers `InProgress` a set number of times, then the
 * outcome (`Succeeded`, or `Failed` with an `error`), and only then does the resource leave
 * `Creating`. Progress is by polls, not by time, so tests are deterministic and fast.
 */
export class AsyncOperations {
  /** `Retry-After` on a 201 and on each `InProgress` answer, in seconds. */
  retryAfterSeconds = 0;
  /** How many polls answer `InProgress` before the outcome. */
  inProgressPolls = 1;
  readonly #operations = new Map<string, Operation>();
  readonly #failures = new Map<string, OperationError[]>();

  /** Makes the next operation of this kind end in `Failed` with this error. */
  failNext(kind: string, error: OperationError = DEFAULT_OPERATION_ERROR): void {
    const queue = this.#failures.get(kind) ?? [];
    queue.push({ code: error.code, message: error.message });
    this.#failures.set(kind, queue);
  }

  clearFailures(): void {
    this.#failures.clear();
  }

  /** Starts an operation; its name goes into the polling URL. */
  start(options: OperationStart): string {
    const name = `${options.kind}-${randomUUID()}`;
    const failure = this.#failures.get(options.kind)?.shift();
    this.#operations.set(name.toLowerCase(), {
      name,
      resourceId: options.resourceId,
      startTime: options.now.toISOString(),
      pollsLeft: this.inProgressPolls,
      failure,
      settle: options.settle,
      status: "InProgress",
    });
    if (this.inProgressPolls <= 0) this.#finish(name, options.now);
    return name;
  }

  /**
   * One poll of the operation named, below the resource named (ids compared without case): its
   * `OperationStatusResult` body, or undefined when there is no such operation there.
   */
  poll(resourceId: string, name: string, now: Date): object | undefined {
    const operation = this.#operations.get(name.toLowerCase());
    if (!operation || operation.resourceId.toLowerCase() !== resourceId.toLowerCase()) {
      return undefined;
    }
    if (operation.status === "InProgress") {
      if (operation.pollsLeft > 0) operation.pollsLeft -= 1;
      else this.#finish(operation.name, now);
    }
    return {
      id: `${operation.resourceId}/operationStatuses/${operation.name}`,
      name: operation.name,
      status: operation.status,
      startTime: operation.startTime,
      ...(operation.endTime && { endTime: operation.endTime }),
      ...(operation.status === "Failed" && operation.failure && { error: operation.failure }),
    };
  }

  #finish(name: string, now: Date): void {
    const operation = this.#operations.get(name.toLowerCase());
    if (!operation || operation.status !== "InProgress") return;
    operation.status = operation.failure ? "Failed" : "Succeeded";
    operation.endTime = now.toISOString();
    operation.settle(operation.status);
  }
}
