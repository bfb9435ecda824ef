import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArmContext } from "./arm-context.ts";
import { setClusterRetryAfter } from "./cluster-writes.ts";
import { FaultQueue, type Fault } from "./faults.ts";
import {
  applyFaultOptions,
  faultControls,
  type FaultControls,
  type FaultOptions,
} from "./fault-controls.ts";
import { startForeignHost, type ForeignHost } from "./foreign-host.ts";
import { GITHUB_TOKEN_REQUEST_PATH } from "./github-oidc.ts";
import type { CloudMetadataForm, CloudMetadataOverrides } from "./metadata.ts";
import { signingInPrincipal, withCallerRights, type CallerRights } from "./caller-rights.ts";
import { HostileAnswerSet, type HostileAnswers } from "./hostile.ts";
import { Identities, withManagedIdentitiesAsPrincipals } from "./identities.ts";
import { raceControls, type RaceControls } from "./races.ts";
import { loadSeed, validateSeed, type Seed } from "./seed.ts";
import { createEmulatorServer, type ConnectionLogEntry, type RequestLogEntry } from "./server.ts";
import {
  EmulatorState,
  roleDefinitionIdAt,
  type RoleAssignment,
  type RoleAssignmentInput,
} from "./state.ts";
import { createServerCertificates } from "./tls.ts";
import { worldControls, type WorldControls } from "./world-controls.ts";
import { TokenAuthority } from "./tokens.ts";

export type { Fault } from "./faults.ts";
export type { ForeignHost, ForeignRequest } from "./foreign-host.ts";
export type { CloudEntryOverrides, CloudMetadataForm, CloudMetadataOverrides } from "./metadata.ts";
export { CLOUD_METADATA_FORMS, EMULATED_CLOUD_NAME } from "./metadata.ts";
export type { FaultOptions, OperationError, RegistryView } from "./fault-controls.ts";
export type { ConnectionLogEntry, RequestLogEntry } from "./server.ts";
export type { Seed } from "./seed.ts";
export type { RoleAssignmentInput } from "./state.ts";
export type { ClusterProvisioningState, ClusterView, WorldControls } from "./world-controls.ts";
export type {
  SeedCluster,
  SeedKubeletIdentity,
  SeedRegistry,
  SeedRoleAssignment,
  SeedServicePrincipal,
  SeedSubscription,
} from "./seed.ts";
export { RESOURCE_GRAPH_API_VERSIONS } from "./resource-graph.ts";
export { loadSeed } from "./seed.ts";
export { startProxy, type Proxy, type ProxyOptions } from "./proxy.ts";
export {
  everyField,
  headerSafe,
  HOSTILE,
  HOSTILE_ALL,
  type AnswerContext,
  type HostileAnswers,
  type HostileValue,
} from "./hostile.ts";
export type { ConcurrentCreate, RaceControls } from "./races.ts";
export { CALLER_RIGHTS, withCallerRights, type CallerRights } from "./caller-rights.ts";

/**
 * A host name the emulator's certificate covers but no resolver knows: only a proxy (proxy.ts)
 * can reach it. GitHub's token endpoint is served under it too, because @actions/core never
 * sends loopback addresses through a proxy, and a proxy test must see that request.
 */
export const PROXY_ONLY_HOST = "pipelines.actions.localhost";

/** The seed `npm run emulator` and `startEmulator()` use when given none. */
export const DEMO_SEED_PATH = fileURLToPath(new URL("./seeds/demo.json", import.meta.url));

/**
 * A seed with registries in the cluster's group, other groups and other subscriptions (one the
 * deployer cannot see), a login server with a domain-name-label hash, a name taken outside the
 * tenant, and clusters still `Creating` and `Failed` (emulator/README.md describes it).
 */
export const REGISTRIES_SEED_PATH = fileURLToPath(
  new URL("./seeds/registries.json", import.meta.url),
);

/** Also takes the fault options of fault-controls.ts (list lag, async operations, the clock). */
export interface EmulatorOptions extends FaultOptions {
  /** The starting world, or the path of a seed JSON file; the demo seed if omitted. */
  readonly seed?: Seed | string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Items per list page before ARM hands out a `nextLink`; 100 if omitted. */
  readonly pageSize?: number;
  /** Called as each request is answered (the CLI prints them). */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /** Hostile answers armed from the start (see `Emulator.hostile`). */
  readonly hostile?: HostileAnswers;
  /** Replaces the signing-in caller's role assignments: `reader` or `none` (caller-rights.ts). */
  readonly callerRights?: CallerRights;
  /** `Retry-After` (whole seconds) on a cluster PUT's operation; 1 if omitted (cluster-writes.ts). */
  readonly clusterRetryAfterSeconds?: number;
  /**
   * The form of `/metadata/endpoints` answers (metadata.ts): `object` or `array`, whatever the
   * api-version; the seed's `cloudMetadataForm` if omitted, else by api-version.
   */
  readonly cloudMetadataForm?: CloudMetadataForm;
}

