/**
 * The registry inputs: lists of names, login servers and ids; the registry SKU; what
 * `create-registry` may be combined with. Pure parsers, and the default registry names.
 */
import { describe, expect, it } from "@jest/globals";
import {
  defaultRegistryName,
  isRegistryName,
  parseRegistryNameEntry,
  suffixedRegistryName,
} from "../../src/domain/registry-name.ts";
import { ActionError } from "../../src/errors.ts";
import {
  checkRegistryChoice,
  MAX_REGISTRIES,
  parseRegistryList,
  parseRegistrySku,
  splitList,
} from "../../src/settings-registries.ts";

const SUBSCRIPTION = "9a1c5d07-2b6e-4f38-8c41-6e3d2a1b5c03";
const REGISTRY_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr`;
const CLUSTER_ID =
  "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-demo";

function refusal(parse: () => unknown): ActionError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("parseRegistryNameEntry", () => {
  it.each([
    ["demoacr", { name: "demoacr" }],
    ["DemoACR01", { name: "demoacr01" }],
    ["d".repeat(50), { name: "d".repeat(50) }],
    ["demoacr.azurecr.io", { name: "demoacr", loginServer: "demoacr.azurecr.io" }],
    ["myacr-abc123.azurecr.io", { name: "myacr", loginServer: "myacr-abc123.azurecr.io" }],
    ["myacr-e7d4hkc5.azurecr.cn", { name: "myacr", loginServer: "myacr-e7d4hkc5.azurecr.cn" }],
    ["MyAcr.AzureCR.us", { name: "myacr", loginServer: "myacr.azurecr.us" }],
    ["myacr.azurecr.contoso.local", { name: "myacr", loginServer: "myacr.azurecr.contoso.local" }],
    ["https://myacr.azurecr.io", { name: "myacr", loginServer: "myacr.azurecr.io" }],
    ["HTTPS://myacr.azurecr.io/", { name: "myacr", loginServer: "myacr.azurecr.io" }],
    ["myacr.azurecr.io/", { name: "myacr", loginServer: "myacr.azurecr.io" }],
    ["http://myacr", { name: "myacr" }],
  ])("reads %j", (raw, expected) => {
    expect(parseRegistryNameEntry(raw)).toEqual(expected);
  });

  it.each([
    "",
    "acr",
    "my-acr",
    "my_acr",
    "d".repeat(51),
    ".azurecr.io",
    "myacr.",
    "myacr .azurecr.io",
    "myacr.azurecr.io//",
    "myacr.azurecr.io/v2/app",
    "https://myacr.azurecr.io/v2",
    "myacr.azurecr.io?tag=1",
    "myacr.azurecr.io#x",
    "myacr.azurecr.io:443",
    "user@myacr.azurecr.io",
    "ftp://myacr.azurecr.io",
    "my-acr-hash.azurecr.io",
  ])("refuses %j", (raw) => {
    expect(parseRegistryNameEntry(raw)).toBeUndefined();
  });
});

describe("splitList", () => {
  it("splits on commas and newlines, trims, and drops blanks", () => {
    expect(splitList(" demoacr,\n\n otheracr , \r\nthirdacr,,")).toEqual([
      "demoacr",
      "otheracr",
      "thirdacr",
    ]);
    expect(splitList("")).toEqual([]);
  });
});

describe("parseRegistryList", () => {
  it("keeps input order, names before ids, and collapses duplicates after normalisation", () => {
    const refs = parseRegistryList(
      "DemoAcr\nothercr1, demoacr, https://demoacr.azurecr.io/",
      `${REGISTRY_ID}\n${REGISTRY_ID.toLowerCase()}`,
    );

    expect(refs).toEqual([
      { kind: "name", name: "demoacr" },
      { kind: "name", name: "othercr1" },
      {
        kind: "id",
        id: REGISTRY_ID,
        subscriptionId: SUBSCRIPTION,
        resourceGroup: "rg-acr",
        name: "demoacr",
      },
    ]);
  });

  it(`takes ${MAX_REGISTRIES} registries and refuses ${MAX_REGISTRIES + 1}`, () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `registry${i}`);

    expect(parseRegistryList(names(MAX_REGISTRIES).join(","), "")).toHaveLength(MAX_REGISTRIES);
    const error = refusal(() => parseRegistryList(names(MAX_REGISTRIES).join(","), REGISTRY_ID));
    expect(error.message).toContain("'acr-name' and 'acr-resource-id' name 51 registries");
    expect(error.message).toContain("at most 50");
    expect(error.remedy).toMatch(/Split the registries over several steps/);
  });

  it("names the bad entry of a list by its place, with its value and the fix", () => {
    const error = refusal(() => parseRegistryList("demoacr,\nmy-acr,otheracr", ""));

    expect(error.message).toBe(
      `Input 'acr-name' (entry 2 of 3) is not a registry name or login server: "my-acr".`,
    );
    expect(error.remedy).toMatch(/5-50 letters and digits/);
  });

  it("names the bad id of a list by its place", () => {
    const error = refusal(() => parseRegistryList("", `${REGISTRY_ID}\n/subscriptions/x`));

    expect(error.message).toMatch(
      /^Input 'acr-resource-id' \(entry 2 of 2\) is not a valid resource id: "\/subscriptions\/x"/,
    );
    expect(error.remedy).toMatch(/\/providers\/Microsoft.ContainerRegistry\/registries\/<name>/);
  });

  it("shows a single bad value without a place", () => {
    const error = refusal(() => parseRegistryList("x", ""));

    expect(error.message).toBe(`Input 'acr-name' is not a registry name or login server: "x".`);
  });
});

describe("parseRegistrySku", () => {
  it.each([
    ["Basic", "Basic"],
    ["standard", "Standard"],
    ["PREMIUM", "Premium"],
  ])("reads %j as %j", (raw, expected) => {
    expect(parseRegistrySku(raw)).toBe(expected);
  });

  it.each(["", "Free", "Classic", "Basic "])("refuses %j, listing the three", (raw) => {
    const error = refusal(() => parseRegistrySku(raw));

    expect(error.message).toContain("Input 'registry-sku'");
    expect(error.message).toContain(JSON.stringify(raw));
    expect(error.remedy).toBe("Use one of: Basic, Standard, Premium.");
  });
});

describe("checkRegistryChoice", () => {
  const byName = [{ kind: "name", name: "demoacr" } as const];
  const byId = [
    {
      kind: "id",
      id: REGISTRY_ID,
      subscriptionId: SUBSCRIPTION,
      resourceGroup: "rg-acr",
      name: "demoacr",
    } as const,
  ];

  it("takes create-registry with names, or with nothing named, in attach mode", () => {
    expect(() => checkRegistryChoice(byName, true, "attach")).not.toThrow();
    expect(() => checkRegistryChoice([], true, "attach")).not.toThrow();
    expect(() => checkRegistryChoice(byId, false, "detach")).not.toThrow();
  });

  it.each<[string, Parameters<typeof checkRegistryChoice>, RegExp, RegExp]>([
    [
      "create-registry with an id",
      [byId, true, "attach"],
      /'create-registry' cannot be combined with 'acr-resource-id'/,
      /Name the registry to create in 'acr-name'/,
    ],
    [
      "create-registry with detach",
      [byName, true, "detach"],
      /'create-registry' is only for mode attach, not "detach"/,
      /Remove 'create-registry: true' from the detach step/,
    ],
    [
      "create-registry with check",
      [byName, true, "check"],
      /'create-registry' is only for mode attach, not "check"/,
      /Remove 'create-registry: true'/,
    ],
    [
      "no registry and no create-registry",
      [[], false, "attach"],
      /No registry given: set 'acr-name' or 'acr-resource-id'/,
      /create-registry: true' and no name, a registry named after the cluster/,
    ],
  ])("refuses %s", (_, args, message, remedy) => {
    const error = refusal(() => checkRegistryChoice(...args));

    expect(error.message).toMatch(message);
    expect(error.remedy).toMatch(remedy);
  });
});

describe("default registry names", () => {
  it.each([
    ["aks-demo", "aksaksdemoacr"],
    ["My_Cluster-01", "aksmycluster01acr"],
    ["a", "aksaacr"],
    ["-", "aksacr"],
  ])("names a registry after cluster %j: %j", (cluster, expected) => {
    expect(defaultRegistryName(cluster)).toBe(expected);
    expect(isRegistryName(expected)).toBe(true);
  });

  it("keeps a 63-character cluster name within 50 characters", () => {
    const name = defaultRegistryName("c".repeat(63));

    expect(name).toHaveLength(50);
    expect(name).toMatch(/^aksc+acr$/);
  });

  it("derives the suffixed name from the cluster's resource id: stable, and valid", () => {
    const suffixed = suffixedRegistryName("aks-demo", CLUSTER_ID);

    expect(suffixed).toMatch(/^aksaksdemoacr[0-9a-f]{6}$/);
    expect(suffixedRegistryName("aks-demo", CLUSTER_ID.toLowerCase())).toBe(suffixed);
    expect(suffixedRegistryName("aks-demo", CLUSTER_ID.replace("rg-aks", "rg-other"))).not.toBe(
      suffixed,
    );
    const long = suffixedRegistryName("c".repeat(63), CLUSTER_ID);
    expect(long).toHaveLength(50);
    expect(isRegistryName(long)).toBe(true);
  });
});
