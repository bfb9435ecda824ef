import type { TokenCredential } from "@azure/identity";
import type { ActionError } from "../errors.ts";
import type { Cloud } from "./cloud.ts";
import type { Creds } from "./creds.ts";
import type { RawSignInInputs } from "./inputs.ts";
import type { RunnerFacts } from "./runner.ts";
import type { HttpClient, PipelinePolicy } from "@azure/core-rest-pipeline";

/** How the run signs in: one variant per way, each owned by its strategy in strategies/. */
export type SignInMethod =
  | {
      readonly kind: "service-principal";
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: string;
    }
  | {
      /** Workload identity federation with GitHub's OIDC token. */
      readonly kind: "oidc";
      readonly tenantId: string;
      readonly clientId: string;
      readonly audience: string;
    }
  | {
      /** The session the Azure CLI holds (azure/login's). */
      readonly kind: "azure-cli";
      /** Asks the CLI for a token of this tenant; its current one when undefined. */
      readonly tenantId: string | undefined;
    }
  | {
      readonly kind: "managed-identity";
      /** A user-assigned identity's client id; the system-assigned identity when undefined. */
      readonly clientId: string | undefined;
    };

export type SignInKind = SignInMethod["kind"];

/** A value after `creds` filled in the blank inputs, and where it came from (for messages). */
export interface SourcedValue {
  readonly value: string;
  /** The input's name, or `creds.<field>`. */
  readonly from: string;
}

/** What a strategy reads to detect itself and parse its inputs. */
export interface SignInContext {
  readonly raw: RawSignInInputs;
  readonly clientId: SourcedValue;
  readonly tenantId: SourcedValue;
  readonly clientSecret: SourcedValue;
  readonly creds: Creds | undefined;
  readonly runner: RunnerFacts;
}

/** What the credential needs from the runner; main.ts hands in @actions/core's functions. */
export interface RunnerHooks {
  /** GitHub's OIDC token for `audience` (`core.getIDToken`). */
  getIdToken(audience: string): Promise<string>;
  /** Hides a value from the log (`core.setSecret`): every token passes through it first. */
  mask(secret: string): void;
  /** Added to the identity library's HTTP pipeline (the sign-in deadline, see deadline.ts). */
  readonly requestPolicy?: PipelinePolicy;
  /** Sends the token requests: the run's connections (src/azure/connections.ts). */
  readonly httpClient?: HttpClient;
}

/**
 * One way to sign in: how `auth-type: auto` recognises it, how its inputs are parsed, how it is
 * described in the log and in failures, and how its credential is built.
 */
export interface SignInStrategy<M extends SignInMethod = SignInMethod> {
  readonly kind: M["kind"];
  /** Other `auth-type` values that name it (lower case), such as azure/login's. */
  readonly aliases: readonly string[];
  /** For `auth-type: auto`: why this way applies here, or undefined when it does not. */
  detect(context: SignInContext): string | undefined;
  /** Its inputs, checked; throws an ActionError naming the input to fix. */
  parse(context: SignInContext): M;
  /** When `auth-type` names it: what the runner must offer first (throws when it does not). */
  requireRunner?(context: SignInContext): void;
  /** `a service principal secret (client id …)`, for the log. */
  describe(method: M): string;
  /** ` <client id> in <tenant>`, for the debug line of the settings. */
  who(method: M): string;
  /** Where its secret (if any) goes, and where tokens come from, for the log. */
  destinations(cloud: Cloud): string;
  /** What is pending while a token is fetched, for a timeout. */
  tokenSource(cloud: Cloud): { readonly where: string; readonly pending: string };
  /** The subscription comes from the Azure CLI when no input names one. */
  readonly subscriptionFromCli: boolean;
  /** Builds the credential: async, so it may load only its own credential class. */
  credential(
    method: M,
    cloud: Pick<Cloud, "authorityHost">,
    hooks: RunnerHooks,
  ): Promise<TokenCredential>;
  /** What to check when a failure has no more specific explanation. */
  generalRemedy(method: M): string;
  /** A failure only this way can explain (its first line given), or undefined. */
  explain?(error: unknown, line: string, method: M): ActionError | undefined;
}
