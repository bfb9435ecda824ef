/**
 * The committed dist/ as `npm run bundle` makes it: only the entry and its chunks, none of the
 * packages that are imported but never run (one-line stubs in their place), the SDK clients and the sign-in library out of the
 * entry chunk, and a licenses.txt that names every package whose code is bundled.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "@jest/globals";
import {
  applyPatches,
  bundledPackageDirs,
  PATCHES,
  renderLicenses,
  STUBS,
  stubPath,
} from "../../scripts/bundle.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const DIST = join(ROOT, "dist");
const files = readdirSync(DIST).sort();
const chunks = files.filter((file) => file.endsWith(".js"));
const text = (file: string) => readFileSync(join(DIST, file), "utf8");

/** A line each package's own code has, and no other package's. */
const SIGNATURES = {
  ContainerServiceClient: "class ContainerServiceClient",
  ContainerRegistryManagementClient: "class ContainerRegistryManagementClient",
  AuthorizationManagementClient: "class AuthorizationManagementClient",
  msal: "class ConfidentialClientApplication",
  identity: "class ClientSecretCredential",
};

describe("dist/", () => {
  it("holds the entry, its chunks, package.json, licenses.txt and the stubs, nothing else", () => {
    expect(files.filter((file) => !/^(\d+\.)?index\.js$/.test(file))).toEqual([
      "licenses.txt",
      "package.json",
      "stubs",
    ]);
    expect(readdirSync(join(DIST, "stubs")).sort()).toEqual(
      Object.keys(STUBS)
        .map((name) => stubPath(name).slice("./stubs/".length))
        .sort(),
    );
  });

  it.each(Object.keys(STUBS))("bundles no code of %s", (name) => {
    // Each package's tell-tale: open's helper script, undici's error codes, supports-color's env.
    const tell = { open: "xdg-open", undici: "UND_ERR_", "supports-color": "FORCE_COLOR" }[name];
    expect(tell).toBeDefined();
    expect(chunks.filter((file) => text(file).includes(tell!))).toEqual([]);
  });

  it.each(Object.entries(SIGNATURES))(
    "keeps %s out of the entry chunk, in a chunk loaded on demand",
    (_name, signature) => {
      expect(text("index.js")).not.toContain(signature);
      expect(chunks.filter((file) => text(file).includes(signature))).toHaveLength(1);
    },
  );
});

describe("the bundle's patches", () => {
  it.each(PATCHES.map((patch) => [patch.find, patch] as const))(
    "every %s of dist/ is patched",
    (_find, patch) => {
      const count = (file: string, what: string) => text(file).split(what).length - 1;
      const patched = chunks.reduce((sum, file) => sum + count(file, patch.replace), 0);
      expect(patched).toBeGreaterThan(0);
      // Each occurrence of the original text is the tail of a patched one.
      for (const file of chunks) {
        expect([file, count(file, patch.find)]).toEqual([file, count(file, patch.replace)]);
      }
    },
  );

  it("applies each patch wherever its text is, and counts where", () => {
    const find = PATCHES[0]!.find;
    const applied: number[] = [];

    const out = applyPatches(`a(${find}); b(${find});`, applied);

    expect(applied).toEqual([2]);
    expect(out).toBe(`a(${PATCHES[0]!.replace}); b(${PATCHES[0]!.replace});`);
    expect(applyPatches("nothing to patch", [])).toBe("nothing to patch");
  });

  it("keeps the FormData check's verdict for every kind of body", () => {
    const original = new Function("body", `return ${PATCHES[0]!.find};`) as (b: unknown) => boolean;
    const patched = new Function("body", `return ${PATCHES[0]!.replace};`) as (
      b: unknown,
    ) => boolean;
    const form = new FormData();
    form.append("a", "b");
    const bodies: unknown[] = [
      form,
      undefined,
      null,
      "a=b",
      { a: 1 },
      new Uint8Array(2),
      new Blob(["x"]),
      { [Symbol.toStringTag]: "FormData" },
    ];

    expect(bodies.map(patched)).toEqual(bodies.map(original));
    expect(patched(form)).toBe(true);
  });
});

interface LockEntry {
  readonly version?: string;
  readonly dev?: boolean;
}

/** licenses.txt's sections, as `name@version`, and the license text under each. */
function licenseSections(): Map<string, string> {
  const [, ...sections] = text("licenses.txt").split(/^-{78}$|(?=^\S+@\d\S*\n\S+\n\n)/m);
  const found = new Map<string, string>();
  for (const section of sections) {
    const [header = "", license = "", , ...body] = section.trim().split("\n");
    if (/^\S+@\d/.test(header)) found.set(header, `${license}\n${body.join("\n")}`);
  }
  return found;
}

describe("dist/licenses.txt", () => {
  const sections = licenseSections();
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const installed = Object.entries(lock.packages)
    .filter(([path, entry]) => path.includes("node_modules/") && !entry.dev)
    .map(
      ([path, entry]) => `${path.slice(path.lastIndexOf("node_modules/") + 13)}@${entry.version}`,
    );

  it("names every package whose modules the bundler wrote out with their path", () => {
    const named = new Set<string>();
    for (const file of chunks) {
      for (const match of text(file).matchAll(
        /CONCATENATED MODULE: \.\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g,
      )) {
        named.add(match[1]!);
      }
    }
    const listed = [...sections.keys()].map((entry) => entry.slice(0, entry.lastIndexOf("@")));
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((name) => !listed.includes(name))).toEqual([]);
  });

  it("lists each package once, at the version the lock file installs for the action", () => {
    const listed = [...sections.keys()];
    expect(listed.length).toBeGreaterThan(30);
    expect(listed.filter((entry) => !installed.includes(entry))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it("gives each package its license and the license's text", () => {
    for (const [entry, body] of sections) {
      expect({ entry, ok: /^\S+\n[\s\S]{100,}/.test(body) }).toEqual({ entry, ok: true });
    }
  });
});

describe("bundledPackageDirs", () => {
  it("finds each package once, nested ones as themselves, from webpack's module identifiers", () => {
    const dirs = bundledPackageDirs([
      { identifier: "json|/r/node_modules/@azure/a/package.json" },
      {
        identifier: "/r/src/index.ts|0",
        modules: [
          { identifier: "javascript/esm|/r/node_modules/.ncc/loader.js!/r/src/main.ts" },
          {
            identifier: "/r/node_modules/@vercel/ncc/dist/ncc/loaders/x.js!/r/node_modules/b/i.js",
          },
          { identifier: "/r/node_modules/b/lib/other.js" },
        ],
      },
      { identifier: "/r/node_modules/c/node_modules/@s/d/index.js" },
    ]);
    expect(dirs.sort()).toEqual([
      "/r/node_modules/@azure/a",
      "/r/node_modules/b",
      "/r/node_modules/c/node_modules/@s/d",
    ]);
  });
});

describe("renderLicenses", () => {
  it("sorts by name and gives each package its header and text", () => {
    const rendered = renderLicenses([
      { name: "zeta", version: "1.0.0", license: "MIT", text: "Z text" },
      { name: "@a/b", version: "2.0.0", license: "ISC", text: "A text" },
    ]);
    expect(rendered.indexOf("@a/b@2.0.0\nISC\n\nA text")).toBeGreaterThan(0);
    expect(rendered.indexOf("zeta@1.0.0\nMIT\n\nZ text")).toBeGreaterThan(
      rendered.indexOf("A text"),
    );
    expect(rendered).toContain("(2)");
  });
});
