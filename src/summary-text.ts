/**
 * Text for the job summary. The summary is markdown with HTML blocks in it: a value that carried
 * a line break could end an HTML block (a blank line does) and have what follows rendered as
 * markdown, a heading, a link or an image. So every value goes through `summaryText`, which
 * shows line breaks and control characters as visible escapes (`\n`) and writes every character
 * HTML or markdown gives a meaning to as a numeric entity: the result is inert in an HTML block
 * and in a markdown paragraph alike.
 */

import { isUnprintable } from "./safe-text.ts";

/** Characters HTML or GitHub's markdown give a meaning to (links, emphasis, tables, autolinks, mentions). */
const ACTIVE = new Set(Array.from("&<>\"'`|[](){}!*_~#\\:@"));

const NAMED_ESCAPES: Readonly<Record<string, string>> = { "\n": "n", "\r": "r", "\t": "t" };

/** What the log escapes (controls, line separators, bidi marks), and the tab. */
function isControl(char: string): boolean {
  return char === "\t" || isUnprintable(char);
}

function encodeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (isControl(char)) {
    const named = NAMED_ESCAPES[char];
    // `&#92;` is the backslash: the escape shows as `\n`, never as a break.
    return named ? `&#92;${named}` : `&#92;u${code.toString(16).padStart(4, "0")}`;
  }
  return ACTIVE.has(char) ? `&#${code};` : char;
}

/** One value as inert summary text: line breaks shown as `\n`, HTML and markdown escaped. */
export function summaryText(value: string): string {
  let out = "";
  for (const char of value) out += encodeCharacter(char);
  return out;
}

/**
 * A text of several lines (a failure message, a remedy): each line escaped, the lines joined by
 * `<br>`, so the text wraps and keeps its lines without any line break in the summary's source.
 */
export function summaryLines(value: string): string {
  return value
    .split(/\r\n|\n|\r/)
    .map((line) => summaryText(line))
    .join("<br>");
}

/**
 * A long id (an ARM resource id) that may wrap in a narrow column: escaped, with a break
 * opportunity after each `/`, and nothing of it cut.
 */
export function summaryId(value: string): string {
  return value
    .split("/")
    .map((part) => summaryText(part))
    .join("/<wbr>");
}

/** A value as the text of an HTML attribute (a `title`): the same escaping, quotes included. */
export function summaryAttribute(value: string): string {
  return summaryText(value);
}

/**
 * A value as the text of a Mermaid node or edge label, to be put between double quotes. Letters,
 * digits, spaces and `. _ - /` are kept; every other character becomes a Mermaid entity code
 * (`#35;`), so no quote, bracket, backtick, `%%`, `;` or HTML can end the label or start a
 * statement; line breaks and control characters become spaces. Long values lose their middle.
 */
export function mermaidText(value: string, maxLength = 48): string {
  const flat = Array.from(value)
    .map((char) => (isControl(char) ? " " : char))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
  const chars = Array.from(flat);
  const half = Math.floor((maxLength - 1) / 2);
  const shown =
    chars.length > maxLength
      ? [...chars.slice(0, half), "\u0000", ...chars.slice(chars.length - half)]
      : chars;
  return shown
    .map((char) => {
      if (char === "\u0000") return "…";
      if (/^[\p{L}\p{N} ._\-/]$/u.test(char)) return char;
      return `#${char.codePointAt(0)};`;
    })
    .join("");
}
