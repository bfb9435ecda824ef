/**
 * `npm run bundle`: builds dist/ from src/index.ts with ncc, the same way every time.
 *
 * - dist/ is emptied first, so nothing a former build left (a chunk, a copied asset) stays.
 * - Packages that are imported but never run (STUBS) are not bundled: in their place the bundle
 *   loads a one-line module from dist/stubs/, so neither their code nor their assets (`open`'s
 *   copy of `xdg-open`) reach dist/.
 * - A few lines of bundled packages are rewritten to do the same thing more cheaply (PATCHES);
 *   a patch that no longer finds its text fails the bundle.
 * - dist/licenses.txt lists every package whose code is in dist/ (from the bundler's own module
 *   list): name, version, license and the package's license text, sorted by name.
 */
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const ENTRY = join(ROOT, "src", "index.ts");

/**
 * Packages the bundle imports but never runs, and the one-line CommonJS modules that stand in
 * for them in dist/stubs/ (each fails clearly should it ever be called; CommonJS, so that both
 * the bundled ES modules and the bundled CommonJS code can load them):
 * - `open`: @azure/identity imports it only for its interactive browser sign-in, which the
 *   action never offers; the real package brings two chunks and a copy of `xdg-open`;
 * - `undici`: @actions/http-client imports it only for `getAgentDispatcher`, and
 *   @actions/github only for `getOctokit`'s fetch: nothing in the action sends a request
 *   through either (its requests go through node:https: the Azure SDK's pipeline,
 *   @actions/http-client's HttpClient). Behind a proxy, @actions/github makes its default
 *   dispatcher as it loads, so the stand-in can be made; it fails only when used. Loading the
 *   real package cost more start-up time than any other package before the first request;
 * - `supports-color`: only `debug`'s optional colour detection asks for it (in a try), and it is
 *   not even a dependency of the action (the bundler found a copy the dev tools installed).
 *   Without it, `debug` uses its basic colours, as it does wherever the package is missing.
 */
export const STUBS: Readonly<Record<string, string>> = {
  open:
    "module.exports = () => " +
    'Promise.reject(new Error("Opening a browser is not part of this action."));\n',
  undici:
    'const missing = () => new Error("undici is not bundled with this action.");\n' +
    "exports.ProxyAgent = class ProxyAgent {\n" +
    "  dispatch() { throw missing(); }\n" +
    "  close() { return Promise.resolve(); }\n" +
    "  destroy() { return Promise.resolve(); }\n" +
    "};\n" +
    "exports.fetch = () => Promise.reject(missing());\n",
  "supports-color": "module.exports = false;\n",
};

/**
 * Rewrites of bundled code that keep its behaviour and drop a cost, each found at least once in
 * the bundle (else the bundle fails: the package changed, and the patch must be looked at again):
 * - The Azure SDK's HTTP pipeline asks `typeof FormData` of every request body, in its form-data
 *   policy and in its REST clients' body check. In Node, the first touch of the `FormData`
 *   global loads Node's own fetch implementation (undici, with http2, worker_threads and the web
 *   streams): about 30 ms on this machine, before the first request. No request of the action
 *   has a FormData body. The patched check asks the body's own type tag first, so only a real
 *   FormData (whose tag is "FormData") reaches the global; every other body is judged as before.
 */
export const PATCHES: readonly { readonly find: string; readonly replace: string }[] = [
  {
    find: 'typeof FormData !== "undefined" && body instanceof FormData',
    replace:
      'Object.prototype.toString.call(body) === "[object FormData]" && ' +
      'typeof FormData !== "undefined" && body instanceof FormData',
  },
];

/** `code` with every patch applied; counts how often each patch applied into `applied`. */
export function applyPatches(code: string, applied: number[]): string {
  return PATCHES.reduce((text, patch, i) => {
    const parts = text.split(patch.find);
    applied[i] = (applied[i] ?? 0) + parts.length - 1;
    return parts.join(patch.replace);
  }, code);
}

/** Where a stub is in dist/, as the bundle's files (all in dist/ itself) import it. */
export const stubPath = (name: string) => `./stubs/${name}.cjs`;

interface NccAsset {
  readonly source: string | Buffer;
  readonly permissions?: number;
}

interface NccStatsModule {
  readonly name?: string;
  readonly identifier?: string;
  readonly modules?: readonly NccStatsModule[];
}

interface NccResult {
  readonly code: string;
  readonly assets: Readonly<Record<string, NccAsset>>;
  readonly stats: { toJson(): { readonly modules?: readonly NccStatsModule[] } };
}

