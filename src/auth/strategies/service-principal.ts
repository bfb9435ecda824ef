import { parseGuid, SignInInputs } from "../inputs.ts";
import type { SignInMethod, SignInStrategy } from "../strategy.ts";
import {
  CLIENT_ID_WHAT,
  entraOptions,
  REACH_SIGN_IN_HOST,
  requireAll,
  TENANT_ID_WHAT,
} from "./common.ts";

type ServicePrincipal = Extract<SignInMethod, { kind: "service-principal" }>;

const { ClientId, TenantId, ClientSecret, Creds, Environment } = SignInInputs;

/** An app registration's client secret, given as inputs or in azure/login's `creds`. */
export const servicePrincipal: SignInStrategy<ServicePrincipal> = {
  kind: "service-principal",
  aliases: ["service_principal"],
  detect: ({ creds, raw }) =>
    creds ? `'${Creds}' is set` : raw[ClientSecret] !== "" ? `'${ClientSecret}' is set` : undefined,
  parse({ clientId, tenantId, clientSecret }) {
    requireAll(
      "a service principal secret",
      [clientId, tenantId, clientSecret],
      `Set '${ClientId}', '${TenantId}' and '${ClientSecret}' (from a repository secret: ` +
        `client-secret: \${{ secrets.AZURE_CLIENT_SECRET }}), or '${Creds}' with azure/login's JSON.`,
    );
    return {
      kind: "service-principal",
      clientId: parseGuid(clientId.from, clientId.value, CLIENT_ID_WHAT),
      tenantId: parseGuid(tenantId.from, tenantId.value, TENANT_ID_WHAT),
      clientSecret: clientSecret.value,
    };
  },
  describe: (method) => `a service principal secret (client id ${method.clientId})`,
  who: (method) => ` ${method.clientId} in ${method.tenantId}`,
  destinations: (cloud) => `the client secret goes only to ${cloud.authorityHost}`,
  tokenSource: (cloud) => ({ where: `at ${cloud.authorityHost}`, pending: "the token request" }),
  subscriptionFromCli: false,
  async credential(method, cloud, hooks) {
    const { ClientSecretCredential } = await import("@azure/identity");
    return new ClientSecretCredential(
      method.tenantId,
      method.clientId,
      method.clientSecret,
      entraOptions(cloud, hooks),
    );
  },
  generalRemedy: () =>
    `Check '${ClientId}', '${TenantId}', '${ClientSecret}' and '${Environment}', ` +
    REACH_SIGN_IN_HOST,
};
