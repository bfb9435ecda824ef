/**
 * The small, honest subset of KQL (Kusto Query Language) the emulated Resource Graph interprets.
 * Anything outside it is refused with a `KqlError`, never guessed at:
 *
 *     query     := table ( "|" operator )*
 *     table     := "Resources" | "resources"
 *     operator  := "where" expr
 *                | "project" column ( "," column )*
 *                | ( "take" | "limit" ) integer
 *     column    := [ identifier "=" ] path
 *     expr      := and ( "or" and )*
 *     and       := test ( "and" test )*
 *     test      := "(" expr ")"
 *                | value ( "==" | "=~" | "!=" | "!~" ) value
 *                | value ( "in" | "in~" | "!in" | "!in~" ) "(" value ( "," value )* ")"
 *     value     := string | integer | "true" | "false" | path
 *                | ( "tolower" | "toupper" | "tostring" ) "(" value ")"
 *     path      := identifier ( "." identifier | "[" string "]" )*
 *
 * Strings are in single or double quotes, with `\` escapes. `==`, `!=`, `in` and `!in` compare
 * case-sensitively, `=~`, `!~`, `in~` and `!in~` without regard to case, as in KQL. A missing
 * field is an empty string to a comparison. `project` names a column after its path with `_` for
 * `.` (`properties.loginServer` becomes `properties_loginServer`), as Resource Graph does.
 */

export type Row = Readonly<Record<string, unknown>>;

/** A query the subset does not cover, or that is not KQL at all. */
export class KqlError extends Error {
  /** `ParserFailure` for text that does not parse, `UnsupportedQuery` for KQL beyond the subset. */
  readonly kind: "ParserFailure" | "UnsupportedQuery";
  /** 1-based position of the offending token in the query (one line). */
  readonly position: number;
  readonly token: string;

  constructor(
    kind: "ParserFailure" | "UnsupportedQuery",
    message: string,
    position: number,
    token: string,
  ) {
    super(message);
    this.kind = kind;
    this.position = position;
    this.token = token;
  }
}

export interface Column {
  readonly name: string;
  readonly path: readonly string[];
}

type Stage =
  | { readonly kind: "where"; readonly test: Test }
  | { readonly kind: "project"; readonly columns: readonly Column[] }
  | { readonly kind: "take"; readonly count: number };

type Value =
  | { readonly kind: "literal"; readonly value: string | number | boolean }
  | { readonly kind: "path"; readonly path: readonly string[] }
  | { readonly kind: "call"; readonly fn: "tolower" | "toupper" | "tostring"; readonly arg: Value };

type Test =
  | { readonly kind: "or" | "and"; readonly left: Test; readonly right: Test }
  | { readonly kind: "compare"; readonly op: string; readonly left: Value; readonly right: Value }
  | {
      readonly kind: "in";
      readonly negated: boolean;
      readonly caseless: boolean;
      readonly left: Value;
      readonly list: readonly Value[];
    };

export interface Query {
  readonly stages: readonly Stage[];
  /** The columns of the result: the last `project`'s, or undefined for whole rows. */
  readonly columns: readonly Column[] | undefined;
}

interface Token {
  readonly kind: "ident" | "string" | "number" | "symbol" | "end";
  readonly text: string;
  /** The string's value for strings, else the text. */
  readonly value: string;
  readonly position: number;
}

