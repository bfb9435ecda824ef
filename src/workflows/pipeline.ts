/**
 * The shape every mode shares, for one registry or fifty, built around ARM's round trips:
 *
 * 1. At once: the cluster (polled while it is still being provisioned), and for each registry
 *    whose id is known (given) or can be guessed (a name: the cluster's resource group), the
 *    registry and its role assignments at and above it (`atScope()`, every principal: the pull
 *    identity is not known yet, and is picked out in memory afterwards).
 * 2. Only for names not found there: the cluster's subscription and every other visible
 *    subscription at once (one list, one Resource Graph query, for all such names together),
 *    then those registries' assignments; `create-registry` creates what is found nowhere.
 * 3. Per registry, the mode's own work (the write, or the role definitions to judge).
 *
 * The cluster is read and its pull identity resolved once. Registries are handled concurrently,
 * a bounded number at a time; one failing does not stop the others, and every outcome is
 * returned. A cluster that cannot be read fails the whole run.
 */
import { ActionError } from "../errors.ts";
import type {
  AzurePorts,
  CallOptions,
  Cluster,
  NewRegistry,
  PullIdentity,
  Registry,
  RegistryRef,
  RoleAssignment,
  RoleDefinitionPort,
} from "../domain/ports.ts";
import { defaultRegistryName, suffixedRegistryName } from "../domain/registry-name.ts";
import { Inputs } from "../names.ts";
import { readReadyCluster, type WaitClock } from "./cluster.ts";
import { Limiter, memoize, once } from "./concurrency.ts";
import {
  lookUpRegistries,
  notFoundError,
  registryAddressIn,
  registryIdIn,
  type LookupAnswer,
  type NameQuery,
} from "./lookup.ts";
import { describeIdentity, resolvePullIdentity, type WorkflowOptions } from "./target.ts";

/**
 * Registries handled at once. Ten registries take the round trips of one (every first read goes
 * out together with the cluster's); beyond that, they queue.
 */
export const REGISTRY_CONCURRENCY = 10;

export type RegistrySku = NewRegistry["sku"];

export interface RegistriesRequest {
  /** The cluster's subscription: where names are looked up first. */
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly clusterName: string;
  /** In input order. Empty with `create`: the registry is named after the cluster. */
  readonly registries: readonly RegistryRef[];
  /** Attach only: create a registry found nowhere, in the cluster's group and region. */
  readonly create?: { readonly sku: RegistrySku; readonly dryRun: boolean } | undefined;
}

export type RunOptions = WorkflowOptions & {
  /** For waiting on a cluster still being created; real timers when absent. */
  readonly clock?: WaitClock;
  /** Epoch milliseconds; no deadline of its own when absent (the signal still aborts). */
  readonly deadline?: number;
};

/** The cluster and its pull identity: read once, shared by every registry. */
export interface ClusterContext {
  readonly cluster: Cluster;
  readonly identity: PullIdentity;
}

/** What a registry's own work starts from. */
export interface RegistryTarget {
  readonly registry: Registry;
  /** Every principal's assignments at the registry and above it. */
  readonly assignments: readonly RoleAssignment[];
  /** Set when this run created the registry, or (dry run) would create it. */
  readonly creation?: { readonly sku: RegistrySku; readonly planned: boolean } | undefined;
}

/** What the user named: an input entry, or (with `create-registry` alone) the default name. */
export type RegistryEntry = RegistryRef | { readonly kind: "default"; readonly name: string };

export interface RegistryItem<R> {
  readonly entry: RegistryEntry;
  /** How the entry is shown in messages: the name, the login server or the id. */
  readonly label: string;
  /** Known once found (or created). */
  readonly registry: Registry | undefined;
  readonly result: R | undefined;
  readonly error: ActionError | undefined;
}

export interface PipelineRun<R> extends ClusterContext {
  readonly items: readonly RegistryItem<R>[];
}

export type RegistryWork<R> = (
  context: ClusterContext,
  target: RegistryTarget,
  ports: AzurePorts,
) => Promise<R>;

