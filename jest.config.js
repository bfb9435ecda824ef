// The tests run as ES modules on Node 24 (`node --experimental-vm-modules`, see package.json).
// TypeScript goes through @swc/jest: a fast transform that only strips types (type checking is
// `npm run typecheck`'s job) and leaves the `.ts` import specifiers as they are, so the ESM
// imports resolve to the same files as under tsc and Node.

/** @type {import("@swc/core").Options} */
const swc = {
  jsc: { parser: { syntax: "typescript" }, target: "es2024" },
  module: { type: "es6" },
  sourceMaps: "inline",
};

/** @type {import("jest").Config} */
const common = {
  extensionsToTreatAsEsm: [".ts"],
  moduleFileExtensions: ["ts", "js", "json"],
  transform: { "^.+\\.ts$": ["@swc/jest", swc] },
};

/** @type {import("jest").Config} */
export default {
  // One worker per core, not jest's default of one fewer: the end-to-end files spend most of
  // their time waiting on the node processes and the emulator they start.
  maxWorkers: "100%",
  // The end-to-end tests start node processes against an HTTPS emulator: give them room on a
  // two-core machine without letting a hung run stall the suite.
  testTimeout: 60_000,
  projects: [
    // Workflows, settings and the report over fake ports: no emulator, no network.
    { ...common, displayName: "unit", testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"] },
    // The emulator itself, the SDK adapters against it, and dist/index.js against it.
    {
      ...common,
      displayName: "emulator",
      testMatch: ["<rootDir>/__tests__/{emulator,integration,e2e}/**/*.test.ts"],
    },
  ],
};