/** A role assignment as tests read it back. */
export interface RoleAssignmentView {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  /** In the form ARM returns: `/subscriptions/{sub}/providers/.../roleDefinitions/{guid}`. */
  readonly roleDefinitionId: string;
  readonly roleName: string;
  readonly principalId: string;
  readonly principalType: string;
  readonly description: string | null;
  /** ISO 8601, as ARM returns them. */
  readonly createdOn: string;
  readonly updatedOn: string;
  /** The creator's object id; null for the seed's and `addRoleAssignment`'s. */
  readonly createdBy: string | null;
}

/**
 * Also has the fault controls of fault-controls.ts (`setListDelay`, `failNextRegistryCreate`...),
 * the races of races.ts (`deleteConcurrently`, `createConcurrently`, `dropAfterWrite`...) and the
 * world views of world-controls.ts (`clusters()`).
 */
export interface Emulator extends FaultControls, RaceControls, WorldControls {
  /** `https://127.0.0.1:<port>`: the ARM endpoint, the authority host, and Graph. */
  readonly url: string;
  /** The CA that signed the server's certificate; trust it to talk to the emulator. */
  readonly caCertPem: string;
  /** The same PEM in a file, for `NODE_EXTRA_CA_CERTS`. */
  readonly caCertPath: string;
  readonly seed: Seed;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RequestLogEntry[];
  /** Every TLS connection accepted: who connected, and the host name it asked for (SNI). */
  readonly connections: readonly ConnectionLogEntry[];
  /** GitHub Actions' OIDC side: what a job with `id-token: write` has in its environment. */
  readonly github: GitHubEndpoints;
  /** The runner machine's managed identity endpoints (see managed-identity.ts). */
  readonly managedIdentity: ManagedIdentityEndpoints;
  /** Every access token and GitHub ID token issued so far. */
  issuedTokens(): string[];
  roleAssignments(): RoleAssignmentView[];
  /** Creates an assignment directly (no caller, no RBAC check), as a seed would. */
  addRoleAssignment(assignment: RoleAssignmentInput): RoleAssignmentView;
  /** Arms a fault for the next matching request(s). */
  inject(fault: Fault): void;
  /**
   * Makes the metadata endpoint claim these instead (another cloud's audience, a foreign sign-in
   * host, another ARM endpoint; in the array form, more entries), and answer in `form` if given.
   * Replaces what was set before.
   */
  setCloudMetadata(overrides: CloudMetadataOverrides): void;
  /** Starts a recording HTTPS server on another port (see foreign-host.ts); closed with this one. */
  startForeignHost(): Promise<ForeignHost>;
  /**
   * Arms hostile answers (hostile.ts): ARM and Graph answers, and issued tokens, carry these
   * values instead of the real ones until `clearHostile()` or `clearFaults()`. Adds to what is
   * armed.
   */
  hostile(answers: HostileAnswers): void;
  clearHostile(): void;
  clearFaults(): void;
  clearRequests(): void;
  close(): Promise<void>;
}

export interface GitHubEndpoints {
  /** `ACTIONS_ID_TOKEN_REQUEST_URL` (GitHub's has a query, so clients append `&audience=`). */
  readonly requestUrl: string;
  /** The same endpoint under a host only a proxy can reach (see PROXY_ONLY_HOST). */
  readonly requestUrlViaProxy: string;
  /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
  readonly requestToken: string;
  /** The `iss` of the tokens, what federated credentials name by default. */
  readonly issuer: string;
  /** The `sub` of the tokens, from the seed's `github` run. */
  readonly subject: string;
}

export interface ManagedIdentityEndpoints {
  /** For `AZURE_POD_IDENTITY_AUTHORITY_HOST`: IMDS at `{host}/metadata/identity/oauth2/token`. */
  readonly imdsHost: string;
  /** App Service style `IDENTITY_ENDPOINT` ... */
  readonly identityEndpoint: string;
  /** ... and its `IDENTITY_HEADER`. */
  readonly identityHeader: string;
}

