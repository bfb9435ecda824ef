/**
 * `npm run docs`: the README's inputs and outputs tables come from action.yml, between their
 * markers, and the check names the table that no longer matches.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { parseActionMetadata, readActionMetadata, ROOT } from "../../scripts/action-metadata.ts";
import {
  cell,
  generateReadme,
  renderInputsTable,
  staleTables,
  tableRegion,
} from "../../scripts/docs.ts";

const actionYml = `
name: x
description: x
inputs:
  cluster-name:
    description: Name of the AKS cluster.
    required: true
  mode:
    description: >-
      attach, detach
      or check.
    required: false
    default: attach
  note:
    description: "a | b <b>"
outputs:
  changed:
    description: "'true' when this run changed something."
runs:
  using: node24
  main: dist/index.js
`;

const readme = [
  "# Title",
  "",
  "Prose before.",
  "",
  "<!-- inputs:start -->",
  "| stale | table |",
  "<!-- inputs:end -->",
  "",
  "Prose between.",
  "",
  "<!-- outputs:start -->",
  "<!-- outputs:end -->",
  "",
  "Prose after.",
  "",
].join("\n");

describe("action.yml's contract", () => {
  it("reads inputs in order with required, default and a one-line description", () => {
    const metadata = parseActionMetadata(actionYml);
    expect(metadata.inputs).toEqual([
      {
        name: "cluster-name",
        description: "Name of the AKS cluster.",
        required: true,
        default: undefined,
      },
      { name: "mode", description: "attach, detach or check.", required: false, default: "attach" },
      { name: "note", description: "a | b <b>", required: false, default: undefined },
    ]);
    expect(metadata.outputs.map((o) => o.name)).toEqual(["changed"]);
  });
});

describe("the tables", () => {
  it("escape what would break a cell or render as HTML", () => {
    expect(cell("a | b\n<b>")).toBe("a \\| b &lt;b&gt;");
  });

  it("list every input with required and default", () => {
    const table = renderInputsTable(parseActionMetadata(actionYml).inputs).split("\n");
    expect(table[0]).toBe("| input | required | default | description |");
    expect(table[2]).toBe("| `cluster-name` | yes |  | Name of the AKS cluster. |");
    expect(table[3]).toBe("| `mode` | no | `attach` | attach, detach or check. |");
  });

  it("replace only what is between the markers", async () => {
    const next = await generateReadme(
      readme,
      parseActionMetadata(actionYml),
      join(ROOT, "README.md"),
    );
    expect(next).not.toContain("| stale | table |");
    expect(next).toMatch(/^# Title\n\nProse before\.\n\n<!-- inputs:start -->\n/);
    expect(next).toMatch(/<!-- inputs:end -->\n\nProse between\.\n\n<!-- outputs:start -->/);
    expect(next).toMatch(/\| `changed` \| 'true' when this run changed something\. \|/);
    expect(next.endsWith("<!-- outputs:end -->\n\nProse after.\n")).toBe(true);
    // Generating again changes nothing: the check and the generator agree.
    expect(await staleTables(next, parseActionMetadata(actionYml))).toEqual([]);
  });
});

describe("the check", () => {
  it("names the table that differs from action.yml", async () => {
    const metadata = parseActionMetadata(actionYml);
    const fresh = await generateReadme(readme, metadata);
    const withNewOutput = {
      ...metadata,
      outputs: [...metadata.outputs, { name: "login-server", description: "The login server." }],
    };
    expect(await staleTables(fresh, withNewOutput)).toEqual(["outputs"]);
    expect(await staleTables(readme, metadata)).toEqual(["inputs", "outputs"]);
  });

  it("fails, naming the table, when its markers are missing", () => {
    expect(() => tableRegion("<!-- inputs:start -->\n", "outputs")).toThrow(
      /the outputs table needs/,
    );
    expect(() => tableRegion("<!-- inputs:end -->\n<!-- inputs:start -->\n", "inputs")).toThrow(
      /the inputs table needs/,
    );
  });

  it("finds the repository's README up to date with action.yml", async () => {
    const text = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(await staleTables(text, readActionMetadata())).toEqual([]);
  });
});
