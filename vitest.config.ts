import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts"],
    // The end-to-end tests start node processes against an HTTPS emulator: give them room on a
    // two-core machine without letting a hung run stall the suite.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
