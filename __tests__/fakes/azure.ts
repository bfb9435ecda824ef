/**
 * The action's ports over the emulator's own model of Azure, in memory and without HTTP, for
 * unit tests of the workflows. The world (`EmulatorState`) and its rules (which scopes exist and
 * contain which, what a role assignment PUT creates or refuses, what lists show and when, what
 * a competing writer does) are the emulator's, the same ones the integration and end-to-end
 * tests meet over HTTPS; this file only translates between the domain types and the model. It
 * shares nothing with src/azure, so that a bug there cannot hide itself by being shared.
 */
import type {
  AzurePorts,
  Cluster,
  ClusterPort,
  DirectoryPort,
  Log,
  Permission,
  Registry,
  RegistryPort,
  RoleAssignment,
  RoleAssignmentPort,
  RoleDefinition,
  RoleDefinitionPort,
} from "../../src/domain/ports.ts";
import { ActionError } from "../../src/errors.ts";
import { ArmError } from "../../emulator/arm-errors.ts";
import { roleAssignmentBody, roleDefinitionBody } from "../../emulator/authorization.ts";
import * as rules from "../../emulator/authorization-rules.ts";
import { writeConcurrently } from "../../emulator/races.ts";
import {
  createRegistry,
  pollRegistryOperation,
  registryBody,
  registryNameAvailability,
} from "../../emulator/registries.ts";
import { queryResources } from "../../emulator/resource-graph.ts";
import {
  listRegistries,
  readCluster,
  readRegistry,
  visibleSubscriptions,
} from "../../emulator/resources.ts";
import type { Seed, SeedCluster, SeedRegistry } from "../../emulator/seed.ts";
import { EmulatorState, type RoleAssignment as ModelAssignment } from "../../emulator/state.ts";

export { ACR_PULL, ACR_PUSH, CONTRIBUTOR, OWNER, READER, REPOSITORY_READER } from "../fixtures.ts";

/** A custom role for `addRoleDefinition`: one permission block. */
export type RoleDefinitionSpec = {
  readonly guid: string;
  readonly roleName: string;
  readonly assignableScopes: readonly string[];
} & Partial<Permission>;