const SYMBOLS = [
  "==",
  "=~",
  "!=",
  "!~",
  "<=",
  ">=",
  "<",
  ">",
  "|",
  "(",
  ")",
  ",",
  ".",
  "[",
  "]",
  "=",
  "~",
  "!",
];
/** Tabular operators of KQL that the subset refuses by name (better than "unexpected token"). */
const KNOWN_OPERATORS = new Set([
  "extend",
  "summarize",
  "order",
  "sort",
  "top",
  "join",
  "union",
  "distinct",
  "count",
  "mv-expand",
  "mvexpand",
  "parse",
  "sample",
  "search",
  "find",
  "lookup",
  "serialize",
  "render",
]);
const FUNCTIONS = new Set(["tolower", "toupper", "tostring"]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? "";
    if (/\s/.test(char)) {
      i += 1;
      continue;
    }
    const position = i + 1;
    if (char === "'" || char === '"') {
      let value = "";
      let j = i + 1;
      for (; j < text.length && text[j] !== char; j++) {
        if (text[j] === "\\" && j + 1 < text.length) j += 1;
        value += text[j];
      }
      if (j >= text.length) {
        throw new KqlError("ParserFailure", "The string is not closed.", position, text.slice(i));
      }
      tokens.push({ kind: "string", text: text.slice(i, j + 1), value, position });
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))?.[0];
    if (word) {
      // `-` belongs to names like mv-expand only; `a-b` elsewhere is not in the subset anyway.
      tokens.push({ kind: "ident", text: word, value: word, position });
      i += word.length;
      continue;
    }
    const number = /^[0-9]+/.exec(text.slice(i))?.[0];
    if (number) {
      tokens.push({ kind: "number", text: number, value: number, position });
      i += number.length;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, i));
    if (!symbol) {
      throw new KqlError("ParserFailure", `Unexpected character '${char}'.`, position, char);
    }
    tokens.push({ kind: "symbol", text: symbol, value: symbol, position });
    i += symbol.length;
  }
  tokens.push({ kind: "end", text: "<EOF>", value: "", position: text.length + 1 });
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(text: string) {
    this.#tokens = tokenize(text);
  }

  parse(): Query {
    const table = this.#next();
    if (table.kind !== "ident" || (table.text !== "Resources" && table.text !== "resources")) {
      throw this.#unsupported(table, "Only the Resources table is supported.");
    }
    const stages: Stage[] = [];
    while (this.#peek().text === "|" && this.#peek().kind === "symbol") {
      this.#next();
      stages.push(this.#stage());
    }
    const rest = this.#peek();
    if (rest.kind !== "end") throw this.#fail(rest, "Expected '|' or the end of the query.");
    const projects = stages.filter((stage) => stage.kind === "project");
    return { stages, columns: projects.at(-1)?.columns };
  }

  #stage(): Stage {
    const token = this.#next();
    const name = token.kind === "ident" ? token.text.toLowerCase() : "";
    if (token.kind === "ident" && token.text === "where")
      return { kind: "where", test: this.#or() };
    if (token.kind === "ident" && token.text === "project") {
      const columns = [this.#column()];
      while (this.#accept(",")) columns.push(this.#column());
      return { kind: "project", columns };
    }
    if (token.kind === "ident" && (token.text === "take" || token.text === "limit")) {
      const count = this.#next();
      if (count.kind !== "number") throw this.#fail(count, "Expected a row count.");
      return { kind: "take", count: Number.parseInt(count.text, 10) };
    }
    if (token.kind === "ident" && (KNOWN_OPERATORS.has(name) || name.startsWith("project-"))) {
      throw this.#unsupported(token, `The operator '${token.text}' is not supported.`);
    }
    throw this.#fail(token, "Expected a tabular operator.");
  }

  #column(): Column {
    const first = this.#peek();
    const after = this.#tokens[this.#at + 1];
    if (first.kind === "ident" && after?.kind === "symbol" && after.text === "=") {
      this.#next();
      this.#next();
      return { name: first.text, path: this.#path() };
    }
    const path = this.#path();
    return { name: path.join("_"), path };
  }

  #or(): Test {
    let left = this.#and();
    while (this.#acceptWord("or")) left = { kind: "or", left, right: this.#and() };
    return left;
  }

  #and(): Test {
    let left = this.#test();
    while (this.#acceptWord("and")) left = { kind: "and", left, right: this.#test() };
    return left;
  }

  #test(): Test {
    if (this.#accept("(")) {
      const inner = this.#or();
      this.#expect(")");
      return inner;
    }
    const left = this.#value();
    const token = this.#next();
    if (token.kind === "symbol" && ["==", "=~", "!=", "!~"].includes(token.text)) {
      return { kind: "compare", op: token.text, left, right: this.#value() };
    }
    let negated = false;
    let word = token;
    if (token.kind === "symbol" && token.text === "!") {
      negated = true;
      word = this.#next();
    }
    if (word.kind === "ident" && word.text === "in") {
      const caseless = this.#accept("~");
      this.#expect("(");
      const list = [this.#value()];
      while (this.#accept(",")) list.push(this.#value());
      this.#expect(")");
      return { kind: "in", negated, caseless, left, list };
    }
    if (
      word.kind === "ident" ||
      (word.kind === "symbol" && ["<", "<=", ">", ">="].includes(word.text))
    ) {
      const shown = negated ? `!${word.text}` : word.text;
      throw this.#unsupported(word, `The operator '${shown}' is not supported.`);
    }
    throw this.#fail(token, "Expected a comparison (==, =~, !=, !~, in, in~).");
  }

  #value(): Value {
    const token = this.#peek();
    if (token.kind === "string") {
      this.#next();
      return { kind: "literal", value: token.value };
    }
    if (token.kind === "number") {
      this.#next();
      return { kind: "literal", value: Number.parseInt(token.text, 10) };
    }
    if (token.kind === "ident" && (token.text === "true" || token.text === "false")) {
      this.#next();
      return { kind: "literal", value: token.text === "true" };
    }
    if (token.kind === "ident" && this.#tokens[this.#at + 1]?.text === "(") {
      this.#next();
      if (!FUNCTIONS.has(token.text)) {
        throw this.#unsupported(token, `The function '${token.text}' is not supported.`);
      }
      this.#expect("(");
      const arg = this.#value();
      this.#expect(")");
      return { kind: "call", fn: token.text as "tolower" | "toupper" | "tostring", arg };
    }
    if (token.kind === "ident") return { kind: "path", path: this.#path() };
    throw this.#fail(token, "Expected a value: a string, a number or a field.");
  }

  #path(): string[] {
    const first = this.#next();
    if (first.kind !== "ident") throw this.#fail(first, "Expected a field name.");
    const path = [first.text];
    for (;;) {
      if (this.#accept(".")) {
        const part = this.#next();
        if (part.kind !== "ident") throw this.#fail(part, "Expected a field name after '.'.");
        path.push(part.text);
      } else if (this.#accept("[")) {
        const part = this.#next();
        if (part.kind !== "string") throw this.#fail(part, "Expected a quoted field name.");
        path.push(part.value);
        this.#expect("]");
      } else {
        return path;
      }
    }
  }

  #peek(): Token {
    return this.#tokens[this.#at] ?? this.#tokens[this.#tokens.length - 1]!;
  }

  #next(): Token {
    const token = this.#peek();
    if (this.#at < this.#tokens.length - 1) this.#at += 1;
    return token;
  }

  #accept(symbol: string): boolean {
    const token = this.#peek();
    if (token.kind !== "symbol" || token.text !== symbol) return false;
    this.#next();
    return true;
  }

  #acceptWord(word: string): boolean {
    const token = this.#peek();
    if (token.kind !== "ident" || token.text !== word) return false;
    this.#next();
    return true;
  }

  #expect(symbol: string): void {
    const token = this.#peek();
    if (!this.#accept(symbol)) throw this.#fail(token, `Expected '${symbol}'.`);
  }

  #fail(token: Token, message: string): KqlError {
    return new KqlError("ParserFailure", message, token.position, token.text);
  }

  #unsupported(token: Token, message: string): KqlError {
    return new KqlError("UnsupportedQuery", message, token.position, token.text);
  }
}