type Ncc = (entry: string, options: Record<string, unknown>) => Promise<NccResult>;

/** Every package directory (under node_modules) that one of the bundled modules comes from. */
export function bundledPackageDirs(modules: readonly NccStatsModule[]): string[] {
  const dirs = new Set<string>();
  const visit = (list: readonly NccStatsModule[]) => {
    for (const module of list) {
      if (module.modules) visit(module.modules);
      const path = resourceOf(module.identifier ?? "");
      // The last node_modules segment: a package nested inside another belongs to itself.
      const found = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
      if (found && !found.endsWith("node_modules/@vercel/ncc")) dirs.add(found);
    }
  };
  visit(modules);
  return [...dirs];
}

/**
 * The file a module identifier names: webpack writes `<type>|<loaders>!<file>|<suffix>`, with
 * the type and the suffix only sometimes.
 */
function resourceOf(identifier: string): string {
  const afterLoaders = identifier.split("!").pop() ?? "";
  const parts = afterLoaders.split("|").map((part) => part.replace(/\\/g, "/"));
  return parts.find((part) => part.startsWith("/") || /^[A-Za-z]:\//.test(part)) ?? "";
}

const LICENSE_FILE = /^(licen[sc]e|copying)(\..*)?$/i;

interface PackageLicense {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly text: string;
}

async function packageLicense(dir: string): Promise<PackageLicense> {
  const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
    name: string;
    version: string;
    license?: string;
  };
  const files = (await readdir(dir)).filter((file) => LICENSE_FILE.test(file)).sort();
  const texts = await Promise.all(files.map((file) => readFile(join(dir, file), "utf8")));
  return {
    name: manifest.name,
    version: manifest.version,
    license: manifest.license ?? "UNKNOWN",
    text:
      texts.map((text) => text.trim()).join("\n\n") ||
      `(The package ships no license file; its package.json names ${manifest.license ?? "no license"}.)`,
  };
}

/** licenses.txt: one section per bundled package, sorted, separated by a line of dashes. */
export function renderLicenses(packages: readonly PackageLicense[]): string {
  const sorted = [...packages].sort((a, b) =>
    a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1,
  );
  const sections = sorted.map(
    (entry) => `${entry.name}@${entry.version}\n${entry.license}\n\n${entry.text}\n`,
  );
  return (
    `The packages bundled into dist/ (${sorted.length}), each with its version, license and ` +
    `license text.\n\n` +
    sections.join("\n" + "-".repeat(78) + "\n\n")
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "dist" },
      /** Also writes the bundler's module list (webpack stats), to see what went where. */
      stats: { type: "string" },
    },
  });
  const out = resolve(ROOT, values.out);
  const ncc = createRequire(import.meta.url)("@vercel/ncc") as Ncc;
  const result = await ncc(ENTRY, {
    externals: Object.fromEntries(Object.keys(STUBS).map((name) => [name, stubPath(name)])),
    minify: false,
    sourceMap: false,
    quiet: true,
    cache: false,
  });
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const applied: number[] = [];
  await writeFile(join(out, "index.js"), applyPatches(result.code, applied));
  for (const [name, asset] of Object.entries(result.assets)) {
    await mkdir(dirname(join(out, name)), { recursive: true });
    // Chunks come as text or as bytes; the patches apply to every .js file.
    const source = name.endsWith(".js")
      ? applyPatches(asset.source.toString(), applied)
      : asset.source;
    await writeFile(join(out, name), source, { mode: asset.permissions ?? 0o644 });
  }
  PATCHES.forEach((patch, i) => {
    if (!applied[i])
      throw new Error(`bundle: the patch for ${JSON.stringify(patch.find)} found nothing`);
  });
  await mkdir(join(out, "stubs"));
  for (const [name, source] of Object.entries(STUBS)) {
    await writeFile(join(out, stubPath(name)), source);
  }
  const stats = result.stats.toJson();
  if (values.stats) await writeFile(resolve(values.stats), JSON.stringify(stats));
  const dirs = bundledPackageDirs(stats.modules ?? []);
  const licenses = await Promise.all(dirs.map((dir) => packageLicense(resolve(ROOT, dir))));
  await writeFile(join(out, "licenses.txt"), renderLicenses(licenses));
  const files = (await readdir(out, { recursive: true })).sort();
  console.log(`dist: ${files.join(", ")}; ${licenses.length} bundled packages in licenses.txt`);
}

if (import.meta.filename === process.argv[1]) await main();