export function entryLabel(entry: RegistryEntry): string {
  if (entry.kind === "id") return entry.id;
  if (entry.kind === "name") return entry.loginServer ?? entry.name;
  return entry.name;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

const realClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }),
};

function asActionError(error: unknown): ActionError {
  if (error instanceof ActionError) return error;
  return new ActionError(
    `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}

/** Role definitions read once per run, however many registries ask for them. */
function cachedRoleDefinitions(port: RoleDefinitionPort): RoleDefinitionPort {
  return {
    getRoleDefinition: memoize(
      (id: string, _options: CallOptions) => id.toLowerCase(),
      port.getRoleDefinition.bind(port),
    ),
    findRoleDefinitions: memoize(
      (scope: string, roleName: string, _options: CallOptions) =>
        `${scope.toLowerCase()}|${roleName}`,
      port.findRoleDefinitions.bind(port),
    ),
  };
}

/** The first look at one entry, made together with the cluster's read. */
type FirstLook =
  | { readonly kind: "found"; readonly target: RegistryTarget }
  | { readonly kind: "failed"; readonly error: ActionError }
  /** Not at the guessed id: look further (and, for the default name, the suffixed guess). */
  | { readonly kind: "missed"; readonly suffixed?: Registry | undefined };

/**
 * Runs `work` for every registry of the request, after finding it (or creating it) and reading
 * its assignments; see the module comment for the order of the round trips.
 */
export async function forEachRegistry<R>(
  request: RegistriesRequest,
  azure: AzurePorts,
  options: RunOptions,
  work: RegistryWork<R>,
): Promise<PipelineRun<R>> {
  const ports: AzurePorts = {
    ...azure,
    roleDefinitions: cachedRoleDefinitions(azure.roleDefinitions),
  };
  const { log } = options;
  const clock = options.clock ?? realClock;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const { subscriptionId, resourceGroup, clusterName } = request;
  const clusterId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${clusterName}`;
  const scope = { subscriptionId, resourceGroup };

  const clusterContext: Promise<ClusterContext> = (async () => {
    const cluster = await readReadyCluster(resourceGroup, clusterName, ports, {
      ...options,
      clock,
      deadline,
    });
    const identity = await resolvePullIdentity(cluster, ports, options);
    log.info(`Cluster ${cluster.id} pulls as ${describeIdentity(identity)}.`);
    return { cluster, identity };
  })();
  // Each registry awaits it too; this keeps a failure from being unhandled in the meantime.
  clusterContext.catch(() => undefined);

  const entries: RegistryEntry[] =
    request.registries.length === 0 && request.create
      ? [{ kind: "default", name: defaultRegistryName(clusterName) }]
      : [...request.registries];
  const suffixedName = suffixedRegistryName(clusterName, clusterId);
  const listAtScope = (id: string) => ports.roleAssignments.listAtScope(id, options);

  async function firstLook(entry: RegistryEntry): Promise<FirstLook> {
    try {
      if (entry.kind === "id") {
        const [registry, assignments] = await Promise.all([
          ports.registries.readRegistry(entry, options),
          listAtScope(entry.id),
        ]);
        if (!registry) {
          return {
            kind: "failed",
            error: new ActionError(`There is no container registry ${entry.id}.`, {
              remedy:
                `Check '${Inputs.AcrResourceId}' (az acr show -n <name> --query id), and that the ` +
                `signed-in principal can read that subscription.`,
            }),
          };
        }
        return { kind: "found", target: { registry, assignments } };
      }
      const guess = registryAddressIn(subscriptionId, resourceGroup, entry.name);
      // The guess's assignments are read with it, and given up on as soon as it is missing:
      // the search further does not wait for them.
      const giveUp = new AbortController();
      const guessOptions = { signal: AbortSignal.any([options.signal, giveUp.signal]) };
      const assignments = ports.roleAssignments.listAtScope(guess.id, guessOptions);
      assignments.catch(() => undefined);
      const [registry, suffixed] = await Promise.allSettled([
        ports.registries.readRegistry(guess, options),
        entry.kind === "default"
          ? ports.registries.readRegistry(
              registryAddressIn(subscriptionId, resourceGroup, suffixedName),
              options,
            )
          : Promise.resolve(undefined),
      ]);
      if (registry.status === "fulfilled" && registry.value) {
        return {
          kind: "found",
          target: { registry: registry.value, assignments: await assignments },
        };
      }
      giveUp.abort();
      // A guess that cannot be read (no access to that group, say) is only a miss: look further.
      return {
        kind: "missed",
        suffixed: suffixed.status === "fulfilled" ? suffixed.value : undefined,
      };
    } catch (error) {
      return { kind: "failed", error: asActionError(error) };
    }
  }

  const limiter = new Limiter(REGISTRY_CONCURRENCY);
  const firsts = entries.map((entry) => limiter.run(() => firstLook(entry)));

  /** One search for every name that was not where it was guessed. */
  const searchFurther = once(async (): Promise<Map<string, LookupAnswer>> => {
    const looks = await Promise.all(firsts);
    const queries: NameQuery[] = [];
    entries.forEach((entry, i) => {
      const look = looks[i];
      if (entry.kind === "id" || look?.kind !== "missed") return;
      if (entry.kind === "default" && look.suffixed) return;
      queries.push({
        name: entry.name,
        loginServer: entry.kind === "name" ? entry.loginServer : undefined,
      });
    });
    return lookUpRegistries(queries, scope, ports, options);
  });

  async function create(name: string, sku: RegistrySku, dryRun: boolean): Promise<RegistryTarget> {
    const { cluster } = await clusterContext;
    const spec: NewRegistry = {
      subscriptionId,
      resourceGroup,
      name,
      location: cluster.location,
      sku,
    };
    // What a registry in that group inherits: the assignments at the group and above it.
    const inherited = listAtScope(
      `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`,
    );
    if (dryRun) {
      log.info(
        `Dry run: would create the container registry ${name} in resource group ` +
          `${resourceGroup}, region ${cluster.location}, SKU ${sku}.`,
      );
      return {
        registry: {
          id: registryIdIn(subscriptionId, resourceGroup, name),
          name,
          loginServer: "",
          location: cluster.location,
          roleAssignmentMode: undefined,
          publicNetworkAccess: undefined,
        },
        assignments: await inherited,
        creation: { sku, planned: true },
      };
    }
    log.info(
      `Creating the container registry ${name} in resource group ${resourceGroup}, region ` +
        `${cluster.location}, SKU ${sku}.`,
    );
    const [registry, assignments] = await Promise.all([
      ports.registries.createRegistry(spec, options),
      inherited,
    ]);
    return { registry, assignments, creation: { sku, planned: false } };
  }

  /** The registry name to create: free in Azure, or (the default name only) its suffixed form. */
  async function nameToCreate(entry: RegistryEntry & { name: string }): Promise<string> {
    const free = await ports.registries.checkNameAvailability(subscriptionId, entry.name, options);
    if (free.available) return entry.name;
    if (entry.kind === "default" && free.reason === "AlreadyExists") {
      const fallback = await ports.registries.checkNameAvailability(
        subscriptionId,
        suffixedName,
        options,
      );
      if (fallback.available) {
        log.info(
          `The registry name ${entry.name} is taken by a registry the signed-in principal cannot ` +
            `see; using ${suffixedName} instead (derived from the cluster's resource id, so ` +
            `every run of this cluster arrives at it).`,
        );
        return suffixedName;
      }
      throw new ActionError(
        `The registry names ${entry.name} and ${suffixedName} are both taken by registries the ` +
          `signed-in principal cannot see. Nothing was created.`,
        { remedy: `Name the registry to create in '${Inputs.AcrName}'.` },
      );
    }
    throw new ActionError(
      free.reason === "Invalid"
        ? `The registry name ${entry.name} is not valid: ${free.message ?? "5-50 letters and digits"}.`
        : `The registry name ${entry.name} is taken by a registry the signed-in principal cannot ` +
            `see (registry names are unique in Azure). Nothing was created.`,
      {
        remedy:
          `Choose another name in '${Inputs.AcrName}', or, if that registry is yours, attach it ` +
          `by its id in '${Inputs.AcrResourceId}' instead of '${Inputs.CreateRegistry}'.`,
      },
    );
  }

  async function locate(entry: RegistryEntry, look: FirstLook): Promise<RegistryTarget> {
    if (look.kind === "found") return look.target;
    if (look.kind === "failed") throw look.error;
    if (entry.kind === "id") throw new Error("unreachable: an id is never missed");
    if (entry.kind === "default" && look.suffixed) {
      return { registry: look.suffixed, assignments: await listAtScope(look.suffixed.id) };
    }
    const answer = (await searchFurther()).get(entry.name) ?? { kind: "missing" };
    if (answer.kind === "failed") throw answer.error;
    if (answer.kind === "found") {
      return { registry: answer.registry, assignments: await listAtScope(answer.registry.id) };
    }
    if (!request.create) {
      throw await notFoundError(
        { name: entry.name, loginServer: entry.kind === "name" ? entry.loginServer : undefined },
        scope,
        ports,
        options,
      );
    }
    const name = await nameToCreate(entry);
    return create(name, request.create.sku, request.create.dryRun);
  }

  const claimed = new Map<string, Promise<R>>();
  const items = await Promise.all(
    entries.map(async (entry, i): Promise<RegistryItem<R>> => {
      const label = entryLabel(entry);
      let registry: Registry | undefined;
      try {
        const look = await firsts[i];
        if (!look) throw new Error("unreachable: every entry has its first look");
        const target = await limiter.run(() => locate(entry, look));
        registry = target.registry;
        log.info(
          `Registry ${registry.id}${registry.loginServer ? ` (${registry.loginServer})` : ""}.`,
        );
        const context = await clusterContext;
        // Two entries for one registry (a name and its id) share one piece of work.
        const key = target.registry.id.toLowerCase();
        let pending = claimed.get(key);
        if (!pending) {
          pending = limiter.run(() => work(context, target, ports));
          claimed.set(key, pending);
        }
        const result = await pending;
        return { entry, label, registry, result, error: undefined };
      } catch (error) {
        return { entry, label, registry, result: undefined, error: asActionError(error) };
      }
    }),
  );
  const context = await clusterContext;
  return { ...context, items: dedupe(items) };
}

/**
 * Two entries that turned out to be the same registry (a name and its id, say) are one
 * registry: the later entry is not reported again (its work was the first one's).
 */
function dedupe<R>(items: readonly RegistryItem<R>[]): RegistryItem<R>[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (!item.registry) return true;
    const key = item.registry.id.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The one registry's result of a run over one registry, or its failure thrown. */
export function onlyResult<R>(run: PipelineRun<R>): R {
  const failure = failureOf(run.items);
  if (failure) throw failure;
  const result = run.items[0]?.result;
  if (result === undefined) throw new Error("unreachable: a run over one registry has its result");
  return result;
}

/** The run's failure, when some registry failed: each named, with its own fix. */
export function failureOf(items: readonly RegistryItem<unknown>[]): ActionError | undefined {
  const failed = items.flatMap((item) => (item.error ? [{ ...item, error: item.error }] : []));
  const [first] = failed;
  if (!first) return undefined;
  if (items.length === 1) return first.error;
  const lines = failed.map((item) => `- ${item.label}: ${item.error.message}`);
  const remedies = failed.flatMap((item) =>
    item.error.remedy ? [`- ${item.label}: ${item.error.remedy}`] : [],
  );
  return new ActionError(
    `${failed.length} of ${items.length} registries failed (the others were handled):\n${lines.join("\n")}`,
    remedies.length > 0 ? { remedy: `\n${remedies.join("\n")}` } : {},
  );
}
