/**
 * Finding registries by name wherever the caller can see them: the cluster's resource group
 * (a guessed id, read with the cluster in the first round trip), then, for the names not found
 * there, the cluster's subscription and every other visible subscription at once (one list of
 * the subscription's registries and one Azure Resource Graph query for all names together).
 */
import { ActionError } from "../errors.ts";
import type { CallOptions, Registry, RegistryAddress, RegistryPort } from "../domain/ports.ts";
import { Inputs } from "../names.ts";

export const REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries";

/** The id a registry of that name would have in that group. */
export function registryIdIn(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${REGISTRY_TYPE}/${name}`;
}

/** The address a registry of that name would have in that group. */
export function registryAddressIn(
  subscriptionId: string,
  resourceGroup: string,
  name: string,
): RegistryAddress {
  return {
    id: registryIdIn(subscriptionId, resourceGroup, name),
    subscriptionId,
    resourceGroup,
    name,
  };
}

export interface NameQuery {
  /** Lower-cased. */
  readonly name: string;
  /** Lower-cased, when the user gave a login server. */
  readonly loginServer?: string | undefined;
}

export type LookupAnswer =
  | { readonly kind: "found"; readonly registry: Registry }
  | { readonly kind: "missing" }
  | { readonly kind: "failed"; readonly error: ActionError };

/** Where the name search looked, for the messages of registries not found. */
export interface SearchScope {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

function distinctById(registries: readonly Registry[]): Registry[] {
  const byId = new Map<string, Registry>();
  for (const registry of registries) byId.set(registry.id.toLowerCase(), registry);
  return [...byId.values()];
}

/**
 * Picks the registry a query means among the registries found under its name. A registry name
 * is unique in Azure, so two different ids mean stale data or a login server that matched two:
 * the user must choose, and nothing is written.
 */
export function pickRegistry(query: NameQuery, candidates: readonly Registry[]): LookupAnswer {
  const named = distinctById(candidates.filter((r) => r.name.toLowerCase() === query.name));
  const byLoginServer = query.loginServer
    ? named.filter((r) => r.loginServer.toLowerCase() === query.loginServer)
    : [];
  const chosen = byLoginServer.length > 0 ? byLoginServer : named;
  const [only, ...others] = chosen;
  if (!only) return { kind: "missing" };
  if (others.length === 0) return { kind: "found", registry: only };
  return {
    kind: "failed",
    error: new ActionError(
      `Registry '${query.loginServer ?? query.name}' matches ${chosen.length} registries: ` +
        `${chosen.map((r) => r.id).join(", ")}. Nothing was changed.`,
      {
        remedy: `Set '${Inputs.AcrResourceId}' to the id of the one you mean instead of '${Inputs.AcrName}'.`,
      },
    ),
  };
}

/**
 * Looks for every name at once: the subscription's registries and a Resource Graph query over
 * all visible subscriptions, in parallel (one round trip). The subscription's list wins; the
 * query finds the rest. When one of the two fails, the other still answers; when both fail, so
 * does every name they could not find.
 */
export async function lookUpRegistries(
  queries: readonly NameQuery[],
  scope: SearchScope,
  ports: { readonly registries: RegistryPort },
  options: CallOptions,
): Promise<Map<string, LookupAnswer>> {
  const answers = new Map<string, LookupAnswer>();
  if (queries.length === 0) return answers;
  const names = [...new Set(queries.map((q) => q.name))];
  const [inSubscription, anywhere] = await Promise.allSettled([
    ports.registries.listRegistries(scope.subscriptionId, options),
    ports.registries.searchRegistries(names, options),
  ]);
  for (const query of queries) {
    let answer: LookupAnswer = { kind: "missing" };
    if (inSubscription.status === "fulfilled") answer = pickRegistry(query, inSubscription.value);
    if (answer.kind === "missing" && anywhere.status === "fulfilled") {
      answer = pickRegistry(query, anywhere.value);
    }
    if (answer.kind === "missing") {
      const failed = [inSubscription, anywhere].find((r) => r.status === "rejected");
      if (failed && [inSubscription, anywhere].every((r) => r.status === "rejected")) {
        answer = { kind: "failed", error: asActionError(failed.reason) };
      }
    }
    answers.set(query.name, answer);
  }
  return answers;
}

function asActionError(error: unknown): ActionError {
  return error instanceof ActionError
    ? error
    : new ActionError(error instanceof Error ? error.message : String(error));
}

/**
 * The error for names found nowhere: where the search looked (the cluster's group and
 * subscription, and each other subscription the caller can see, read only now that it failed),
 * and what to do.
 */
export async function notFoundError(
  query: NameQuery,
  scope: SearchScope,
  ports: { readonly registries: RegistryPort },
  options: CallOptions,
): Promise<ActionError> {
  const others = await ports.registries.listSubscriptions(options).then(
    (subscriptions) =>
      subscriptions.filter(
        (s) => s.subscriptionId.toLowerCase() !== scope.subscriptionId.toLowerCase(),
      ),
    () => undefined,
  );
  const elsewhere =
    others === undefined
      ? "and the other subscriptions the signed-in principal can see (which could not be listed)"
      : others.length === 0
        ? "and no other subscription is visible to the signed-in principal"
        : `and the other subscriptions the signed-in principal can see: ` +
          others
            .map((s) =>
              s.displayName ? `${s.subscriptionId} (${s.displayName})` : s.subscriptionId,
            )
            .join(", ");
  return new ActionError(
    `Container registry '${query.loginServer ?? query.name}' was not found. Looked in resource ` +
      `group '${scope.resourceGroup}' and the rest of subscription ${scope.subscriptionId} (the ` +
      `cluster's), ${elsewhere}.`,
    {
      remedy:
        `Check the name in '${Inputs.AcrName}'. A registry in a subscription the signed-in ` +
        `principal cannot list can still be attached by its full id in '${Inputs.AcrResourceId}' ` +
        `(az acr show -n ${query.name} --query id); to create it, set ` +
        `'${Inputs.CreateRegistry}: true'.`,
    },
  );
}
