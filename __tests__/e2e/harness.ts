/**
 * What the end-to-end tests share: an emulator per test seeded with the fixtures' world, and
 * runs of the committed dist/index.js against it as a runner would make them.
 */
import { afterEach, beforeEach } from "@jest/globals";
import { startEmulator, type Emulator, type RoleAssignmentView } from "../../emulator/index.ts";

import type { Seed } from "../../emulator/seed.ts";
import { isWrite } from "../../scripts/bench/request-log.ts";
import { runAction, type ActionRun } from "../../scripts/local-runner.ts";
import { ACR_PULL, ids, names, secrets, testSeed } from "../fixtures.ts";

export interface Harness {
  /** The current test's emulator. */
  readonly emulator: Emulator;
  /**
   * Runs the action with the deployer's inputs, overridden by `inputs` (undefined removes one),
   * with extra environment `env` (a runner's GITHUB_* variables, say).
   */
  run(
    inputs?: Record<string, string | undefined>,
    env?: Readonly<Record<string, string>>,
  ): Promise<ActionRun>;
  /**
   * ARM writes the emulator answered, as `METHOD path`. The POSTs that only read (a Resource
   * Graph query, a name availability check) are not writes.
   */
  armWrites(): string[];
  /** The kubelet identity's AcrPull assignments in the emulator now. */
  kubeletPullAssignments(): RoleAssignmentView[];
}

/**
 * Registers the hooks that give each test of the file a fresh emulator, on the fixtures' world
 * or on the seed `seed` makes.
 */
export function useEmulator(seed: () => Seed = testSeed): Harness {
  let emulator: Emulator | undefined;
  beforeEach(async () => {
    emulator = await startEmulator({ seed: seed() });
  });
  afterEach(async () => {
    const created = emulator?.roleAssignments().filter((a) => a.createdBy !== null) ?? [];
    await emulator?.close();
    assertProvenance(created);
  });
  const current = (): Emulator => {
    if (!emulator) throw new Error("no emulator: call useEmulator() at the top of the file");
    return emulator;
  };
  return {
    get emulator() {
      return current();
    },
    run(inputs = {}, env = {}) {
      const { url, caCertPath } = current();
      const defaults: Record<string, string> = {
        "resource-group": names.clusterGroup,
        "cluster-name": names.cluster,
        "acr-name": names.registry,
        "subscription-id": ids.subscription,
        "client-id": ids.deployer.appId,
        "tenant-id": ids.tenant,
        "client-secret": secrets.deployer,
        "resource-manager-endpoint": url,
        "authority-host": url,
      };
      const merged = Object.fromEntries(
        Object.entries({ ...defaults, ...inputs }).filter(
          (entry): entry is [string, string] => entry[1] !== undefined,
        ),
      );
      return runAction({ inputs: merged, env: { ...env, NODE_EXTRA_CA_CERTS: caCertPath } }).then(
        (result) => {
          assertNoSecrets(result, [secrets.deployer, secrets.reader, merged["client-secret"]]);
          return result;
        },
      );
    },
    kubeletPullAssignments() {
      return current()
        .roleAssignments()
        .filter(
          (a) =>
            a.principalId === ids.kubelet.objectId &&
            a.roleDefinitionId.toLowerCase().endsWith(ACR_PULL),
        );
    },
    armWrites() {
      return current()
        .requests.filter((r) => r.service === "arm" && isWrite(r))
        .map((r) => `${r.method} ${r.path}`);
    },
  };
}

/** What every assignment the action creates says of itself (see src/domain/provenance.ts). */
export const PROVENANCE =
  /^granted by (?:[\w.-]+\/[\w.-]+ run \d+ attempt \d+ \(.*\) with )?aks-attach-acr for cluster \/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[\w-]+$/i;

/**
 * Every assignment an end-to-end test's runs created (a PUT records its caller; the seed's and
 * the races' have none) carries the provenance description.
 */
export function assertProvenance(
  created: readonly { readonly id: string; readonly description: string | null | undefined }[],
) {
  for (const assignment of created) {
    if (!PROVENANCE.test(assignment.description ?? "")) {
      throw new Error(
        `${assignment.id} was created without the provenance description: ${JSON.stringify(assignment.description)}`,
      );
    }
  }
}

/**
 * Every run of every end-to-end test is checked for leaks: no client secret and nothing shaped
 * like a JWT (the access tokens the emulator issues are JWTs) in what a runner would show, the
 * outputs or the summary.
 */
export function assertNoSecrets(result: ActionRun, secretValues: readonly (string | undefined)[]) {
  const shown = [visibleLog(result), result.summary, JSON.stringify(result.outputs)].join("\n");
  for (const secret of secretValues) {
    if (secret && shown.includes(secret)) throw new Error("a client secret reached the log");
  }
  if (/eyJ[\w-]{10,}\.[\w-]{10,}\./.test(shown)) throw new Error("a token reached the log");
}

/** What a runner shows: it consumes `::add-mask::` commands instead of printing them. */
export function visibleLog(result: ActionRun): string {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n");
  return lines.filter((line) => !line.startsWith("::add-mask::")).join("\n");
}

/** The step's `::error::` lines, decoded as the runner shows them. */
export function errorText(result: ActionRun): string {
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("::error::"))
    .map((line) =>
      line
        .slice("::error::".length)
        .replaceAll("%0A", "\n")
        .replaceAll("%0D", "\r")
        .replaceAll("%25", "%"),
    )
    .join("\n");
}

/** The step's `::warning::` lines, decoded. */
export function warningText(result: ActionRun): string {
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("::warning::"))
    .map((line) => line.slice("::warning::".length).replaceAll("%0A", "\n").replaceAll("%25", "%"))
    .join("\n");
}

/** The job summary's text as a reader sees it: tags dropped, entities and break hints undone. */
export function shownSummary(result: ActionRun): string {
  return result.summary
    .replace(/<wbr>/g, "")
    .replace(/<br>/g, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/[ \t]+/g, " ");
}
