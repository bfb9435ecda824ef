import * as core from "@actions/core";
import { SignInTimeout } from "./auth/deadline.ts";
import { signIn } from "./auth/session.ts";
import { createAzurePorts, loadArmSdk, nextRequestSent } from "./azure/clients.ts";
import { fetchCloudMetadata } from "./azure/cloud-metadata.ts";
import { createConnectionPool } from "./azure/connections.ts";
import { systemClock } from "./azure/retry.ts";
import type { AzurePorts } from "./domain/ports.ts";
import { describeFailure } from "./errors.ts";
import { fail, group, mask, runnerLog } from "./log.ts";
import {
  ReportedFailure,
  reportAttach,
  reportCheck,
  reportDetach,
  reportFailure,
  type ReportContext,
} from "./report.ts";
import { readSettings, type Settings } from "./settings.ts";
import { attachRegistries } from "./workflows/attach.ts";
import { checkRegistries } from "./workflows/check.ts";
import { detachRegistries } from "./workflows/detach.ts";
import { failureOf, type RegistryItem, type RunOptions } from "./workflows/pipeline.ts";

const USER_AGENT = "aks-attach-acr/0.1";

/** The whole run: settings, sign-in, clients, workflow, report. Fails the step on any error. */
export async function run(): Promise<void> {
  let context: ReportContext | undefined;
  // One set of keep-alive connections for every request of the run.
  const connections = createConnectionPool();
  try {
    const settings = await group("Reading inputs", () => Promise.resolve(readSettings()));
    context = {
      mode: settings.mode,
      dryRun: settings.dryRun,
      clusterName: settings.clusterName,
      resourceGroup: settings.resourceGroup,
      registries: settings.registries,
      role: settings.role,
    };
    const started = Date.now();
    const deadline = AbortSignal.timeout(settings.timeoutSeconds * 1000);
    const budget = {
      deadline: started + settings.timeoutSeconds * 1000,
      started,
      signal: deadline,
      clock: systemClock,
    };
    const signingIn = group("Signing in", () =>
      signIn(settings.signIn, {
        getIdToken: (audience) => core.getIDToken(audience),
        mask,
        log: runnerLog,
        signal: deadline,
        fetchJson: (url, signal) =>
          fetchCloudMetadata(url, signal, budget, USER_AGENT, connections),
        httpClient: connections,
        timeoutSeconds: settings.timeoutSeconds,
      }),
    );
    // The SDK clients load while the first token is on its way (the Azure CLI takes its time).
    const sdk = loadArmSdk(
      settings.signIn.method.kind === "azure-cli" ? undefined : nextRequestSent(signingIn),
    );
    sdk.catch(() => undefined);
    const session = await signingIn;
    const ports = await createAzurePorts(
      {
        credential: session.credential,
        endpoint: session.cloud.resourceManagerEndpoint,
        scope: session.scope,
        graphEndpoint: session.cloud.graphEndpoint,
        userAgent: USER_AGENT,
        budget,
        httpClient: connections,
      },
      session.subscriptionId,
      sdk,
    );
    context = { ...context, subscriptionId: session.subscriptionId };
    await runMode(settings, session.subscriptionId, ports, context, {
      signal: deadline,
      log: runnerLog,
      clock: systemClock,
      deadline: budget.deadline,
    });
  } catch (error) {
    const message = describeFailure(error);
    fail(message);
    if (!(error instanceof ReportedFailure)) {
      await reportFailure(message, context).catch(() => undefined);
    }
    // What sign-in was waiting for (MSAL, the Azure CLI, GitHub's token client) cannot be
    // cancelled and would keep the process, and so the step, alive past its deadline.
    if (error instanceof SignInTimeout) setTimeout(() => process.exit(), 100).unref();
  } finally {
    connections.close();
  }
}

/** One workflow and one report per mode; a registry that failed fails the step afterwards. */
async function runMode(
  settings: Settings,
  subscriptionId: string,
  ports: AzurePorts,
  context: ReportContext,
  options: RunOptions,
) {
  const request = {
    subscriptionId,
    resourceGroup: settings.resourceGroup,
    clusterName: settings.clusterName,
    registries: settings.registries,
  };
  const change = { ...request, role: settings.role, dryRun: settings.dryRun };
  const grant = {
    ...change,
    createSku: settings.createRegistry ? settings.registrySku : undefined,
    allowPrivilegedRole: settings.allowPrivilegedRole,
    // Only a run that writes an assignment loads @actions/github (its own chunk of dist/).
    provenance: async (clusterId: string) =>
      (await import("./provenance.ts")).grantDescription(clusterId),
  };
  const dryRun = settings.dryRun ? " (dry run)" : "";
  const count = settings.registries.length;
  const what = count > 1 ? `${count} registries` : "the registry";
  switch (settings.mode) {
    case "attach": {
      const run = await group(`Attaching ${what}${dryRun}`, () =>
        attachRegistries(grant, ports, options),
      );
      await reportAttach(run, context);
      failIfAny(run.items);
      return;
    }
    case "detach": {
      const run = await group(`Detaching ${what}${dryRun}`, () =>
        detachRegistries(change, ports, options),
      );
      await reportDetach(run, context);
      failIfAny(run.items);
      return;
    }
    case "check": {
      const run = await group("Checking pull access", () =>
        checkRegistries({ ...request, failOnMissing: settings.failOnMissing }, ports, options),
      );
      await reportCheck(run, context);
      failIfAny(run.items);
      if (run.failure) throw reported(run.failure);
    }
  }
}

/** Every registry was reported; the step fails when any of them failed. */
function failIfAny(items: readonly RegistryItem<unknown>[]): void {
  const failure = failureOf(items);
  if (failure) throw reported(failure);
}

/** A failure the summary already shows, as the step's failure. */
function reported(failure: { readonly message: string; readonly remedy?: string | undefined }) {
  return new ReportedFailure(
    failure.message,
    failure.remedy === undefined ? {} : { remedy: failure.remedy },
  );
}
