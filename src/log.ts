/**
 * The one module that writes to the runner's log. Every progress line, warning, notice, group
 * title and the step's failure goes through here, made safe by src/safe-text.ts, because values
 * from Azure (and from the user) sit inside them: no value can start a line of its own, so none
 * can become a workflow command. Lint forbids `core.info`, `console.*` and `process.stdout` (and
 * the like) everywhere else in src/.
 */
import * as core from "@actions/core";
import type { Log } from "./domain/ports.ts";
import { cutLine, oneLine, safeLines } from "./safe-text.ts";

/** One line of the log, whatever the message holds. */
function line(message: string): string {
  return cutLine(oneLine(message));
}

/** What the workflows, sign-in and settings write to. */
export const runnerLog: Log = {
  info: (message) => {
    core.info(line(message));
  },
  debug: (message) => {
    core.debug(line(message));
  },
  warning: (message) => {
    core.warning(line(message));
  },
};

/** A collapsible group of the log, its title made safe like any line. */
export function group<T>(title: string, work: () => Promise<T>): Promise<T> {
  return core.group(line(title), work);
}

/**
 * Fails the step with the failure's text: the action's own line breaks (message, then "How to
 * fix") are kept, every line is escaped and cut on its own.
 */
export function fail(message: string): void {
  core.setFailed(safeLines(message));
}

/** Hides a value from the log (`::add-mask::`): a secret, never a line of its own. */
export function mask(secret: string): void {
  core.setSecret(secret);
}
