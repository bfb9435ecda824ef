import { oneLine } from "./safe-text.ts";

/**
 * The one error type the action raises on purpose. `message` says what failed (and where);
 * `remedy` says what the user can do about it. Both are safe to print: they never carry a
 * secret or a token.
 */
export class ActionError extends Error {
  readonly remedy: string | undefined;

  constructor(message: string, options?: { remedy?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ActionError";
    this.remedy = options?.remedy;
  }
}

/**
 * Quotes a user-supplied value for a message: JSON quoting makes newlines and control characters
 * visible (so a value cannot start a new line of its own in the log). Long values lose their
 * middle, not their end: the end of a resource id is where a mistake usually is.
 */
export function quote(value: string, maxLength = 200): string {
  const half = Math.floor(maxLength / 2);
  const shown =
    value.length > maxLength
      ? `${value.slice(0, half)}…${value.slice(value.length - half)}`
      : value;
  return JSON.stringify(shown);
}

/** Turns anything thrown into the text of the step's failure, remedy included. */
export function describeFailure(error: unknown): string {
  if (error instanceof ActionError) {
    return error.remedy ? `${error.message}\nHow to fix: ${error.remedy}` : error.message;
  }
  if (error instanceof Error) return oneLine(error.message || error.name);
  let text: string;
  try {
    text = String(error);
  } catch {
    text = "an object that cannot be shown";
  }
  return `Unexpected failure: ${oneLine(text)}`;
}
