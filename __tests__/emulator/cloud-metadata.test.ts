/**
 * ARM's cloud metadata as the emulator serves it in each form: one object (Azure Stack Hub's
 * answer) or an array of every cloud (the public cloud's ARM's), chosen by the seed, the options
 * or `setCloudMetadata` whatever the api-version; and the hostile lists tests arm.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import {
  startEmulator,
  type CloudMetadataForm,
  type Emulator,
  type EmulatorOptions,
} from "../../emulator/index.ts";
import { testSeed } from "../fixtures.ts";

const systemCAs = getCACertificates("default");
let emulator: Emulator | undefined;

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ seed: testSeed(), ...options });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => {
  setDefaultCACertificates(systemCAs);
});

interface Entry {
  readonly name: string;
  readonly resourceManager: string;
  readonly authentication: { readonly loginEndpoint: string; readonly audiences: string[] };
  readonly microsoftGraphResourceId: string;
  readonly suffixes: { readonly acrLoginServer: string };
}

async function metadata(target: Emulator, apiVersion = "2022-09-01"): Promise<unknown> {
  const response = await fetch(`${target.url}/metadata/endpoints?api-version=${apiVersion}`);
  expect(response.status).toBe(200);
  return response.json();
}

/** Each entry of an array answer by name and ARM endpoint. */
function listing(body: unknown): [string, string][] {
  if (!Array.isArray(body)) throw new Error(`not an array: ${JSON.stringify(body)}`);
  return (body as Entry[]).map((entry) => [entry.name, entry.resourceManager]);
}

describe("the form of the metadata", () => {
  it.each<[string, EmulatorOptions, CloudMetadataForm]>([
    ["the seed", { seed: { ...testSeed(), cloudMetadataForm: "array" } }, "array"],
    ["the options", { cloudMetadataForm: "array" }, "array"],
    [
      "the options, over the seed",
      { seed: { ...testSeed(), cloudMetadataForm: "array" }, cloudMetadataForm: "object" },
      "object",
    ],
  ])("is chosen by %s, for every api-version from 2019-05-01", async (_, options, form) => {
    const target = await start(options);

    const answers = await Promise.all(
      ["2019-05-01", "2022-09-01", "2024-01-01"].map((version) => metadata(target, version)),
    );

    for (const body of answers) expect(Array.isArray(body)).toBe(form === "array");
  });

  it("follows the api-version when none is chosen: an array of one for 2019-05-01, an object after", async () => {
    const target = await start();

    const older = await metadata(target, "2019-05-01");
    const newer = await metadata(target, "2022-09-01");

    expect(listing(older)).toEqual([["AzureEmulator", `${target.url}/`]]);
    expect(Array.isArray(newer)).toBe(false);
    expect(newer).toMatchObject({ name: "AzureEmulator", resourceManager: `${target.url}/` });
  });

  it("leaves the 2015-01-01 shape the Azure CLI registers clouds from as it is", async () => {
    const target = await start({ cloudMetadataForm: "array" });

    expect(await metadata(target, "2015-01-01")).toEqual({
      galleryEndpoint: `${target.url}/`,
      graphEndpoint: `${target.url}/`,
      portalEndpoint: `${target.url}/`,
      authentication: { loginEndpoint: `${target.url}/`, audiences: [`${target.url}/`] },
    });
  });

  it("setCloudMetadata's form wins over the options', until it is set again", async () => {
    const target = await start({ cloudMetadataForm: "object" });

    target.setCloudMetadata({ form: "array" });
    const chosen = await metadata(target);
    target.setCloudMetadata({});
    const after = await metadata(target);

    expect(Array.isArray(chosen)).toBe(true);
    expect(Array.isArray(after)).toBe(false);
  });

  it("refuses a seed with another form, naming the field", async () => {
    await expect(
      startEmulator({ seed: { ...testSeed(), cloudMetadataForm: "list" as CloudMetadataForm } }),
    ).rejects.toThrow('cloudMetadataForm must be one of object, array, got "list"');
  });
});

describe("the array form", () => {
  it("lists Azure's named clouds with their real endpoints, then the emulated cloud", async () => {
    const target = await start({
      seed: { ...testSeed(), acrLoginServerSuffix: "azurecr.example" },
      cloudMetadataForm: "array",
    });

    const body = (await metadata(target)) as Entry[];

    expect(listing(body)).toEqual([
      ["AzureCloud", "https://management.azure.com/"],
      ["AzureChinaCloud", "https://management.chinacloudapi.cn"],
      ["AzureUSGovernment", "https://management.usgovcloudapi.net"],
      ["AzureEmulator", `${target.url}/`],
    ]);
    expect(body.map((entry) => entry.authentication.loginEndpoint)).toEqual([
      "https://login.microsoftonline.com",
      "https://login.chinacloudapi.cn",
      "https://login.microsoftonline.us",
      `${target.url}/`,
    ]);
    expect(body.map((entry) => entry.authentication.audiences.at(-1))).toEqual([
      "https://management.azure.com/",
      "https://management.chinacloudapi.cn",
      "https://management.usgovcloudapi.net",
      `${target.url}/`,
    ]);
    expect(body.map((entry) => entry.microsoftGraphResourceId)).toEqual([
      "https://graph.microsoft.com/",
      "https://microsoftgraph.chinacloudapi.cn",
      "https://graph.microsoft.us/",
      `${target.url}/`,
    ]);
    expect(body.map((entry) => entry.suffixes.acrLoginServer)).toEqual([
      "azurecr.io",
      "azurecr.cn",
      "azurecr.us",
      "azurecr.example",
    ]);
  });

  it("puts what setCloudMetadata claims in the emulated cloud's entry only", async () => {
    const target = await start({ cloudMetadataForm: "array" });
    target.setCloudMetadata({
      audiences: ["https://management.azure.com/"],
      loginEndpoint: "https://login.attacker.test/",
      resourceManager: "https://management.elsewhere.test/",
    });

    const body = (await metadata(target)) as Entry[];

    expect(body.at(-1)).toMatchObject({
      name: "AzureEmulator",
      resourceManager: "https://management.elsewhere.test/",
      authentication: {
        loginEndpoint: "https://login.attacker.test/",
        audiences: ["https://management.azure.com/"],
      },
    });
    expect(body.slice(0, 3).map((entry) => entry.authentication.loginEndpoint)).toEqual([
      "https://login.microsoftonline.com",
      "https://login.chinacloudapi.cn",
      "https://login.microsoftonline.us",
    ]);
    expect(body.filter((entry) => entry.resourceManager === `${target.url}/`)).toEqual([]);
  });

  it("lists more clouds after the emulated one, each a copy of it with what it claims", async () => {
    const target = await start();
    target.setCloudMetadata({
      form: "array",
      audiences: [`${target.url}/own`],
      moreClouds: [{ name: "AzureEmulatorTwin" }, { name: "Far", resourceManager: "https://far/" }],
    });

    const body = (await metadata(target)) as Entry[];

    expect(listing(body).slice(3)).toEqual([
      ["AzureEmulator", `${target.url}/`],
      ["AzureEmulatorTwin", `${target.url}/`],
      ["Far", "https://far/"],
    ]);
    expect(body.slice(3).map((entry) => entry.authentication.audiences)).toEqual([
      [`${target.url}/own`],
      [`${target.url}/own`],
      [`${target.url}/own`],
    ]);
  });

  it("ignores moreClouds in the object form", async () => {
    const target = await start();
    target.setCloudMetadata({ form: "object", moreClouds: [{ name: "Twin" }] });

    expect(await metadata(target)).toMatchObject({ name: "AzureEmulator" });
  });
});
