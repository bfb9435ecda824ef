/**
 * The action's public contract as `action.yml` declares it: its inputs and outputs, in the
 * order they are declared. The docs tables and the check of the examples' `with:` keys both
 * read it from here, so neither can drift from the file runners read.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";

export interface ActionInput {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** The declared default; `undefined` when action.yml declares none. */
  readonly default: string | undefined;
}

export interface ActionOutput {
  readonly name: string;
  readonly description: string;
}

export interface ActionMetadata {
  readonly inputs: readonly ActionInput[];
  readonly outputs: readonly ActionOutput[];
}

export const ROOT = resolve(import.meta.dirname, "..");

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`action.yml: ${where} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, where: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new Error(`action.yml: ${where} must be a string`);
}

/** Parses the text of an action.yml. */
export function parseActionMetadata(source: string): ActionMetadata {
  const root = asRecord(parse(source), "the document");
  const inputs = Object.entries(asRecord(root["inputs"], "inputs")).map(([name, raw]) => {
    const spec = asRecord(raw, `inputs.${name}`);
    const required = spec["required"] === true || spec["required"] === "true";
    return {
      name,
      description: text(spec["description"], `inputs.${name}.description`),
      required,
      default: "default" in spec ? text(spec["default"], `inputs.${name}.default`) : undefined,
    };
  });
  const outputs = Object.entries(asRecord(root["outputs"], "outputs")).map(([name, raw]) => ({
    name,
    description: text(asRecord(raw, `outputs.${name}`)["description"], `outputs.${name}`),
  }));
  return { inputs, outputs };
}

/** Reads the repository's action.yml. */
export function readActionMetadata(path = resolve(ROOT, "action.yml")): ActionMetadata {
  return parseActionMetadata(readFileSync(path, "utf8"));
}
