/** The description every assignment the action creates carries. */
import { describe, expect, it } from "@jest/globals";
import { describeProvenance, MAX_DESCRIPTION } from "../../src/domain/provenance.ts";

const cluster =
  "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-demo";
const run = {
  serverUrl: "https://github.com",
  repository: "octo/app",
  runId: 123,
  runAttempt: 1,
  workflow: "deploy",
  ref: "refs/heads/main",
  actor: "octocat",
};

describe("describeProvenance", () => {
  it("names the run, its page, the action and the cluster", () => {
    expect(describeProvenance(cluster, run)).toBe(
      "granted by octo/app run 123 attempt 1 (workflow deploy, ref refs/heads/main, actor " +
        "octocat, https://github.com/octo/app/actions/runs/123/attempts/1) with aks-attach-acr " +
        `for cluster ${cluster}`,
    );
  });

  it("outside a runner, names the action and the cluster only", () => {
    expect(describeProvenance(cluster, undefined)).toBe(
      `granted by aks-attach-acr for cluster ${cluster}`,
    );
  });

  it.each([
    ["workflow", { workflow: "CI\n::add-mask::x <script>|`$(x)`" }],
    ["actor", { actor: "dependabot[bot]\r::error::x" }],
    ["ref", { ref: "refs/heads/a\u2028b](https://evil.example)" }],
    ["server URL", { serverUrl: "javascript:alert(1)" }],
    ["repository", { repository: "octo/app\n# heading" }],
  ])("keeps a hostile %s harmless", (_, override) => {
    const text = describeProvenance(cluster, { ...run, ...override });

    // eslint-disable-next-line no-control-regex -- control characters are what must not be there
    expect(text).not.toMatch(/[\u0000-\u001f\u2028\u2029<>|`$[\]]/u);
    expect(text).not.toContain("::");
    expect(text).not.toContain("javascript");
    expect(text).toMatch(/ with aks-attach-acr for cluster /);
  });

  it("stays well under ARM's limit, however long the fields", () => {
    const long = "w".repeat(5000);
    const text = describeProvenance(`${cluster}${long}`, {
      ...run,
      workflow: long,
      ref: long,
      actor: long,
      repository: `${long}/${long}`,
    });

    expect(text.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
  });
});
