import { ActionError } from "../errors.ts";
import { parseCloudChoice, type CloudChoice } from "./cloud.ts";
import { parseCreds, type Creds } from "./creds.ts";
import { parseGuid, SignInInputs, type RawSignInInputs } from "./inputs.ts";
import type { RunnerFacts } from "./runner.ts";
import { chooseSignIn, parseAuthType, strategyOf } from "./strategies/factory.ts";
import type { SignInContext, SignInMethod, SourcedValue } from "./strategy.ts";

export type { SignInMethod } from "./strategy.ts";

export interface SignInSettings {
  readonly method: SignInMethod;
  /** Why this way: what `auto` saw, or that auth-type named it. */
  readonly reason: string;
  readonly cloud: CloudChoice;
  /** The subscription to work in; undefined: the Azure CLI's current one (azure-cli only). */
  readonly subscriptionId: string | undefined;
  /** Where `subscriptionId` comes from, for the log. */
  readonly subscriptionSource: string;
}

/**
 * Decides how to sign in, to which cloud and subscription, from the sign-in inputs and what
 * the runner offers. Pure: `runner` carries the environment; nothing here sends a request.
 */
export function parseSignInSettings(raw: RawSignInInputs, runner: RunnerFacts): SignInSettings {
  const problems: ActionError[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ActionError)) throw error;
      problems.push(error);
      return undefined;
    }
  };
  const chosen = attempt(() => {
    const authType = parseAuthType(raw[SignInInputs.AuthType]);
    const context = signInContext(raw, runner);
    return { context, ...chooseSignIn(authType, context) };
  });
  const cloud = attempt(() => cloudOf(raw, chosen?.context.creds));
  const subscription = chosen && attempt(() => subscriptionOf(raw, chosen.context, chosen.method));
  const [only, ...more] = problems;
  if (only && more.length === 0) throw only;
  if (more.length > 0) throw new SignInProblems(problems);
  if (!chosen || !cloud || !subscription) throw new Error("unreachable: no problem, no settings");
  return { method: chosen.method, reason: chosen.reason, cloud, ...subscription };
}

/** Several sign-in inputs are wrong at once: each problem is reported on its own. */
export class SignInProblems extends ActionError {
  readonly problems: readonly ActionError[];

  constructor(problems: readonly ActionError[]) {
    super(problems.map((problem) => problem.message).join("\n"));
    this.problems = problems;
  }
}

/** The inputs with `creds` filled in where the separate inputs are blank (they win). */
function signInContext(raw: RawSignInInputs, runner: RunnerFacts): SignInContext {
  const creds = raw[SignInInputs.Creds] === "" ? undefined : parseCreds(raw[SignInInputs.Creds]);
  return {
    raw,
    runner,
    creds,
    clientId: fromCreds(SignInInputs.ClientId, raw, creds, "clientId"),
    tenantId: fromCreds(SignInInputs.TenantId, raw, creds, "tenantId"),
    clientSecret: fromCreds(SignInInputs.ClientSecret, raw, creds, "clientSecret"),
  };
}

function fromCreds(
  input: keyof RawSignInInputs,
  raw: RawSignInInputs,
  creds: Creds | undefined,
  credsKey: keyof Creds,
): SourcedValue {
  const value = raw[input];
  return value !== "" || !creds || creds[credsKey] === ""
    ? { value, from: input }
    : { value: creds[credsKey], from: `creds.${credsKey}` };
}

function cloudOf(raw: RawSignInInputs, creds: Creds | undefined): CloudChoice {
  const environment = raw[SignInInputs.Environment];
  const endpoint = raw[SignInInputs.ResourceManagerEndpoint];
  const authority = raw[SignInInputs.AuthorityHost];
  // creds' endpoints say where its service principal lives, unless the inputs say otherwise.
  const useCreds = creds !== undefined && environment === "" && endpoint === "";
  return parseCloudChoice(
    environment,
    endpoint !== "" || !useCreds ? endpoint : creds.resourceManagerEndpointUrl,
    authority !== "" || !useCreds ? authority : creds.activeDirectoryEndpointUrl,
    {
      endpoint:
        endpoint !== "" || !useCreds
          ? SignInInputs.ResourceManagerEndpoint
          : "creds.resourceManagerEndpointUrl",
      authority:
        authority !== "" || !useCreds
          ? SignInInputs.AuthorityHost
          : "creds.activeDirectoryEndpointUrl",
    },
  );
}

function subscriptionOf(
  raw: RawSignInInputs,
  context: SignInContext,
  method: SignInMethod,
): { subscriptionId: string | undefined; subscriptionSource: string } {
  const what = "subscription id of the cluster";
  const given = fromCreds(SignInInputs.SubscriptionId, raw, context.creds, "subscriptionId");
  if (given.value !== "") {
    return {
      subscriptionId: parseGuid(given.from, given.value, what),
      subscriptionSource: `'${given.from}'`,
    };
  }
  const variable = context.runner.subscriptionIdVariable;
  if (variable !== "") {
    return {
      subscriptionId: parseGuid("AZURE_SUBSCRIPTION_ID", variable, what),
      subscriptionSource: "AZURE_SUBSCRIPTION_ID",
    };
  }
  if (strategyOf(method).subscriptionFromCli) {
    return {
      subscriptionId: undefined,
      subscriptionSource: "the Azure CLI's current subscription",
    };
  }
  throw new ActionError(`Input '${SignInInputs.SubscriptionId}' is required but was not set.`, {
    remedy:
      `Set it to the subscription id of the cluster (a GUID), or put 'subscriptionId' in ` +
      `'${SignInInputs.Creds}', or set AZURE_SUBSCRIPTION_ID in the job's environment.`,
  });
}

/** Debug lines for the settings; no secret is among them. */
export function describeSignInSettings(settings: SignInSettings): string[] {
  const { method, cloud } = settings;
  return [
    `sign-in: ${method.kind}${strategyOf(method).who(method)} (${settings.reason})`,
    cloud.kind === "named"
      ? `cloud: ${cloud.cloud.name} (${cloud.cloud.resourceManagerEndpoint}, ${cloud.cloud.authorityHost})`
      : `cloud: custom, ARM ${cloud.resourceManagerEndpoint}` +
        (cloud.authorityHost ? `, sign-in ${cloud.authorityHost}` : ""),
    `subscription-id: ${settings.subscriptionId ?? "(the Azure CLI's)"} from ${settings.subscriptionSource}`,
  ];
}