export function parseQuery(text: string): Query {
  return new Parser(text).parse();
}

/** Runs a parsed query over rows, in order. */
export function runQuery(query: Query, rows: readonly Row[]): Row[] {
  let result = [...rows];
  for (const stage of query.stages) {
    if (stage.kind === "where") result = result.filter((row) => test(stage.test, row));
    else if (stage.kind === "take") result = result.slice(0, stage.count);
    else {
      result = result.map((row) =>
        Object.fromEntries(stage.columns.map((column) => [column.name, lookup(row, column.path)])),
      );
    }
  }
  return result;
}

function test(node: Test, row: Row): boolean {
  switch (node.kind) {
    case "or":
      return test(node.left, row) || test(node.right, row);
    case "and":
      return test(node.left, row) && test(node.right, row);
    case "compare": {
      const left = evaluate(node.left, row);
      const right = evaluate(node.right, row);
      if (node.op === "==") return equal(left, right, false);
      if (node.op === "=~") return equal(left, right, true);
      if (node.op === "!=") return !equal(left, right, false);
      return !equal(left, right, true);
    }
    case "in": {
      const left = evaluate(node.left, row);
      const found = node.list.some((item) => equal(left, evaluate(item, row), node.caseless));
      return node.negated ? !found : found;
    }
  }
}

function evaluate(value: Value, row: Row): unknown {
  if (value.kind === "literal") return value.value;
  if (value.kind === "path") return lookup(row, value.path);
  const text = asText(evaluate(value.arg, row));
  if (value.fn === "tolower") return text.toLowerCase();
  if (value.fn === "toupper") return text.toUpperCase();
  return text;
}

/** A field by path; column names match case-sensitively, as in KQL. */
function lookup(row: Row, path: readonly string[]): unknown {
  let current: unknown = row;
  for (const part of path) {
    if (typeof current !== "object" || current === null) return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current ?? null;
}

function equal(left: unknown, right: unknown, caseless: boolean): boolean {
  if (typeof left === "number" && typeof right === "number") return left === right;
  const a = asText(left);
  const b = asText(right);
  return caseless ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