const DEFAULT_PAGE_SIZE = 100;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = await resolveSeed(options.seed);
  const seed = options.callerRights ? withCallerRights(resolved, options.callerRights) : resolved;
  const state = new EmulatorState(withManagedIdentitiesAsPrincipals(seed));
  const identities = new Identities(seed);
  const certificates = createServerCertificates(["localhost", PROXY_ONLY_HOST]);
  const faults = new FaultQueue();
  applyFaultOptions(state, options);
  if (options.clusterRetryAfterSeconds !== undefined) {
    setClusterRetryAfter(state, options.clusterRetryAfterSeconds);
  }
  const hostile = new HostileAnswerSet();
  if (options.hostile) hostile.add(options.hostile);
  faults.onClear(() => hostile.clear());
  const log: RequestLogEntry[] = [];
  const connections: ConnectionLogEntry[] = [];
  const metadata: { overrides: CloudMetadataOverrides; readonly form?: CloudMetadataForm } = {
    overrides: {},
    form: options.cloudMetadataForm ?? seed.cloudMetadataForm,
  };
  const foreignHosts: ForeignHost[] = [];
  // The base URL is known once the port is; handlers read the context per request.
  const context: { -readonly [K in keyof ArmContext]: ArmContext[K] } = {
    state,
    tokens: new TokenAuthority(),
    baseUrl: "",
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
  };
  const server = createEmulatorServer({
    cert: certificates.serverCertPem,
    key: certificates.serverKeyPem,
    context,
    identities,
    faults,
    metadata,
    hostile,
    log,
    connections,
    onRequest: options.onRequest,
  });
  context.tokens.shownClaims = (claims) => hostile.claims(claims);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  context.baseUrl = `https://127.0.0.1:${port}`;
  const certificateDirectory = await mkdtemp(join(tmpdir(), "aks-attach-acr-emulator-"));
  const caCertPath = join(certificateDirectory, "ca.pem");
  await writeFile(caCertPath, certificates.caCertPem);

  let closed: Promise<void> | undefined;
  return {
    url: context.baseUrl,
    caCertPem: certificates.caCertPem,
    caCertPath,
    seed,
    requests: log,
    connections,
    github: {
      requestUrl: `${context.baseUrl}${GITHUB_TOKEN_REQUEST_PATH}?api-version=2.0`,
      requestUrlViaProxy: `https://${PROXY_ONLY_HOST}:${port}${GITHUB_TOKEN_REQUEST_PATH}?api-version=2.0`,
      requestToken: identities.github.requestToken,
      issuer: identities.github.issuer(context.baseUrl),
      subject: identities.github.subject(),
    },
    managedIdentity: {
      imdsHost: context.baseUrl,
      identityEndpoint: `${context.baseUrl}/msi/token`,
      identityHeader: identities.identityHeader,
    },
    issuedTokens: () => [...context.tokens.issued, ...identities.github.issued],
    roleAssignments: () => state.roleAssignments().map((assignment) => view(state, assignment)),
    addRoleAssignment: (assignment) => view(state, state.addRoleAssignment(assignment, null)),
    inject: (fault) => faults.add(fault),
    setCloudMetadata: (overrides) => {
      metadata.overrides = overrides;
    },
    startForeignHost: async () => {
      const host = await startForeignHost(certificates.serverCertPem, certificates.serverKeyPem);
      foreignHosts.push(host);
      return host;
    },
    clearFaults: () => faults.clear(),
    ...faultControls(state, faults),
    ...raceControls(state, faults),
    ...worldControls(state),
    hostile: (answers) => hostile.add(answers),
    clearHostile: () => hostile.clear(),
    clearRequests: () => {
      log.length = 0;
      connections.length = 0;
    },
    close: () => {
      closed ??= (async () => {
        server.closeAllConnections();
        await Promise.all(foreignHosts.map((host) => host.close()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(certificateDirectory, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

async function resolveSeed(seed: Seed | string | undefined): Promise<Seed> {
  if (seed === undefined) return loadSeed(DEMO_SEED_PATH);
  if (typeof seed === "string") return loadSeed(seed);
  return validateSeed(structuredClone(seed));
}

function view(state: EmulatorState, assignment: RoleAssignment): RoleAssignmentView {
  const prefix = assignment.scope === "/" ? "" : assignment.scope;
  return {
    id: `${prefix}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`,
    name: assignment.name,
    scope: assignment.scope,
    roleDefinitionId: roleDefinitionIdAt(assignment.scope, assignment.roleDefinitionGuid),
    roleName: state.roleDefinition(assignment.roleDefinitionGuid)?.roleName ?? "",
    principalId: assignment.principalId,
    principalType: assignment.principalType,
    description: assignment.description,
    createdOn: assignment.createdOn,
    updatedOn: assignment.updatedOn,
    createdBy: assignment.createdBy,
  };
}

/**
 * The action's inputs, by their names in action.yml, for a run against the
 * emulator: the seed's first cluster and registry, signed in as its first service principal
 * that has a client secret.
 */
export function runInputs(emulator: Emulator, seed: Seed = emulator.seed): Record<string, string> {
  const cluster = seed.clusters?.[0];
  const registry = seed.registries?.[0];
  const deployer = signingInPrincipal(seed);
  if (!cluster || !registry || !deployer) {
    throw new Error(
      "runInputs needs a seed with a cluster, a registry and a service principal with a clientSecret",
    );
  }
  return {
    "resource-group": cluster.resourceGroup,
    "cluster-name": cluster.name,
    "acr-name": registry.name,
    "subscription-id": cluster.subscriptionId,
    "client-id": deployer.appId,
    "tenant-id": seed.tenantId,
    "client-secret": deployer.clientSecret,
    "resource-manager-endpoint": emulator.url,
    "authority-host": emulator.url,
  };
}

/** `runInputs` plus `NODE_EXTRA_CA_CERTS`: the environment of a child process running the action. */
export function runEnvironment(emulator: Emulator, seed?: Seed): Record<string, string> {
  const inputs = Object.entries(runInputs(emulator, seed)).map(
    ([name, value]) => [`INPUT_${name.toUpperCase()}`, value] as const,
  );
  return { NODE_EXTRA_CA_CERTS: emulator.caCertPath, ...Object.fromEntries(inputs) };
}
