/**
 * Failures as the README's troubleshooting shows them, from real runs of dist/index.js against
 * the emulator: an expired client secret, and a detach by an identity that may not delete role
 * assignments (whose fix must grant on the registry, never on the assignment's own id).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator, type Seed } from "../../emulator/index.ts";
import { ROOT } from "../../scripts/action-metadata.ts";
import { runAction, type ActionRun } from "../../scripts/local-runner.ts";
import { ids, names, scopes, secrets, testSeed } from "../fixtures.ts";
import { assertNoSecrets, errorText } from "./harness.ts";

const troubleshooting = (() => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Troubleshooting\n");
  return readme.slice(start, readme.indexOf("\n## ", start + 1));
})();

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function run(seed: Seed, inputs: Record<string, string>): Promise<ActionRun> {
  emulator = await startEmulator({ seed });
  const result = await runAction({
    inputs: {
      "resource-group": names.clusterGroup,
      "cluster-name": names.cluster,
      "acr-name": names.registry,
      "subscription-id": ids.subscription,
      "tenant-id": ids.tenant,
      "resource-manager-endpoint": emulator.url,
      "authority-host": emulator.url,
      ...inputs,
    },
    env: { NODE_EXTRA_CA_CERTS: emulator.caCertPath },
  });
  assertNoSecrets(result, [secrets.deployer, secrets.reader]);
  return result;
}

describe("what the README's troubleshooting says a failure looks like", () => {
  it("an expired client secret: AADSTS7000222 and the command that makes a new one", async () => {
    const seed = testSeed();
    const expired: Seed = {
      ...seed,
      servicePrincipals: (seed.servicePrincipals ?? []).map((principal) =>
        principal.appId === ids.deployer.appId
          ? { ...principal, clientSecretExpiresOn: "2020-01-01T00:00:00Z" }
          : principal,
      ),
    };

    const result = await run(expired, {
      "client-id": ids.deployer.appId,
      "client-secret": secrets.deployer,
    });

    expect(result.exitCode).not.toBe(0);
    const shown = errorText(result);
    expect(shown).toMatch(/AADSTS7000222/);
    expect(shown).toMatch(/The provided client secret keys for app '[0-9a-f-]+' are expired/);
    expect(shown).toContain(`az ad app credential reset --id ${ids.deployer.appId} --append`);
    expect(emulator?.requests.filter((r) => r.service === "arm")).toEqual([]);
    // The README quotes the same message and the same command.
    expect(troubleshooting).toContain("The provided client secret keys for app '…' are expired");
    expect(troubleshooting).toContain("az ad app credential reset --id <client-id> --append");
  });

  it("a detach without roleAssignments/delete: both fixes grant on the registry", async () => {
    const seed = testSeed();
    const withGrant: Seed = {
      ...seed,
      roleAssignments: [
        ...(seed.roleAssignments ?? []),
        {
          scope: scopes.registry,
          roleName: "AcrPull",
          principalId: ids.kubelet.objectId,
          principalType: "ServicePrincipal",
        },
      ],
    };

    // The reader may read everything and write nothing.
    const result = await run(withGrant, {
      mode: "detach",
      "client-id": ids.reader.appId,
      "client-secret": secrets.reader,
    });

    expect(result.exitCode).not.toBe(0);
    const shown = errorText(result);
    expect(shown).toMatch(/delete the role assignment.*AuthorizationFailed/);
    const commands = shown.split("\n").filter((line) => line.includes("az role assignment create"));
    expect(commands).toHaveLength(2);
    for (const command of commands) {
      expect([...command.matchAll(/--scope (\S+)/g)].map((m) => m[1])).toEqual([scopes.registry]);
      expect(command).toContain(`--assignee-object-id ${ids.reader.objectId}`);
    }
    // Nothing was deleted, and the README's row for the code points at the same fix.
    expect(
      emulator
        ?.roleAssignments()
        .filter((a) => a.principalId === ids.kubelet.objectId && a.scope === scopes.registry),
    ).toHaveLength(1);
    expect(troubleshooting).toMatch(/\| `AuthorizationFailed` \(a write\)[^\n]*on the registry/);
  });
});
