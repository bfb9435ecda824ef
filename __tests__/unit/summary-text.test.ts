/**
 * Hostile values in the job summary: each must come out inert, whether it lands in an HTML
 * block, a markdown paragraph or a Mermaid label. Inertness is judged by rendering: through
 * GitHub-flavoured markdown (`marked`), and for Mermaid by the characters a label may hold.
 */
import { describe, expect, it } from "@jest/globals";
import { marked } from "marked";
import { mermaidText, summaryId, summaryLines, summaryText } from "../../src/summary-text.ts";

/** The characters that could end a block, start markup, or end a Mermaid label. */
const HOSTILE: readonly [string, string][] = [
  ["a line feed and a workflow command", "\n::add-mask::x"],
  ["a lone carriage return and a fake error", "\r::error::x"],
  [
    "a blank line, then a heading, a link and an image",
    "\n\n# heading [link](https://example.invalid) ![i](x)",
  ],
  ["a script tag", "<script>alert(1)</script>"],
  ["a table pipe", "a | b"],
  ["backticks and a fence", "```mermaid\nx"],
  ["Mermaid breakers", 'a"]; click r0 "javascript:alert(1)" %%{init}%% ;'],
  ["an HTML entity", "&lt;b&gt;"],
  ["emphasis and a mention", "*bold* _it_ ~~s~~ @someone"],
  ["Unicode line separators", "a\u2028b\u2029c\u0085d"],
];

/** What GFM makes of `text` inside an HTML block and inside a paragraph. */
function rendered(html: string): { block: string; paragraph: string } {
  return {
    block: marked.parse(`<p>${html}</p>\n\nafter`, { gfm: true, async: false }),
    paragraph: marked.parse(`before ${html} after`, { gfm: true, async: false }),
  };
}

describe("summaryText", () => {
  it.each(HOSTILE)("keeps %s inert", (_, value) => {
    const text = summaryText(value);

    expect(text).not.toMatch(/[\n\r\u2028\u2029\u0085<>`|[\]"']/);
    const { block, paragraph } = rendered(text);
    for (const html of [block, paragraph]) {
      expect(html).not.toMatch(/<(h\d|a|img|script|code|em|strong|del|table)\b/);
    }
    // The block stays one block: the text after it is the only paragraph marked made.
    expect(block.match(/<p>/g)).toHaveLength(2);
  });

  it.each([
    ["\n", "&#92;n"],
    ["\r", "&#92;r"],
    ["\t", "&#92;t"],
    ["\u2028", "&#92;u2028"],
    ["\u0000", "&#92;u0000"],
    // Bidi controls, which would reorder what a reader sees, as in the log.
    ["\u202e", "&#92;u202e"],
    ["\u2066", "&#92;u2066"],
    ["\u200f", "&#92;u200f"],
  ])("shows the control character %j as a visible escape", (value, shown) => {
    expect(summaryText(`a${value}b`)).toBe(`a${shown}b`);
  });

  it("leaves ordinary names, hosts and GUIDs as they are", () => {
    expect(summaryText("demoacr.azurecr.io rg-acr e4f6a8b0-3c5d")).toBe(
      "demoacr.azurecr.io rg-acr e4f6a8b0-3c5d",
    );
  });
});

describe("summaryLines", () => {
  it("keeps a message's lines as <br>, each escaped, with no line break in the source", () => {
    const html = summaryLines("Failed <b>here</b>.\nHow to fix:\r\n\n# not a heading");

    expect(html).toBe(
      "Failed &#60;b&#62;here&#60;/b&#62;.<br>How to fix&#58;<br><br>&#35; not a heading",
    );
    expect(rendered(html).block).not.toContain("<h1");
  });
});

describe("summaryId", () => {
  it("lets a long id wrap after each '/', with every character kept", () => {
    const id =
      "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02/resourceGroups/rg-acr/providers/" +
      "Microsoft.ContainerRegistry/registries/demoacr";

    const html = summaryId(id);

    expect(html.replaceAll("<wbr>", "")).toBe(id);
    expect(html.match(/<wbr>/g)).toHaveLength(8);
  });

  it("escapes a hostile segment", () => {
    expect(summaryId("/a/<img src=x>\n")).toBe("/<wbr>a/<wbr>&#60;img src=x&#62;&#92;n");
  });
});

describe("mermaidText", () => {
  it.each(HOSTILE)("keeps %s inside its label", (_, value) => {
    const label = mermaidText(value, 200);

    // Only letters, digits, spaces, `. _ - /`, `…` and entity codes (#123;) remain.
    expect(label).toMatch(/^(?:[\p{L}\p{N} ._\-/…]|#\d+;)*$/u);
    expect(label).not.toContain("%%");
    expect(label).not.toMatch(/[\n\r"`<>[\]]/);
  });

  it("keeps names as they are and shortens long values in the middle", () => {
    expect(mermaidText("demoacr.azurecr.io")).toBe("demoacr.azurecr.io");
    const long = mermaidText("a".repeat(30) + "b".repeat(30), 21);
    expect(long).toBe(`${"a".repeat(10)}…${"b".repeat(10)}`);
  });
});
