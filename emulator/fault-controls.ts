import type { OperationError } from "./async-operations.ts";
import type { FaultQueue } from "./faults.ts";
import { REGISTRY_OPERATION_KIND, registryId } from "./registries.ts";
import type { EmulatorState, ProvisioningState, RegistrySku } from "./state.ts";

export type { OperationError } from "./async-operations.ts";

/**
 * Start-up options for the faults that are states of the world rather than single answers
 * (those are `inject`'s, faults.ts): lagging lists, how long-running operations play out, and
 * the clock both read.
 */
export interface FaultOptions {
  /**
   * Eventual consistency: role assignments created (or deleted) after start stay out of (or
   * in) role assignment lists for this long; GET and PUT see them at once. 0 if omitted.
   */
  readonly consistencyDelayMs?: number;
  /** The emulator's clock (timestamps, list lag, operation times); the real one if omitted. */
  readonly now?: () => Date;
  /** `Retry-After` (seconds) on long-running operations' 201s and `InProgress` polls; 0 if omitted. */
  readonly asyncRetryAfterSeconds?: number;
  /** How many polls of an async operation answer `InProgress` before its outcome; 1 if omitted. */
  readonly asyncInProgressPolls?: number;
}

/** A registry as tests read it back. */
export interface RegistryView {
  readonly id: string;
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly sku: RegistrySku;
  readonly provisioningState: ProvisioningState;
  readonly loginServer: string;
}

/** What an `Emulator` offers on top of `inject` to arm these faults while it runs. */
export interface FaultControls {
  /** Sets the list lag of `consistencyDelayMs` from now on (0 lets lists catch up at once). */
  setListDelay(ms: number): void;
  /**
   * Makes the next registry create's async operation end in `Failed` with this error (a generic
   * `InternalServerError` if omitted), leaving the registry `Failed`. Calls queue up;
   * `clearFaults()` disarms them.
   */
  failNextRegistryCreate(error?: OperationError): void;
  /** Every registry, with its provisioning state. */
  registries(): RegistryView[];
}

/** Applies the start-up options to a fresh state. */
export function applyFaultOptions(state: EmulatorState, options: FaultOptions): void {
  if (options.now) state.useClock(options.now);
  if (options.consistencyDelayMs !== undefined) state.setListDelay(options.consistencyDelayMs);
  if (options.asyncRetryAfterSeconds !== undefined) {
    if (!(options.asyncRetryAfterSeconds >= 0)) {
      throw new Error(`asyncRetryAfterSeconds must be >= 0, got ${options.asyncRetryAfterSeconds}`);
    }
    state.operations.retryAfterSeconds = options.asyncRetryAfterSeconds;
  }
  if (options.asyncInProgressPolls !== undefined) {
    if (!(options.asyncInProgressPolls >= 0)) {
      throw new Error(`asyncInProgressPolls must be >= 0, got ${options.asyncInProgressPolls}`);
    }
    state.operations.inProgressPolls = options.asyncInProgressPolls;
  }
}

/** The controls an `Emulator` exposes; `clearFaults()` on the queue also disarms LRO failures. */
export function faultControls(state: EmulatorState, faults: FaultQueue): FaultControls {
  faults.onClear(() => state.operations.clearFailures());
  return {
    setListDelay: (ms) => state.setListDelay(ms),
    failNextRegistryCreate: (error) => state.operations.failNext(REGISTRY_OPERATION_KIND, error),
    registries: () =>
      state.allRegistries().map((registry) => ({
        id: registryId(registry),
        name: registry.name,
        subscriptionId: registry.subscriptionId,
        resourceGroup: registry.resourceGroup,
        location: registry.location,
        sku: registry.sku,
        provisioningState: registry.provisioningState,
        loginServer: registry.loginServer,
      })),
  };
}
