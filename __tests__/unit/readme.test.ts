/**
 * The README against the code it documents: the least-privilege condition is the one the action
 * prints, it survives the shell as written, and the troubleshooting tables name every error
 * code the action has a remedy for.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { ROOT } from "../../scripts/action-metadata.ts";
import {
  parseBenchResults,
  readmeCondition,
  renderBenchBlock,
  renderConditionBlock,
} from "../../scripts/docs.ts";
import { ENTRA_REMEDIES } from "../../src/auth/errors.ts";
import { pullRoleDelegationCondition, REMEDIES } from "../../src/azure/errors.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section '## ${title}'`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The first fenced sh block after `marker` in `text`. */
function shBlockAfter(text: string, marker: string): string {
  const at = text.indexOf(marker);
  const match = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (at < 0 || !match?.[1]) throw new Error(`no sh block after ${marker}`);
  return match[1];
}

describe("the least-privilege condition in the README", () => {
  it("is the one the action prints in its remedy", () => {
    expect(readmeCondition(readme)).toBe(pullRoleDelegationCondition());
  });

  it("reaches az intact when its commands are pasted into bash", () => {
    const leastPrivilege = section("Least privilege, step by step");
    const define = shBlockAfter(leastPrivilege, "<!-- condition:start -->");
    const assign = shBlockAfter(leastPrivilege, "<!-- condition:end -->");
    // A stand-in az prints its arguments one per line; the ids come from the commands before.
    const script = [
      "az() { case \"$1 $2\" in 'acr show') echo /subscriptions/s/acr;; *) printf '<%s>\\n' \"$@\";; esac; }",
      "SP_OBJECT_ID=00000000-0000-0000-0000-000000000001",
      define,
      assign,
    ].join("\n");
    const run = spawnSync("bash", ["--norc", "--noprofile", "-i"], {
      input: `${script}\nexit\n`,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", HOME: "/nonexistent", PS1: "" },
    });

    expect(run.stderr).not.toMatch(/event not found|syntax error/);
    const args = run.stdout.split("\n").filter((line) => line.startsWith("<"));
    expect(args.slice(0, 3)).toEqual(["<role>", "<assignment>", "<create>"]);
    expect(args[args.indexOf("<--condition>") + 1]).toBe(`<${pullRoleDelegationCondition()}>`);
    expect(args[args.indexOf("<--scope>") + 1]).toBe("</subscriptions/s/acr>");
    expect(args[args.indexOf("<--role>") + 1]).toBe("<Role Based Access Control Administrator>");
  });

  it("is rendered as a here-document, which keeps quotes and '!' as they are", () => {
    expect(renderConditionBlock("a 'b' !(c)")).toBe(
      "```sh\nCONDITION=$(cat <<'EOF'\na 'b' !(c)\nEOF\n)\n```",
    );
    expect(readmeCondition("no region here")).toBeUndefined();
  });
});

describe("the README's troubleshooting", () => {
  const troubleshooting = section("Troubleshooting");

  it.each(Object.keys(REMEDIES))("explains ARM's %s", (code) => {
    expect(troubleshooting).toContain(`| \`${code}\``);
  });

  it.each(Object.keys(ENTRA_REMEDIES))("explains Entra ID's %s", (code) => {
    expect(troubleshooting).toContain(`| \`${code}\``);
  });

  it("covers the propagation delay, the assignment limit, ABAC and other tenants", () => {
    expect(troubleshooting).toMatch(/up to about 10 minutes/);
    expect(troubleshooting).toMatch(/4,000/);
    expect(troubleshooting).toMatch(/AbacRepositoryPermissions/);
    expect(troubleshooting).toMatch(/imagePullSecrets/);
    expect(troubleshooting).toMatch(/az acr import/);
  });
});

describe("the bench block", () => {
  const results = {
    date: "2026-12-02T01:16:58.538Z",
    latencyMs: 50,
    runs: 5,
    azRuns: 3,
    machine: { cpu: "AMD EPYC", cores: 2, node: "v24.21.0", az: "2.45.0" },
    comparison: [
      {
        scenario: "fresh attach",
        actionWallMs: 1318,
        azWallMs: 5733,
        actionRoundTrips: 4,
        azRoundTrips: 11,
        actionConnections: 4,
        azConnections: 5,
      },
    ],
  };

  it("shows each scenario's wall time and round trips from the results", () => {
    const block = renderBenchBlock(parseBenchResults(JSON.stringify(results)));

    expect(block).toContain(
      "| fresh attach | 1.3 s, 4 ARM round trips, 4 connections | `az aks update --attach-acr`: 5.7 s, 11 round trips, 5 connections | 4.3× |",
    );
    expect(block).toContain("50 ms per answer; medians of 5 runs (the CLI: 3)");
  });

  it("refuses results that lack what it shows, naming the field", () => {
    const broken = { ...results, comparison: [{ scenario: "fresh attach", actionWallMs: 1 }] };

    expect(() => parseBenchResults(JSON.stringify(broken))).toThrow(/comparison\[0\]\.azWallMs/);
  });
});

describe("the README's links within itself", () => {
  /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
  function slug(heading: string): string {
    return heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
  }
  const outsideCode = readme.replace(/```[\s\S]*?```/g, "");
  const anchors = new Set(
    [...outsideCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug((m[1] ?? "").trim())),
  );
  const links = [...new Set([...outsideCode.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] ?? ""))];

  it("has links to check", () => {
    expect(links.length).toBeGreaterThan(20);
  });

  it.each(links)("#%s is a heading", (link) => {
    expect(anchors).toContain(link);
  });

  it("makes anchors as GitHub does", () => {
    expect(slug("What it does, and how it differs from `az aks update --attach-acr`")).toBe(
      "what-it-does-and-how-it-differs-from-az-aks-update---attach-acr",
    );
    expect(slug("The subscription has 4,000 role assignments at most")).toBe(
      "the-subscription-has-4000-role-assignments-at-most",
    );
  });
});

describe("the README's bench numbers", () => {
  it("agree with BENCHMARKS.md, written by the same run", () => {
    const benchmarks = readFileSync(join(ROOT, "BENCHMARKS.md"), "utf8");
    const written = [
      ...benchmarks.matchAll(/^- ([a-z -]+): az \d+ ms vs the action \d+ ms: \*\*([\d.]+)×\*\*/gm),
    ].map((m) => [m[1], m[2]]);
    const shown = [...readme.matchAll(/^\| ([a-z -]+?) +\| [^|]+\| [^|]+\| ([\d.]+)× +\|$/gm)].map(
      (m) => [m[1], m[2]],
    );

    expect(written.length).toBeGreaterThan(0);
    expect(shown).toEqual(written);
  });
});
