/**
 * `npm run docs`: writes the README's inputs and outputs tables from action.yml, between their
 * marker comments (`<!-- inputs:start -->` ... `<!-- inputs:end -->`, the same for outputs).
 * `npm run docs -- --check` writes nothing and fails, naming each table, when the README's
 * tables are not what action.yml says.
 *
 * The tables go through prettier, as `npm run format` would, so that `npm run lint` and this
 * check agree on one form of the README.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as prettier from "prettier";
import {
  readActionMetadata,
  ROOT,
  type ActionInput,
  type ActionMetadata,
  type ActionOutput,
} from "./action-metadata.ts";

export const TABLE_NAMES = ["inputs", "outputs"] as const;
export type TableName = (typeof TABLE_NAMES)[number];

const NOTE =
  "<!-- Generated from action.yml by `npm run docs`: edit action.yml, not this table. -->";

/** A description as one table cell: one line, no cell break, no raw HTML. */
export function cell(value: string): string {
  return value
    .replace(/\s+/g, " ")
    .trim()
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|");
}

function code(value: string): string {
  return `\`${value}\``;
}

export function renderInputsTable(inputs: readonly ActionInput[]): string {
  const rows = inputs.map((input) => {
    const fallback = input.default === undefined || input.default === "" ? "" : code(input.default);
    return `| ${code(input.name)} | ${input.required ? "yes" : "no"} | ${fallback} | ${cell(input.description)} |`;
  });
  return [
    "| input | required | default | description |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

export function renderOutputsTable(outputs: readonly ActionOutput[]): string {
  const rows = outputs.map((output) => `| ${code(output.name)} | ${cell(output.description)} |`);
  return ["| output | description |", "| --- | --- |", ...rows].join("\n");
}

function markers(name: TableName) {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** The text between a table's markers, or an error naming what is missing. */
export function tableRegion(readme: string, name: TableName): { from: number; to: number } {
  const { start, end } = markers(name);
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < 0 || to < from || readme.indexOf(start, from + 1) >= 0) {
    throw new Error(
      `README.md: the ${name} table needs one "${start}" line followed by one "${end}" line`,
    );
  }
  return { from: from + start.length, to };
}

function render(name: TableName, metadata: ActionMetadata): string {
  return name === "inputs"
    ? renderInputsTable(metadata.inputs)
    : renderOutputsTable(metadata.outputs);
}

/** The README with both tables regenerated from the metadata, formatted as prettier would. */
export async function generateReadme(
  readme: string,
  metadata: ActionMetadata,
  filepath = resolve(ROOT, "README.md"),
): Promise<string> {
  let next = readme;
  for (const name of TABLE_NAMES) {
    const { from, to } = tableRegion(next, name);
    next = `${next.slice(0, from)}\n${NOTE}\n\n${render(name, metadata)}\n\n${next.slice(to)}`;
  }
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(next, { ...options, filepath });
}

/** The tables whose text in the README differs from what action.yml makes of them. */
export async function staleTables(
  readme: string,
  metadata: ActionMetadata,
  filepath?: string,
): Promise<TableName[]> {
  const expected = await generateReadme(readme, metadata, filepath);
  const region = (text: string, name: TableName) => {
    const { from, to } = tableRegion(text, name);
    return text.slice(from, to);
  };
  return TABLE_NAMES.filter((name) => region(readme, name) !== region(expected, name));
}

async function main(args: readonly string[]): Promise<number> {
  const readmePath = resolve(ROOT, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const metadata = readActionMetadata();
  if (args.includes("--check")) {
    const stale = await staleTables(readme, metadata, readmePath);
    for (const name of stale) {
      console.error(
        `README.md: the ${name} table is not what action.yml declares: run 'npm run docs' and commit README.md.`,
      );
    }
    if (stale.length === 0)
      console.log("README.md: the inputs and outputs tables match action.yml.");
    return stale.length === 0 ? 0 : 1;
  }
  const next = await generateReadme(readme, metadata, readmePath);
  if (next !== readme) writeFileSync(readmePath, next);
  console.log(
    next === readme ? "README.md: tables already up to date." : "README.md: tables regenerated.",
  );
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
