import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
  {
    // Layering (DESIGN.md): workflows are pure logic over ports; only settings, report and main
    // touch the runner; the emulator stands in for Azure and shares nothing with the action.
    files: ["src/workflows/**", "src/azure/**", "src/auth/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: ["@actions/*", "../settings*", "../main*", "../report*"] },
      ],
    },
  },
  {
    files: ["src/workflows/**"],
    rules: { "no-restricted-imports": ["error", { patterns: ["@azure/*", "@actions/*"] }] },
  },
  {
    files: ["emulator/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["**/src/**", "@azure/*", "@actions/*"] }],
    },
  },
);
