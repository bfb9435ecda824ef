import type { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ActionError } from "../errors.ts";
import { Inputs } from "../names.ts";
import type { Registry, RegistryPort, RegistryRef } from "../domain/ports.ts";
import { answerFrom, freeText } from "./answers.ts";
import { errorCode, toActionError } from "./errors.ts";

/** The calls of the SDK's registry operations the port needs. */
type Registries = Pick<ContainerRegistryManagementClient["registries"], "get" | "list">;

type SdkRegistry = Awaited<ReturnType<Registries["get"]>>;

/** A registry answer as the domain sees it; its id and login server become outputs, so are checked. */
function toRegistry(registry: SdkRegistry, scope: string): Registry {
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

/**
 * Registries of one subscription client. A registry given by id may live in another
 * subscription of the tenant, so the factory is asked for that subscription's client.
 */
export function createRegistryPort(
  registriesFor: (subscriptionId: string) => Registries,
  subscriptionId: string,
): RegistryPort {
  async function getById(ref: Extract<RegistryRef, { kind: "id" }>, signal: AbortSignal) {
    const { subscriptionId, resourceGroup, name } = ref;
    try {
      return toRegistry(
        await registriesFor(subscriptionId).get(resourceGroup, name, { abortSignal: signal }),
        ref.id,
      );
    } catch (error) {
      throw toActionError(error, {
        operation: "read the container registry",
        scope: ref.id,
        permission: "Microsoft.ContainerRegistry/registries/read",
      });
    }
  }

  /**
   * The cluster's resource group first, then the whole subscription, asked at the same time so
   * that a registry elsewhere costs no extra round trip. (Registry names are unique in Azure, so
   * the two answers cannot disagree; the group's answer also serves a caller who may read that
   * group but not list the subscription.)
   */
  async function findByName(name: string, preferredResourceGroup: string, signal: AbortSignal) {
    const registries = registriesFor(subscriptionId);
    const subscriptionScope = `/subscriptions/${subscriptionId}`;
    const groupScope = `${subscriptionScope}/resourceGroups/${preferredResourceGroup}`;
    const inGroup = registries.get(preferredResourceGroup, name, { abortSignal: signal }).then(
      (registry) => toRegistry(registry, groupScope),
      (error: unknown) => {
        const code = errorCode(error);
        if (code === "ResourceNotFound" || code === "ResourceGroupNotFound") return undefined;
        throw toActionError(error, {
          operation: `read the container registry '${name}'`,
          scope: groupScope,
          permission: "Microsoft.ContainerRegistry/registries/read",
        });
      },
    );
    const inSubscription = (async () => {
      try {
        for await (const registry of registries.list({ abortSignal: signal })) {
          if (registry.name?.toLowerCase() === name.toLowerCase()) {
            return toRegistry(registry, subscriptionScope);
          }
        }
        return undefined;
      } catch (error) {
        throw toActionError(error, {
          operation: "list the container registries",
          scope: subscriptionScope,
          permission: "Microsoft.ContainerRegistry/registries/read",
        });
      }
    })();
    // Both settle before deciding, so neither leaves an unhandled rejection behind.
    const [group, subscription] = await Promise.allSettled([inGroup, inSubscription]);
    if (group.status === "fulfilled" && group.value) return group.value;
    if (subscription.status === "fulfilled" && subscription.value) return subscription.value;
    // When both failed, the subscription's failure is the one to fix: a grant on the whole
    // subscription lets both lookups through, one on the cluster's group only the first.
    if (subscription.status === "rejected") throw subscription.reason;
    if (group.status === "rejected") throw group.reason;
    throw new ActionError(
      `Container registry '${name}' was not found in subscription ${subscriptionId} ` +
        `(looked in resource group '${preferredResourceGroup}' and in the whole subscription).`,
      {
        remedy:
          `Check '${Inputs.AcrName}'. For a registry in another subscription, set '${Inputs.AcrResourceId}' to its ` +
          "full resource id instead.",
      },
    );
  }

  return {
    getRegistry(ref, preferredResourceGroup, { signal }) {
      return ref.kind === "id"
        ? getById(ref, signal)
        : findByName(ref.name, preferredResourceGroup, signal);
    },
  };
}
