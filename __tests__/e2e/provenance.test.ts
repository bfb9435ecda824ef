/**
 * Provenance: the assignment attach creates says which workflow run granted it (from
 * @actions/github's context, as a runner's GITHUB_* variables give it), and detach and check
 * show that description next to the assignment. Outside a runner it is a plain one.
 */
import { describe, expect, it } from "@jest/globals";
import { errorText, PROVENANCE, useEmulator } from "./harness.ts";

const harness = useEmulator();

const RUNNER = {
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "octo/app",
  GITHUB_RUN_ID: "123",
  GITHUB_RUN_ATTEMPT: "2",
  GITHUB_WORKFLOW: "deploy\n::error::x",
  GITHUB_REF: "refs/heads/main",
  GITHUB_ACTOR: "octocat",
};

describe("provenance", () => {
  it("names the workflow run that granted it; check and detach show it", async () => {
    const attached = await harness.run({}, RUNNER);

    expect(errorText(attached)).toBe("");
    const [assignment] = harness.kubeletPullAssignments();
    expect(assignment?.description).toMatch(PROVENANCE);
    expect(assignment?.description).toContain(
      "granted by octo/app run 123 attempt 2 (workflow deploy error x, ref refs/heads/main, " +
        "actor octocat, https://github.com/octo/app/actions/runs/123/attempts/2) with " +
        "aks-attach-acr for cluster /subscriptions/",
    );
    expect(assignment?.description?.length).toBeLessThan(600);

    const runLink =
      '<a href="https&#58;//github.com/octo/app/actions/runs/123/attempts/2">workflow run 123 (attempt 2)</a>';
    expect(attached.summary).toContain(runLink);

    const checked = await harness.run({ mode: "check" });
    expect(checked.stdout).toContain("granted by octo/app run 123 attempt 2");
    expect(checked.summary).toContain(runLink);

    const detached = await harness.run({ mode: "detach" });
    expect(detached.stdout).toMatch(/Removing \/subscriptions\/.* \("granted by octo\/app run 123/);
    expect(harness.kubeletPullAssignments()).toEqual([]);
  });

  it("outside a runner, says only the action and the cluster", async () => {
    const attached = await harness.run();

    expect(attached.exitCode).toBe(0);
    expect(harness.kubeletPullAssignments()[0]?.description).toMatch(
      /^granted by aks-attach-acr for cluster \/subscriptions\/[^ ]+\/managedClusters\/aks-demo$/i,
    );
  });
});
