/**
 * Text made safe for the runner's log: what every line the action prints passes through
 * (src/log.ts), and what adapters apply to the free text Azure returns. Pure functions, so every
 * layer may use them.
 *
 * The runner reads the step's output line by line and treats a line that starts (after
 * whitespace) with `::` as a workflow command (`::add-mask::`, `::stop-commands::`, `::error::`),
 * and the older `##[` form too. So no value may start a line: every line break (LF, a lone CR,
 * U+2028, U+2029, NEL) and every other control character is written as a visible escape, and a
 * line that would begin a command gets a backslash in front. `%0A` and the like stay as they
 * are: the runner only decodes them inside a command's own data, where `@actions/core` encodes
 * `%` itself.
 */

/** The characters that must not reach the log as themselves. */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r" };

/** Whether a character must never be written as itself (a line break, a control, a bidi mark). */
export function isUnprintable(char: string): boolean {
  return UNPRINTABLE_CHAR.test(char);
}

const UNPRINTABLE_CHAR = new RegExp(UNPRINTABLE.source);

function escapeChar(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** A line that would begin a workflow command, old or new form, after leading whitespace. */
const COMMAND_START = /^(\s*)(::|##\[)/;

/** The longest line the log gets; longer ones lose their middle (see `cutLine`). */
export const MAX_LINE = 4096;

/** Azure's request ids, as messages quote them: kept when a long line is cut. */
const REQUEST_ID = /request id [\w.:-]{1,100}/i;

/**
 * One line, whatever `text` holds: line breaks and control characters become visible escapes
 * (`\n`, `\r`, `\u2028`), and a line that would start a workflow command starts with `\` instead.
 */
export function oneLine(text: string): string {
  return text.replace(UNPRINTABLE, escapeChar).replace(COMMAND_START, "$1\\$2");
}

/**
 * A line longer than `max` keeps its start and its end (where a resource id's mistake or an
 * error's request id usually is) and says how much was left out; a request id in the part cut
 * out is added back at the end.
 */
export function cutLine(line: string, max = MAX_LINE): string {
  if (line.length <= max) return line;
  const keep = Math.floor((max - 40) / 2);
  const head = line.slice(0, keep);
  const tail = line.slice(line.length - keep);
  const cut = line.slice(keep, line.length - keep);
  const requestId = REQUEST_ID.exec(cut)?.[0];
  const marker = ` …(${cut.length} characters cut)… `;
  return `${head}${marker}${tail}${requestId && !tail.includes(requestId) ? ` (${requestId})` : ""}`;
}

/**
 * A value shown inside a message, in double quotes, escaped as `oneLine` does and cut to `max`
 * characters (its middle goes). For names and ids where quotes help the reader see where a value
 * begins and ends; values that are already one safe line may also be written as they are.
 */
export function shown(value: string, max = 300): string {
  const text = oneLine(value).replaceAll('"', '\\"');
  if (text.length <= max) return `"${text}"`;
  const half = Math.floor((max - 1) / 2);
  return `"${text.slice(0, half)}…${text.slice(text.length - half)}"`;
}

/**
 * Every line of a text the action wrote itself with line breaks of its own (a failure and its
 * remedy): each line escaped and cut on its own, the breaks between them kept.
 */
export function safeLines(text: string): string {
  return text
    .split("\n")
    .map((line) => cutLine(oneLine(line)))
    .join("\n");
}
