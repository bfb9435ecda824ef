/** The leak guard every end-to-end run passes through must itself be able to fail. */
import { describe, expect, it } from "@jest/globals";
import type { ActionRun } from "../../scripts/local-runner.ts";
import { assertNoSecrets } from "./harness.ts";

function result(stdout: string): ActionRun {
  return { exitCode: 0, stdout, stderr: "", outputs: {}, summary: "" };
}

describe("assertNoSecrets", () => {
  it.each([
    ["a secret in the log", "signing in with hunter2-secret-value", /client secret/],
    ["a JWT in the log", "token eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl", /token/],
  ])("catches %s", (_, stdout, message) => {
    expect(() => assertNoSecrets(result(stdout), ["hunter2-secret-value"])).toThrow(message);
  });

  it("ignores the ::add-mask:: commands the runner consumes", () => {
    expect(() =>
      assertNoSecrets(result("::add-mask::hunter2-secret-value\nok"), ["hunter2-secret-value"]),
    ).not.toThrow();
  });
});
