import * as core from "@actions/core";
import { SignInTimeout } from "./auth/deadline.ts";
import { signIn } from "./auth/session.ts";
import { createAzurePorts } from "./azure/clients.ts";
import { fetchCloudMetadata } from "./azure/cloud-metadata.ts";
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
import { attach } from "./workflows/attach.ts";
import { check } from "./workflows/check.ts";
import { detach } from "./workflows/detach.ts";
import type { WorkflowOptions } from "./workflows/target.ts";

const USER_AGENT = "aks-attach-acr/0.1";

/** The whole run: settings, sign-in, clients, workflow, report. Fails the step on any error. */
export async function run(): Promise<void> {
  let context: ReportContext | undefined;
  try {
    const settings = await group("Reading inputs", () => Promise.resolve(readSettings()));
    context = {
      mode: settings.mode,
      dryRun: settings.dryRun,
      clusterName: settings.clusterName,
      resourceGroup: settings.resourceGroup,
      registry: settings.registry,
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
    const session = await group("Signing in", () =>
      signIn(settings.signIn, {
        getIdToken: (audience) => core.getIDToken(audience),
        mask,
        log: runnerLog,
        signal: deadline,
        fetchJson: (url, signal) => fetchCloudMetadata(url, signal, budget, USER_AGENT),
        timeoutSeconds: settings.timeoutSeconds,
      }),
    );

    const ports = createAzurePorts(
      {
        credential: session.credential,
        endpoint: session.cloud.resourceManagerEndpoint,
        scope: session.scope,
        graphEndpoint: session.cloud.graphEndpoint,
        userAgent: USER_AGENT,
        budget,
      },
      session.subscriptionId,
    );
    context = { ...context, subscriptionId: session.subscriptionId };
    await runMode(settings, ports, context, { signal: deadline, log: runnerLog });
  } catch (error) {
    const message = describeFailure(error);
    fail(message);
    if (!(error instanceof ReportedFailure)) {
      await reportFailure(message, context).catch(() => undefined);
    }
    // What sign-in was waiting for (MSAL, the Azure CLI, GitHub's token client) cannot be
    // cancelled and would keep the process, and so the step, alive past its deadline.
    if (error instanceof SignInTimeout) setTimeout(() => process.exit(), 100).unref();
  }
}

/** One workflow and one report per mode. */
async function runMode(
  settings: Settings,
  ports: AzurePorts,
  context: ReportContext,
  options: WorkflowOptions,
) {
  const target = {
    resourceGroup: settings.resourceGroup,
    clusterName: settings.clusterName,
    registry: settings.registry,
  };
  const change = { ...target, role: settings.role, dryRun: settings.dryRun };
  const grant = {
    ...change,
    allowPrivilegedRole: settings.allowPrivilegedRole,
    // Only a run that writes an assignment loads @actions/github (its own chunk of dist/).
    provenance: async (clusterId: string) =>
      (await import("./provenance.ts")).grantDescription(clusterId),
  };
  const dryRun = settings.dryRun ? " (dry run)" : "";
  switch (settings.mode) {
    case "attach":
      return reportAttach(
        await group(`Attaching the registry${dryRun}`, () => attach(grant, ports, options)),
        context,
      );
    case "detach":
      return reportDetach(
        await group(`Detaching the registry${dryRun}`, () => detach(change, ports, options)),
        context,
      );
    case "check":
      return reportCheck(
        await group("Checking pull access", () =>
          check({ ...target, failOnMissing: settings.failOnMissing }, ports, options),
        ),
        context,
      );
  }
}
