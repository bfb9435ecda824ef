/**
 * The registry inputs: `acr-name` and `acr-resource-id` (each a list), `create-registry` and
 * `registry-sku`. Pure parsers over the raw strings; src/settings.ts reads the inputs.
 */
import type { RegistryRef } from "./domain/ports.ts";
import { parseResourceId } from "./domain/resource-id.ts";
import { parseRegistryNameEntry } from "./domain/registry-name.ts";
import { ActionError, quote } from "./errors.ts";
import { Inputs } from "./names.ts";

/** More than this many registries in one step is refused: split the step. */
export const MAX_REGISTRIES = 50;

export const REGISTRY_SKUS = ["Basic", "Standard", "Premium"] as const;
export type RegistrySku = (typeof REGISTRY_SKUS)[number];

/** Entries separated by newlines or commas; blanks and surrounding spaces dropped. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function entryLabel(input: string, index: number, count: number): string {
  return count > 1 ? `Input '${input}' (entry ${index + 1} of ${count})` : `Input '${input}'`;
}

/** One `acr-name` entry: a registry name or a login server. */
export function parseRegistryName(raw: string, index = 0, count = 1): RegistryRef {
  const entry = parseRegistryNameEntry(raw);
  if (!entry) {
    throw new ActionError(
      `${entryLabel(Inputs.AcrName, index, count)} is not a registry name or login server: ${quote(raw)}.`,
      {
        remedy:
          "Use the registry's name (5-50 letters and digits, e.g. myregistry) or its login server " +
          "(e.g. myregistry.azurecr.io), with no path or query; separate several with commas or " +
          "newlines.",
      },
    );
  }
  return { kind: "name", ...entry };
}

/** One `acr-resource-id` entry: a full registry resource id. */
export function parseRegistryId(raw: string, index = 0, count = 1): RegistryRef {
  try {
    const id = parseResourceId(raw, "Microsoft.ContainerRegistry/registries", Inputs.AcrResourceId);
    const { subscriptionId, resourceGroup, name } = id;
    return { kind: "id", id: id.id, subscriptionId, resourceGroup, name };
  } catch (error) {
    if (!(error instanceof ActionError) || count === 1) throw error;
    // Name the entry, as for acr-name.
    throw new ActionError(
      error.message.replace(
        `Input '${Inputs.AcrResourceId}'`,
        entryLabel(Inputs.AcrResourceId, index, count),
      ),
      error.remedy === undefined ? {} : { remedy: error.remedy },
    );
  }
}

function refKey(ref: RegistryRef): string {
  return ref.kind === "id" ? `id:${ref.id.toLowerCase()}` : `name:${ref.name}`;
}

/**
 * Both inputs, each a list, ids after names: the registries in input order, duplicates (after
 * lower-casing, and a login server counting as its name) collapsed. At most MAX_REGISTRIES.
 * An empty list is allowed here: whether a registry must be named depends on `create-registry`.
 */
export function parseRegistryList(acrName: string, acrResourceId: string): RegistryRef[] {
  const names = splitList(acrName);
  const ids = splitList(acrResourceId);
  const total = names.length + ids.length;
  if (total > MAX_REGISTRIES) {
    throw new ActionError(
      `Inputs '${Inputs.AcrName}' and '${Inputs.AcrResourceId}' name ${total} registries; ` +
        `one step takes at most ${MAX_REGISTRIES}.`,
      { remedy: `Split the registries over several steps (or a matrix), ${MAX_REGISTRIES} each.` },
    );
  }
  const refs = [
    ...names.map((raw, i) => parseRegistryName(raw, i, names.length)),
    ...ids.map((raw, i) => parseRegistryId(raw, i, ids.length)),
  ];
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = refKey(ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function parseRegistrySku(raw: string): RegistrySku {
  const sku = REGISTRY_SKUS.find((known) => known.toLowerCase() === raw.toLowerCase());
  if (!sku) {
    throw new ActionError(`Input '${Inputs.RegistrySku}' is not a registry SKU: ${quote(raw)}.`, {
      remedy: `Use one of: ${REGISTRY_SKUS.join(", ")}.`,
    });
  }
  return sku;
}

/**
 * What `create-registry` may be combined with: attach only, and registries by name (an id
 * names a registry that exists). With no registry named at all it is what names the registry.
 */
export function checkRegistryChoice(
  refs: readonly RegistryRef[],
  createRegistry: boolean,
  mode: string,
): void {
  if (createRegistry && mode !== "attach") {
    throw new ActionError(
      `Input '${Inputs.CreateRegistry}' is only for mode attach, not ${quote(mode)}.`,
      { remedy: `Remove '${Inputs.CreateRegistry}: true' from the ${mode} step.` },
    );
  }
  const byId = refs.find((ref) => ref.kind === "id");
  if (createRegistry && byId) {
    throw new ActionError(
      `Input '${Inputs.CreateRegistry}' cannot be combined with '${Inputs.AcrResourceId}': ` +
        `an id names a registry that exists.`,
      {
        remedy:
          `Name the registry to create in '${Inputs.AcrName}', or remove ` +
          `'${Inputs.CreateRegistry}: true'.`,
      },
    );
  }
  if (refs.length === 0 && !createRegistry) {
    throw new ActionError(
      `No registry given: set '${Inputs.AcrName}' or '${Inputs.AcrResourceId}'.`,
      {
        remedy:
          `Set '${Inputs.AcrName}' to the registry's name (e.g. myregistry) or ` +
          `'${Inputs.AcrResourceId}' to its full resource id; several may be given, separated ` +
          `by commas or newlines. With '${Inputs.CreateRegistry}: true' and no name, a registry ` +
          `named after the cluster is created.`,
      },
    );
  }
}
