import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { assignmentName, uuidV5 } from "../../src/workflows/assignment-name.ts";

const DNS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
const PROJECT_NAMESPACE = "1505f2ae-0beb-466d-aeaa-638e0797069a";

/** RFC 9562 section 5.5, written independently of the code under test (on hex text, not bytes). */
function referenceUuidV5(name: string, namespace: string): string {
  const hex = createHash("sha1")
    .update(Buffer.from(namespace.replace(/-/g, ""), "hex"))
    .update(Buffer.from(name, "utf8"))
    .digest("hex")
    .slice(0, 32)
    .split("");
  hex[12] = "5";
  hex[16] = ((parseInt(hex[16]!, 16) & 0b0011) | 0b1000).toString(16);
  const s = hex.join("");
  return [s.slice(0, 8), s.slice(8, 12), s.slice(12, 16), s.slice(16, 20), s.slice(20)].join("-");
}

const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidV5", () => {
  // Expected values: RFC 9562 appendix A.4, and Python's uuid.uuid5 for the others.
  it.each([
    ["www.example.com", DNS, "2ed6657d-e927-568b-95e1-2665a8aea6a2"],
    ["python.org", DNS, "886313e1-3b8a-5372-9b90-0c9aee199e5d"],
    ["http://www.example.com/", URL_NAMESPACE, "fcde3c85-2270-590f-9e7c-ee003d65e0e2"],
  ])("names %j in %s as %s", (name, namespace, expected) => {
    expect(uuidV5(name, namespace)).toBe(expected);
  });

  it.each([
    ["www.example.com", DNS],
    ["", DNS],
    ["grüße/日本", URL_NAMESPACE],
    ["a".repeat(1000), PROJECT_NAMESPACE],
  ])("agrees with an independent implementation for %j", (name, namespace) => {
    expect(uuidV5(name, namespace)).toBe(referenceUuidV5(name, namespace));
  });

  it("sets version 5 and the RFC variant for every name", () => {
    const names = Array.from({ length: 64 }, (_, i) => `name-${i}`);

    const uuids = names.map((name) => uuidV5(name));

    for (const uuid of uuids) expect(uuid).toMatch(V5);
    expect(new Set(uuids.map((u) => u[19])).size).toBeGreaterThan(1);
  });

  it("reads the namespace in either case", () => {
    expect(uuidV5("www.example.com", DNS.toUpperCase())).toBe(uuidV5("www.example.com", DNS));
  });

  it("uses the project's namespace by default", () => {
    expect(uuidV5("x")).toBe(referenceUuidV5("x", PROJECT_NAMESPACE));
    expect(uuidV5("x")).not.toBe(uuidV5("x", DNS));
  });
});

describe("assignmentName", () => {
  const scope =
    "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr";
  const principal = "e4f6a8b0-3c5d-4e7f-8a9b-1c2d3e4f5a09";
  const role = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

  it("is the same name releases ago: changing it would make re-runs add assignments", () => {
    // Python: uuid.uuid5(UUID(PROJECT_NAMESPACE), "<lower-case scope>|<principal>|<role>").
    expect(assignmentName(scope, principal, role)).toBe("227b49c9-e1f4-59dc-a0f9-e8ef1a1de397");
  });

  it("is a version 5 UUID", () => {
    expect(assignmentName(scope, principal, role)).toMatch(V5);
  });

  it.each([
    ["scope", [scope.toUpperCase(), principal, role]],
    ["scope (ARM's lower-case form)", [scope.toLowerCase(), principal, role]],
    ["principal id", [scope, principal.toUpperCase(), role]],
    ["role GUID", [scope, principal, role.toUpperCase()]],
  ] as const)("ignores the case of the %s", (_, [s, p, r]) => {
    expect(assignmentName(s, p, r)).toBe(assignmentName(scope, principal, role));
  });

  it.each([
    ["scope", [`${scope}2`, principal, role]],
    ["principal id", [scope, "f5a7b9c1-4d6e-4f8a-9b0c-2d3e4f5a6b10", role]],
    ["role GUID", [scope, principal, "8311e382-0749-4cb8-b61a-304f252e45ec"]],
  ] as const)("differs when the %s differs", (_, [s, p, r]) => {
    expect(assignmentName(s, p, r)).not.toBe(assignmentName(scope, principal, role));
  });

  it("does not let the parts run into each other", () => {
    expect(assignmentName("ab", "c", role)).not.toBe(assignmentName("a", "bc", role));
  });
});
