import { ActionError } from "../../errors.ts";
import { parseGuid, SignInInputs } from "../inputs.ts";
import type { SignInMethod, SignInStrategy } from "../strategy.ts";
import { pipelineOptions } from "./common.ts";

type ManagedIdentity = Extract<SignInMethod, { kind: "managed-identity" }>;

const { ClientId } = SignInInputs;

/** The runner machine's managed identity (a self-hosted runner on Azure). */
export const managedIdentity: SignInStrategy<ManagedIdentity> = {
  kind: "managed-identity",
  aliases: ["identity"],
  detect: ({ runner }) =>
    runner.managedIdentityVariable
      ? `a managed identity endpoint is configured (${runner.managedIdentityVariable})`
      : undefined,
  parse: ({ clientId }) => ({
    kind: "managed-identity",
    clientId:
      clientId.value === ""
        ? undefined
        : parseGuid(
            clientId.from,
            clientId.value,
            "client id of the user-assigned managed identity",
          ),
  }),
  describe: (method) =>
    method.clientId
      ? `the user-assigned managed identity ${method.clientId}`
      : "the machine's system-assigned managed identity",
  who: (method) => ` ${method.clientId ?? "(system-assigned)"}`,
  destinations: () => "they come from this machine's managed identity endpoint",
  tokenSource: () => ({
    where: "at the managed identity endpoint",
    pending: "the token request",
  }),
  subscriptionFromCli: false,
  async credential(method, _cloud, hooks) {
    const { ManagedIdentityCredential } = await import("@azure/identity");
    return method.clientId
      ? new ManagedIdentityCredential({ clientId: method.clientId, ...pipelineOptions(hooks) })
      : new ManagedIdentityCredential({ ...pipelineOptions(hooks) });
  },
  generalRemedy: () =>
    `Check that this runner's machine has a managed identity (and '${ClientId}' for a ` +
    `user-assigned one), and that it can reach the identity endpoint.`,
  explain(error, line, method) {
    const found = /Identity not found/i.test(line);
    return new ActionError(`Signing in with the machine's managed identity failed: ${line}`, {
      remedy: found
        ? method.clientId
          ? `No user-assigned identity with client id ${method.clientId} is attached to this ` +
            `runner's machine: check '${ClientId}'.`
          : `This runner's machine has no system-assigned identity: enable it, or set ` +
            `'${ClientId}' to a user-assigned identity attached to the machine.`
        : managedIdentity.generalRemedy(method),
      cause: error,
    });
  },
};
