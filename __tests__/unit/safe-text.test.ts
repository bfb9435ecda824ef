/**
 * The log guard's text rules, table-driven: no value can start a line or a workflow command,
 * long lines keep their start, end and request id, and quoting shows where a value ends.
 */
import { describe, expect, it } from "@jest/globals";
import { cutLine, oneLine, safeLines, shown } from "../../src/safe-text.ts";

describe("oneLine", () => {
  it.each([
    [
      "plain text",
      "Registry demoacr (demoacr.azurecr.io).",
      "Registry demoacr (demoacr.azurecr.io).",
    ],
    ["a line feed", "a\n::add-mask::x", "a\\n::add-mask::x"],
    ["a lone carriage return", "a\r::error::x", "a\\r::error::x"],
    ["CR LF", "a\r\nb", "a\\r\\nb"],
    ["a blank line and markdown", "a\n\n# heading", "a\\n\\n# heading"],
    ["line separator", "a\u2028b", "a\\u2028b"],
    ["paragraph separator", "a\u2029b", "a\\u2029b"],
    ["next line (NEL)", "a\u0085b", "a\\u0085b"],
    ["vertical tab and form feed", "a\u000bb\u000cc", "a\\u000bb\\u000cc"],
    ["an escape sequence", "a\u001b[31mred", "a\\u001b[31mred"],
    ["a NUL", "a\u0000b", "a\\u0000b"],
    ["bidirectional overrides", "a\u202eb\u2066c", "a\\u202eb\\u2066c"],
    ["percent-encoded breaks stay text", "a%0A::error::x%0D%25", "a%0A::error::x%0D%25"],
    ["a tab stays", "a\tb", "a\tb"],
    ["a command at the start", "::add-mask::x", "\\::add-mask::x"],
    ["a command after spaces", "  ::stop-commands::x", "  \\::stop-commands::x"],
    ["the old command form", "##[set-output name=x]y", "\\##[set-output name=x]y"],
    ["a command after a break", "\n::error::x", "\\n::error::x"],
    ["colons inside a line", "at 10:30 ::x", "at 10:30 ::x"],
  ])("%s", (_, input, expected) => {
    const line = oneLine(input);

    expect(line).toBe(expected);
    expect(line.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/)).toHaveLength(1);
    expect(line.trimStart().startsWith("::")).toBe(false);
  });
});

describe("cutLine", () => {
  it("leaves a line within the limit as it is", () => {
    expect(cutLine("x".repeat(4096))).toBe("x".repeat(4096));
  });

  it.each([
    ["its start and its end", `START${"m".repeat(50_000)}END`, ["START", "END"]],
    [
      "a request id from the part cut out",
      `Failed: ${"m".repeat(20_000)} (request id 1f2e3d4c-aaaa) ${"n".repeat(20_000)} tail`,
      ["Failed:", "tail", "(request id 1f2e3d4c-aaaa)"],
    ],
  ])("keeps %s, and says how much was cut", (_, line, kept) => {
    const cut = cutLine(line);

    expect(cut.length).toBeLessThan(4200);
    for (const part of kept) expect(cut).toContain(part);
    expect(cut).toMatch(/…\(\d+ characters cut\)…/);
  });
});

describe("shown", () => {
  it.each([
    ["a name", "demoacr", '"demoacr"'],
    ["a value with quotes and a break", 'a"b\nc', '"a\\"b\\nc"'],
    ["a long value loses its middle", `${"a".repeat(200)}${"b".repeat(200)}`, undefined],
  ])("%s", (_, value, expected) => {
    const text = shown(value);

    if (expected !== undefined) expect(text).toBe(expected);
    expect(text.length).toBeLessThanOrEqual(302);
    expect(text.startsWith('"') && text.endsWith('"')).toBe(true);
  });
});

describe("safeLines", () => {
  it("keeps the action's own line breaks and escapes the rest of each line", () => {
    expect(safeLines("Failed: a\r::error::x\nHow to fix: ::add-mask::y")).toBe(
      "Failed: a\\r::error::x\nHow to fix: ::add-mask::y",
    );
    expect(safeLines("::error::x\nok")).toBe("\\::error::x\nok");
  });
});
