/**
 * Bounded concurrency for the work done per registry. A limiter lets at most `limit` tasks run
 * at once and starts the others, in the order they were handed in, as places free up.
 */
export class Limiter {
  readonly limit: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be >= 1: ${limit}`);
    this.limit = limit;
  }

  /** Runs `task` when a place is free; settles as the task does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** Calls `load` the first time the value is asked for, and hands every caller the same promise. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= load());
}

/**
 * Memoizes an async function by a string key: concurrent callers with the same key share one
 * call (and its failure).
 */
export function memoize<A extends unknown[], T>(
  key: (...args: A) => string,
  load: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  const values = new Map<string, Promise<T>>();
  return (...args) => {
    const k = key(...args);
    let value = values.get(k);
    if (!value) {
      value = load(...args);
      values.set(k, value);
    }
    return value;
  };
}
