import * as core from "@actions/core";
import { signIn } from "./auth/session.ts";
import { createAzurePorts } from "./azure/clients.ts";
import { systemClock } from "./azure/retry.ts";
import type { AzurePorts } from "./azure/ports.ts";
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
    const settings = await core.group("Reading inputs", async () => readSettings());
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
    const session = await core.group("Signing in", () =>
      signIn(settings.signIn, {
        getIdToken: (audience) => core.getIDToken(audience),
        mask: (secret) => core.setSecret(secret),
        log: core,
        signal: deadline,
      }),
    );

    const budget = {
      deadline: started + settings.timeoutSeconds * 1000,
      signal: deadline,
      clock: systemClock,
    };
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
    case "check": {
      const result = await core.group("Checking pull access", () => check(target, ports, options));
      result.warnings.forEach((warning) => core.warning(warning));
      const remedy =
        "Run this action with 'mode: attach', or set 'fail-on-missing: false' to only report.";
      const failing = !result.hasPullAccess && settings.failOnMissing;
      await reportCheck(result, context, failing ? remedy : undefined);
      if (!result.hasPullAccess) {
        const message =
          `Cluster '${settings.clusterName}' cannot pull from ${result.registry.loginServer}: ` +
          result.reasons.join(" ");
        // The summary already gives the reasons and the fix: the failure does not repeat them there.
        if (failing) throw new ReportedFailure(message, { remedy });
        core.warning(message);
      }
    }
  }
}
