import type { RegistriesOperations } from "@azure/arm-containerregistry";
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { Registry, RegistryPort, Subscription } from "../domain/ports.ts";
import { answerFrom, freeText } from "./answers.ts";
import { errorCode, toActionError } from "./errors.ts";

/** The calls of the SDK's registry operations the port needs. */
type Registries = Pick<RegistriesOperations, "get" | "list" | "checkNameAvailability" | "create">;
/** Resource Graph's one query call. */
type ResourceGraph = Pick<ResourceGraphClient, "resources">;

type SdkRegistry = Awaited<ReturnType<Registries["get"]>>;

/** A registry answer as the domain sees it; its id and login server become outputs, so are checked. */
function toRegistry(
  registry: Pick<
    SdkRegistry,
    "id" | "name" | "loginServer" | "location" | "roleAssignmentMode" | "publicNetworkAccess"
  >,
  scope: string,
): Registry {
  const answer = answerFrom("a registry", scope);
  return {
    id: answer.resourceId("id", registry.id, "Microsoft.ContainerRegistry/registries"),
    name: answer.name("name", registry.name),
    loginServer: answer.host("loginServer", registry.loginServer),
    location: freeText(registry.location, 100) ?? "",
    roleAssignmentMode: freeText(registry.roleAssignmentMode, 100),
    publicNetworkAccess: freeText(registry.publicNetworkAccess, 100),
  };
}

/** The few fields of a registry the action reads, as Resource Graph returns them. */
interface GraphRegistryRow {
  readonly id?: unknown;
  readonly name?: unknown;
  readonly location?: unknown;
  readonly properties?: {
    readonly loginServer?: unknown;
    readonly roleAssignmentMode?: unknown;
    readonly publicNetworkAccess?: unknown;
  };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined) {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;
}

const RESOURCE_GRAPH_SCOPE = "/providers/Microsoft.ResourceGraph/resources";

/** A Resource Graph row as a registry, checked as a GET's answer is; rows lacking a field are skipped. */
function registryFromGraph(row: GraphRegistryRow): Registry | undefined {
  const id = text(row.id);
  const name = text(row.name);
  const loginServer = text(row.properties?.loginServer);
  if (!id || !name || !loginServer) return undefined;
  return toRegistry(
    {
      id,
      name,
      loginServer,
      location: text(row.location) ?? "",
      ...optional("roleAssignmentMode", text(row.properties?.roleAssignmentMode)),
      ...optional("publicNetworkAccess", text(row.properties?.publicNetworkAccess)),
    },
    RESOURCE_GRAPH_SCOPE,
  );
}

/** The registries named so, in every subscription the caller can see. Names are plain letters and digits. */
export function registrySearchQuery(names: readonly string[]): string {
  const list = names.map((name) => {
    if (!/^[a-z0-9]+$/i.test(name)) throw new Error(`not a registry name: ${name}`);
    return `'${name.toLowerCase()}'`;
  });
  return (
    "resources" +
    " | where type =~ 'microsoft.containerregistry/registries'" +
    ` | where name in~ (${list.join(", ")})` +
    " | project id, name, location, properties"
  );
}

export interface RegistryClients {
  /** The registries operation group of a subscription's client. */
  registriesFor(subscriptionId: string): Registries;
  /** Resource Graph, for one query across subscriptions. */
  readonly resourceGraph: ResourceGraph;
  /** A GET of an ARM path through the same pipeline (for `/subscriptions`). */
  getArm(pathOrUrl: string, signal: AbortSignal): Promise<unknown>;
}

/**
 * Registries: by id in any subscription (a client per subscription), listed per subscription,
 * searched across subscriptions with Resource Graph, checked for name availability, created.
 */