export function roleDefinitionIdFor(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

export function assignmentIdFor(scope: string, name: string): string {
  return `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
}

/** How the writer that beats the next `create` to it shows itself. */
export interface CompetingWriter {
  /** Whether listing the principal's assignments already shows the other writer's assignment. */
  readonly listed: boolean;
  /** Whether ARM's 409 names the existing assignment. */
  readonly namedInConflict: boolean;
}

/** The model's clock: fixed, so lists lag (or not) exactly as a test arranges. */
const NOW = Date.parse("2026-01-01T12:00:00Z");
/** How far lists lag once a test wants an assignment they do not show yet. */
const LIST_LAG_MS = 60_000;
/** When `assign` dates an assignment that lists already show: well before any lag. */
const LONG_AGO = new Date(NOW - 24 * 60 * 60_000);

const ASSIGNMENT_ID = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/([^/]+)\/?$/i;
const ROLE_DEFINITION_ID =
  /^(?:\/subscriptions\/([^/]+))?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)\/?$/i;

export class FakeAzure implements AzurePorts {
  /** The model itself: the emulator's state, served to no one but these ports. */
  readonly state: EmulatorState;
  /** The subscription the ports are signed in to (the seed's first). */
  readonly subscriptionId: string;
  /** Assignments another writer made while a `create` was in flight. */
  readonly writtenByOthers: RoleAssignment[] = [];
  /** Every write the ports received, as `PUT <id>` or `DELETE <id>`: the fake's request log. */
  readonly writes: string[] = [];
  /** Every read the ports received, as `<operation> <target>`: with `writes`, the request log. */
  readonly reads: string[] = [];
  /**
   * Every error the ports threw, in order. Their text is the fake's own, not the adapters':
   * what a failure says to the user is the adapters' (and their tests') business; a workflow's
   * is to pass it on unchanged. ARM's refusal, when there was one, is the `cause`.
   */
  readonly failures: Error[] = [];
  /** Who the ports' writes are made as: the seed's caller (its first principal with a secret). */
  readonly #caller: string | null;
  #competitor: CompetingWriter | undefined;
  #directoryRefuses = false;
  #searchRefused = false;
  /** The names of the seed's assignments (the caller's rights): not what a test is about. */
  readonly #seeded: Set<string>;
  /** One domain object per model object, so that a test can compare by identity. */
  readonly #views = new WeakMap<ModelAssignment, RoleAssignment>();

  constructor(seed: Seed) {
    this.state = new EmulatorState(seed, () => new Date(NOW));
    this.subscriptionId = seed.subscriptions[0]!.subscriptionId;
    this.#caller = seed.servicePrincipals?.find((p) => p.clientSecret)?.objectId ?? null;
    this.#seeded = new Set(this.state.roleAssignments().map((assignment) => assignment.name));
  }

  // --- set-up, in the model's own terms ---

  /** A cluster, as a seed declares one (its group must exist). */
  addCluster(cluster: SeedCluster): void {
    this.state.addCluster(cluster);
  }

  /** A registry, as a seed declares one; its subscription and group are made if missing. */
  addRegistry(registry: SeedRegistry): void {
    const { subscriptionId, resourceGroup, location } = registry;
    if (!this.state.subscription(subscriptionId)) this.state.addSubscription({ subscriptionId });
    if (!this.state.resourceGroup(subscriptionId, resourceGroup)) {
      this.state.addResourceGroup(subscriptionId, { name: resourceGroup, location });
    }
    this.state.addRegistry(registry);
  }

  /** A custom role (or a second role of the same name); built-in roles are there already. */
  addRoleDefinition(spec: RoleDefinitionSpec): void {
    this.state.addRoleDefinition({
      id: spec.guid,
      roleName: spec.roleName,
      assignableScopes: spec.assignableScopes,
      permissions: [
        {
          actions: spec.actions ?? [],
          notActions: spec.notActions ?? [],
          dataActions: spec.dataActions ?? [],
          notDataActions: spec.notDataActions ?? [],
        },
      ],
    });
  }

  /**
   * A subscription the caller can see (it holds Reader there, as part of its rights), made if
   * missing.
   */
  seeSubscription(subscriptionId: string, displayName: string): void {
    const existing = this.state.subscription(subscriptionId);
    this.state.addSubscription({
      subscriptionId,
      displayName,
      resourceGroups: [...(existing?.resourceGroups.values() ?? [])],
    });
    const rights = this.state.addRoleAssignment(
      { scope: `/subscriptions/${subscriptionId}`, roleName: "Reader", principalId: this.#caller! },
      null,
    );
    this.#seeded.add(rights.name);
  }

  /** Makes the cluster's provisioning start over as given (one still being created, say). */
  provisionCluster(
    name: string,
    progress: Pick<SeedCluster, "provisioningState" | "readsUntilSucceeded">,
  ): void {
    const cluster = this.state.clusters(this.subscriptionId).find((c) => c.name === name);
    if (!cluster) throw new Error(`no cluster ${name} in the fake's subscription`);
    this.state.clusterProvisioning.track({ ...cluster, ...progress });
  }

  /** A registry name held in Azure by a registry the caller cannot see (another tenant's). */
  takeNameElsewhere(name: string): void {
    this.state.takeRegistryName(name);
  }

  /** Makes Resource Graph refuse queries (a caller without it, or an outage). */
  refuseSearches(): void {
    this.#searchRefused = true;
  }

  /** The registries there are now, created ones included, as ACR describes them. */
  registriesNow(): Registry[] {
    return this.state.allRegistries().map((registry) => registryOf(registryBody(registry)));
  }

  /** Makes Microsoft Graph answer 403, as it does to a principal without directory read rights. */
  refuseDirectoryReads(): void {
    this.#directoryRefuses = true;
  }

  /**
   * Seeds an assignment as someone else (the portal, the CLI) made it earlier, with the model's
   * integrity rules (the scope must exist, one assignment per role, principal and scope).
   */
  assign(fields: {
    scope: string;
    principalId: string;
    roleGuid: string;
    name?: string;
    /** `false`: just made, so ARM's lists (which lag behind writes) do not show it yet. */
    listed?: boolean;
  }): RoleAssignment {
    if (fields.listed === false) this.#lagLists();
    const created = this.state.addRoleAssignment(
      {
        scope: fields.scope,
        roleDefinitionId: fields.roleGuid,
        principalId: fields.principalId,
        ...(fields.name === undefined ? {} : { name: fields.name }),
        createdOn: fields.listed === false ? this.state.now() : LONG_AGO,
      },
      null,
    );
    return this.#view(created);
  }

  /**
   * Makes the next `create` lose a race: just before it lands, another writer assigns the same
   * role to the same principal at the same scope under a name of its own.
   */
  competeOnNextCreate(writer: CompetingWriter = { listed: true, namedInConflict: true }): void {
    this.#competitor = writer;
    if (!writer.listed) this.#lagLists();
    this.state.conflictNamesExisting = writer.namedInConflict;
  }

  /**
   * Every role assignment in the tenant but the seed's (the signed-in caller's own rights), in
   * creation order: what the test and the ports made.
   */
  get assignments(): RoleAssignment[] {
    return this.state
      .roleAssignments()
      .filter((assignment) => !this.#seeded.has(assignment.name))
      .map((assignment) => this.#view(assignment));
  }

  // --- the ports ---

  readonly clusters: ClusterPort = {
    getCluster: async (resourceGroup, name) => {
      this.reads.push(`GET cluster ${name}`);
      const body = this.#ask(() =>
        readCluster(this.state, this.subscriptionId, resourceGroup, name),
      );
      const kubelet = body.properties.identityProfile?.kubeletidentity;
      return {
        id: body.id,
        name: body.name,
        location: body.location,
        kubeletIdentity: kubelet && { objectId: kubelet.objectId, clientId: kubelet.clientId },
        servicePrincipalClientId: body.properties.servicePrincipalProfile.clientId,
        controlPlanePrincipalId: body.identity?.principalId,
        // ARM's GET of a resource sends no Retry-After, so retryAfterMs stays unset.
        provisioningState: body.properties.provisioningState,
      } satisfies Cluster;
    },
  };

  readonly registries: RegistryPort = {
    // ARM's GET of a registry by id: undefined for its 404s.
    readRegistry: async ({ id, subscriptionId, resourceGroup, name }) => {
      this.reads.push(`GET registry ${id}`);
      const body = this.#ask(
        () => readRegistry(this.state, subscriptionId, resourceGroup, name),
        ["ResourceNotFound", "ResourceGroupNotFound", "SubscriptionNotFound"],
      );
      return body && registryOf(body);
    },

    listRegistries: async (subscriptionId) => {
      this.reads.push(`LIST registries ${subscriptionId}`);
      return this.#ask(() => listRegistries(this.state, subscriptionId)).map(registryOf);
    },

    // One Resource Graph query over what the caller may read, in every subscription.
    searchRegistries: async (names) => {
      this.reads.push(`SEARCH registries ${names.join(",")}`);
      if (this.#searchRefused) return this.#fail("Resource Graph refuses the query");
      const listed = names.map((name) => `'${name}'`).join(", ");
      const query = `Resources | where type =~ 'microsoft.containerregistry/registries' and name in~ (${listed})`;
      const { rows } = this.#ask(() => queryResources(this.state, this.#caller ?? "", query));
      return rows.map((row) => registryOf(row as unknown as ReturnType<typeof readRegistry>));
    },

    listSubscriptions: async () => {
      this.reads.push("LIST subscriptions");
      return visibleSubscriptions(this.state, this.#caller ?? "").map((subscription) => ({
        subscriptionId: subscription.subscriptionId,
        displayName: subscription.displayName,
      }));
    },

    checkNameAvailability: async (_subscriptionId, name) => {
      this.reads.push(`CHECK name ${name}`);
      const answer = registryNameAvailability(this.state, name);
      return answer.nameAvailable
        ? { available: true, reason: undefined, message: undefined }
        : { available: false, reason: answer.reason, message: answer.message };
    },

    // The PUT, then its long-running operation polled to its end, then the registry read.
    createRegistry: async (wanted) => {
      const { subscriptionId, resourceGroup, name } = wanted;
      const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${name}`;
      this.writes.push(`PUT ${id}`);
      const put = this.#ask(() =>
        createRegistry(this.state, {
          subscriptionId,
          groupName: resourceGroup,
          name,
          body: () => ({ location: wanted.location, sku: { name: wanted.sku } }),
        }),
      );
      if (put.operationName !== undefined) {
        const operation = put.operationName;
        for (let polls = 0; ; polls++) {
          const status = this.#ask(() => pollRegistryOperation(this.state, id, operation));
          if (status.status === "Failed") {
            return this.#fail(`the registry's creation failed: ${status.error?.code ?? ""}`);
          }
          if (status.status !== "InProgress") break;
          if (polls > 100) return this.#fail("the registry's creation never ended");
        }
      }
      return registryOf(
        this.#ask(() => readRegistry(this.state, subscriptionId, resourceGroup, name)),
      );
    },
  };

  readonly roleAssignments: RoleAssignmentPort = {
    // ARM's list at a scope with `$filter=atScope()`: every principal's, at and above it.
    listAtScope: async (scope) => {
      this.reads.push(`LIST assignments ${scope}`);
      return this.#ask(() => rules.listRoleAssignments(this.state, scope, { atScope: true })).map(
        (assignment) => this.#view(assignment),
      );
    },

    create: async (wanted) => {
      this.writes.push(`PUT ${assignmentIdFor(wanted.scope, wanted.name)}`);
      const competitor = this.#competitor;
      this.#competitor = undefined;
      if (competitor) {
        const theirs = writeConcurrently(this.state, wanted, { underAnotherName: true });
        if (theirs) this.writtenByOthers.push(this.#view(theirs));
      }
      const put = this.#ask(() =>
        rules.putRoleAssignment(this.state, {
          scope: wanted.scope,
          name: wanted.name,
          caller: this.#caller,
          body: () => ({
            properties: {
              roleDefinitionId: wanted.roleDefinitionId,
              principalId: wanted.principalId,
              principalType: wanted.principalType,
              description: wanted.description,
            },
          }),
        }),
      );
      switch (put.kind) {
        case "created":
          return { created: this.#view(put.assignment) };
        case "existing":
          // There before this run, whether ARM answered 200 or 201.
          return { created: this.#view(put.assignment), alreadyExisted: true };
        case "conflict":
          return { conflict: { existingId: put.existing && this.#view(put.existing).id } };
      }
    },

    // ARM's delete by id: 200 with the assignment, or 204 when it is already gone.
    delete: async (id) => {
      this.writes.push(`DELETE ${id}`);
      const [, scope = "", name = ""] = ASSIGNMENT_ID.exec(id) ?? [];
      const deleted = this.#ask(() => rules.deleteRoleAssignment(this.state, scope, name));
      return { deleted: deleted !== undefined };
    },
  };

  readonly roleDefinitions: RoleDefinitionPort = {
    getRoleDefinition: async (id) => {
      const match = ROLE_DEFINITION_ID.exec(id);
      if (!match) return undefined;
      const [, subscription, guid = ""] = match;
      const scope = subscription ? `/subscriptions/${subscription}` : "/";
      const definition = this.#ask(
        () => rules.getRoleDefinition(this.state, scope, guid),
        ["RoleDefinitionDoesNotExist"],
      );
      return definition && definitionOf(roleDefinitionBody(definition, scope));
    },

    // ARM's list with `$filter=roleName eq '...'`: the definitions of that name assignable there.
    findRoleDefinitions: async (scope, roleName) =>
      this.#ask(() =>
        rules.listRoleDefinitions(this.state, scope, { roleName: roleName.toLowerCase() }),
      ).map((definition) => definitionOf(roleDefinitionBody(definition, scope))),
  };

  readonly directory: DirectoryPort = {
    servicePrincipalObjectId: async (appId) => {
      if (this.#directoryRefuses) return this.#fail(`Microsoft Graph refuses to read ${appId}`);
      return (
        this.state.principalByAppId(appId)?.objectId ??
        this.#fail(`Microsoft Graph has no service principal ${appId}`)
      );
    },
  };

  // --- translation ---

  /**
   * Runs one of the model's rules. ARM's refusal becomes the fake's failure; one of the `absent`
   * codes (a 404 the port's contract turns into "none") becomes undefined.
   */
  #ask<T>(rule: () => T): T;
  #ask<T>(rule: () => T, absent: readonly string[]): T | undefined;
  #ask<T>(rule: () => T, absent: readonly string[] = []): T | undefined {
    try {
      return rule();
    } catch (error) {
      if (!(error instanceof ArmError)) throw error;
      if (absent.includes(error.code)) return undefined;
      return this.#fail(`ARM answered ${error.status} ${error.code}`, error);
    }
  }

  #fail(what: string, cause?: ArmError): never {
    const failure = new ActionError(`fake Azure: ${what}`, cause ? { cause } : undefined);
    this.failures.push(failure);
    throw failure;
  }

  #view(assignment: ModelAssignment): RoleAssignment {
    let view = this.#views.get(assignment);
    if (!view) {
      const body = roleAssignmentBody(assignment);
      view = {
        id: body.id,
        name: body.name,
        scope: body.properties.scope,
        roleDefinitionId: body.properties.roleDefinitionId,
        principalId: body.properties.principalId,
        principalType: body.properties.principalType,
        ...(body.properties.description === null
          ? {}
          : { description: body.properties.description }),
      };
      this.#views.set(assignment, view);
    }
    return view;
  }

  #lagLists(): void {
    if (this.state.listDelayMs === 0) this.state.setListDelay(LIST_LAG_MS);
  }
}

function registryOf(body: ReturnType<typeof readRegistry>): Registry {
  return {
    id: body.id,
    name: body.name,
    loginServer: body.properties.loginServer,
    location: body.location,
    roleAssignmentMode: body.properties.roleAssignmentMode,
    publicNetworkAccess: body.properties.publicNetworkAccess,
  };
}

function definitionOf(body: ReturnType<typeof roleDefinitionBody>): RoleDefinition {
  return {
    id: body.id,
    name: body.name,
    roleName: body.properties.roleName,
    permissions: body.properties.permissions,
  };
}

/** What `promise` rejected with; fails the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** A log that keeps what the workflow wrote, for assertions on what the user would read. */
export class RecordingLog implements Log {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(message);
  }
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
}
