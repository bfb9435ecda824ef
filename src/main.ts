import * as core from "@actions/core";
import { armScope } from "./auth/cloud.ts";
import { createCredential } from "./auth/credential.ts";
import { createAzurePorts } from "./azure/clients.ts";
import { toSignInError } from "./azure/errors.ts";
import { describeFailure } from "./errors.ts";
import { reportAttach, reportFailure } from "./report.ts";
import { readSettings } from "./settings.ts";
import { attach } from "./workflows/attach.ts";

const USER_AGENT = "aks-attach-acr/0.1";

/** The whole run: settings, sign-in, clients, workflow, report. Fails the step on any error. */
export async function run(): Promise<void> {
  try {
    const settings = await core.group("Reading inputs", async () => readSettings());
    const deadline = AbortSignal.timeout(settings.timeoutSeconds * 1000);
    const scope = armScope(settings.cloud);
    const credential = createCredential(settings.signIn, settings.cloud, core.setSecret);

    await core.group("Signing in", async () => {
      try {
        await credential.getToken(scope, { abortSignal: deadline });
      } catch (error) {
        throw toSignInError(error, settings.cloud.authorityHost);
      }
      core.info(`Signed in to tenant ${settings.signIn.tenantId} as ${settings.signIn.clientId}.`);
    });

    const ports = createAzurePorts(
      {
        credential,
        endpoint: settings.cloud.resourceManagerEndpoint,
        scope,
        userAgent: USER_AGENT,
      },
      settings.subscriptionId,
    );
    const result = await core.group("Attaching the registry", () =>
      attach(
        {
          resourceGroup: settings.resourceGroup,
          clusterName: settings.clusterName,
          registry: settings.registry,
        },
        ports,
        { signal: deadline, log: core },
      ),
    );
    await reportAttach(result);
  } catch (error) {
    const message = describeFailure(error);
    core.setFailed(message);
    await reportFailure(message).catch(() => undefined);
  }
}