export function createRegistryPort(clients: RegistryClients): RegistryPort {
  const readPermission = "Microsoft.ContainerRegistry/registries/read";
  return {
    async readRegistry({ id, subscriptionId, resourceGroup, name }, { signal }) {
      try {
        return toRegistry(
          await clients
            .registriesFor(subscriptionId)
            .get(resourceGroup, name, { abortSignal: signal }),
          id,
        );
      } catch (error) {
        const code = errorCode(error);
        if (code === "ResourceNotFound" || code === "ResourceGroupNotFound") return undefined;
        throw toActionError(error, {
          operation: "read the container registry",
          scope: id,
          permission: readPermission,
        });
      }
    },

    async listRegistries(subscriptionId, { signal }) {
      const found: Registry[] = [];
      try {
        for await (const registry of clients
          .registriesFor(subscriptionId)
          .list({ abortSignal: signal })) {
          found.push(toRegistry(registry, `/subscriptions/${subscriptionId}`));
        }
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the container registries",
          scope: `/subscriptions/${subscriptionId}`,
          permission: readPermission,
        });
      }
    },

    async searchRegistries(names, { signal }) {
      const query = registrySearchQuery(names);
      const found: Registry[] = [];
      try {
        let skipToken: string | undefined;
        do {
          const page = await clients.resourceGraph.resources(
            {
              query,
              options: { resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}) },
            },
            { abortSignal: signal },
          );
          const rows: unknown = page.data;
          for (const row of Array.isArray(rows) ? rows : []) {
            const registry = registryFromGraph(row as GraphRegistryRow);
            if (registry) found.push(registry);
          }
          skipToken = page.skipToken;
        } while (skipToken);
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation:
            "search the container registries of every visible subscription (Azure Resource Graph)",
          scope: RESOURCE_GRAPH_SCOPE,
          permission: readPermission,
        });
      }
    },

    async listSubscriptions({ signal }) {
      const found: Subscription[] = [];
      let next: string | undefined = "/subscriptions?api-version=2022-12-01";
      try {
        while (next) {
          const page = (await clients.getArm(next, signal)) as {
            value?: { subscriptionId?: unknown; displayName?: unknown }[];
            nextLink?: unknown;
          };
          for (const s of page.value ?? []) {
            const subscriptionId = text(s.subscriptionId);
            if (subscriptionId) {
              found.push({
                subscriptionId: answerFrom("a subscription", "/subscriptions").guid(
                  "subscriptionId",
                  subscriptionId,
                ),
                displayName: freeText(text(s.displayName), 100),
              });
            }
          }
          next = text(page.nextLink);
        }
        return found;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the subscriptions",
          scope: "/subscriptions",
        });
      }
    },

    async checkNameAvailability(subscriptionId, name, { signal }) {
      try {
        const status = await clients
          .registriesFor(subscriptionId)
          .checkNameAvailability(
            { name, type: "Microsoft.ContainerRegistry/registries" },
            { abortSignal: signal },
          );
        return {
          available: status.nameAvailable === true,
          // Azure's own words, shown in a failure: one bounded line, as all free text.
          reason: freeText(status.reason, 100),
          message: freeText(status.message, 600),
        };
      } catch (error) {
        throw toActionError(error, {
          operation: `check whether the registry name ${name} is free`,
          scope: `/subscriptions/${subscriptionId}`,
          permission: readPermission,
        });
      }
    },

    async createRegistry(spec, { signal }) {
      const id = `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${spec.name}`;
      try {
        const created = await clients.registriesFor(spec.subscriptionId).create(
          spec.resourceGroup,
          spec.name,
          { location: spec.location, sku: { name: spec.sku } },
          // ACR's Retry-After rules when it sends one; this only when it does not.
          { abortSignal: signal, updateIntervalInMs: 1_000 },
        );
        return toRegistry(created, id);
      } catch (error) {
        throw toActionError(error, {
          operation: `create the container registry ${spec.name}`,
          scope: id,
          permission: "Microsoft.ContainerRegistry/registries/write",
        });
      }
    },
  };
}
