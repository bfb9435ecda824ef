import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layers (DESIGN.md) and what each may import: one row per layer, read as "files of this
 * layer may import these layers and packages". Imports within a layer, Node's built-ins and
 * `errors.ts`/`names.ts` (every layer's) are always allowed; anything else listed in TARGETS
 * is refused. Each file belongs to exactly one layer, so no block overrides another.
 */
export const LAYERS = {
  index: { files: ["src/index.ts"], may: ["main"] },
  main: {
    files: ["src/main.ts"],
    may: [
      "settings",
      "auth",
      "domain",
      "azure",
      "workflows",
      "report",
      "log",
      "provenance",
      "@actions/*",
    ],
  },
  settings: {
    files: ["src/settings.ts", "src/settings-registries.ts"],
    may: ["auth", "domain", "log", "@actions/*"],
  },
  // The one writer of the runner's log (see LOG_WRITERS below).
  log: { files: ["src/log.ts"], may: ["domain", "@actions/*"] },
  // The workflow run behind a grant, from @actions/github; main.ts loads it only to write.
  provenance: { files: ["src/provenance.ts"], may: ["domain", "@actions/*"] },
  report: {
    files: ["src/report.ts", "src/summary.ts", "src/summary-text.ts"],
    may: ["domain", "workflows", "@actions/*"],
  },
  auth: { files: ["src/auth/**"], may: ["domain", "@azure/*"] },
  azure: { files: ["src/azure/**"], may: ["domain", "@azure/*"] },
  workflows: { files: ["src/workflows/**"], may: ["domain"] },
  domain: { files: ["src/domain/**"], may: [] },
  shared: { files: ["src/errors.ts", "src/names.ts", "src/safe-text.ts"], may: [] },
  emulator: { files: ["emulator/**"], may: [] },
};

/**
 * How an import of each target is recognized, by its specifier. The action's own modules are
 * as seen from inside src/; `src` is the action as a whole, as seen from outside it.
 */
const relative = (path) => `^\\.{1,2}/(.*/)?${path}`;
export const TARGETS = {
  index: relative("index(\\.ts)?$"),
  main: relative("main(\\.ts)?$"),
  settings: relative("settings(-registries)?(\\.ts)?$"),
  report: relative("(report|summary|summary-text)(\\.ts)?$"),
  // Top-level modules of src/ whose names the domain's files may share.
  log: "^\\.{1,2}/(\\.\\./)*log(\\.ts)?$",
  provenance: "^\\.{1,2}/(\\.\\./)*provenance(\\.ts)?$",
  auth: relative("auth/"),
  domain: relative("domain/"),
  azure: relative("azure/"),
  workflows: relative("workflows/"),
  src: relative("src/"),
  "@actions/*": "^@actions/",
  "@azure/*": "^@azure/",
};

const PACKAGES = ["@actions/*", "@azure/*"];
const OUTSIDE_SRC_TARGETS = ["src"];
const inSrc = (files) => files.every((glob) => glob.startsWith("src/"));

/** One `no-restricted-imports` block per layer: every target it may not import. */
function layerBlocks() {
  return Object.entries(LAYERS).map(([layer, { files, may }]) => ({
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: Object.entries(TARGETS)
            .filter(([target]) => target !== layer && !may.includes(target))
            .filter(
              ([target]) =>
                PACKAGES.includes(target) || inSrc(files) !== OUTSIDE_SRC_TARGETS.includes(target),
            )
            .map(([target, regex]) => ({
              regex,
              message: `The ${layer} layer may not import ${target} (eslint.config.js, LAYERS).`,
            })),
        },
      ],
    },
  }));
}

/** What writes to the runner's log: only src/log.ts may, so that nothing reaches it unescaped. */
const LOG_CALLS =
  "info|debug|warning|notice|error|startGroup|endGroup|group|setFailed|issue|issueCommand";
const LOG_MESSAGE = "Write to the runner's log through src/log.ts (runnerLog, group, fail).";
export const LOG_WRITERS = {
  files: ["src/**/*.ts"],
  ignores: ["src/log.ts"],
  rules: {
    "no-restricted-syntax": [
      "error",
      { selector: "MemberExpression[object.name='console']", message: LOG_MESSAGE },
      {
        selector: "MemberExpression[object.name='process'][property.name=/^(stdout|stderr)$/]",
        message: LOG_MESSAGE,
      },
      {
        selector: `MemberExpression[object.name='core'][property.name=/^(${LOG_CALLS})$/]`,
        message: LOG_MESSAGE,
      },
      {
        selector: `ImportDeclaration[source.value='@actions/core'] > ImportSpecifier[imported.name=/^(${LOG_CALLS})$/]`,
        message: LOG_MESSAGE,
      },
      {
        selector:
          "ImportDeclaration[source.value='@actions/core'] > :matches(ImportDefaultSpecifier, ImportNamespaceSpecifier[local.name!='core'])",
        message: "Import @actions/core as `* as core`, so lint sees what writes to the log.",
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  // The action's own code is also linted with type information, at the strictest level.
  ...tseslint.configs.strictTypeChecked.map((config) => ({ ...config, files: ["src/**/*.ts"] })),
  {
    files: ["src/**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and booleans read well in messages (`${count} inputs`, `dry-run: ${dryRun}`);
      // undefined, objects and the like still may not slip into one.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  ...layerBlocks(),
  LOG_WRITERS,
);
