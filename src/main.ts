import * as core from "@actions/core";
import { SignInTimeout } from "./auth/deadline.ts";
import { signIn } from "./auth/session.ts";
import { createAzurePorts } from "./azure/clients.ts";
import { fetchCloudMetadata } from "./azure/cloud-metadata.ts";
import { systemClock } from "./azure/retry.ts";
import type { AzurePorts } from "./domain/ports.ts";
import { describeFailure } from "./errors.ts";
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
    const settings = await core.group("Reading inputs", () => Promise.resolve(readSettings()));
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
      signal: deadline,
      clock: systemClock,
    };
    const session = await core.group("Signing in", () =>
      signIn(settings.signIn, {
        getIdToken: (audience) => core.getIDToken(audience),
        mask: (secret) => {
          core.setSecret(secret);
        },
        log: core,
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
    await runMode(settings, ports, context, { signal: deadline, log: core });
  } catch (error) {
    const message = describeFailure(error);
    core.setFailed(message);
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
  const dryRun = settings.dryRun ? " (dry run)" : "";
  switch (settings.mode) {
    case "attach":
      return reportAttach(
        await core.group(`Attaching the registry${dryRun}`, () => attach(change, ports, options)),
        context,
      );
    case "detach":
      return reportDetach(
        await core.group(`Detaching the registry${dryRun}`, () => detach(change, ports, options)),
        context,
      );
    case "check":
      return reportCheck(
        await core.group("Checking pull access", () =>
          check({ ...target, failOnMissing: settings.failOnMissing }, ports, options),
        ),
        context,
      );
  }
}
