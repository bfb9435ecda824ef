import { spawnSync } from "node:child_process";
import { describe, expect, it } from "@jest/globals";
import {
  grantScope,
  pullRoleDelegationCondition,
  shellQuoted,
  toActionError,
  type FailureContext,
} from "../../src/azure/errors.ts";
import { ActionError, describeFailure, quote } from "../../src/errors.ts";

const registryScope =
  "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/demoacr";

/** What the Azure SDK throws for an ARM error answer, reduced to the fields the action reads. */
function restError(fields: {
  message: string;
  code?: string;
  statusCode?: number;
  requestId?: string;
}): Error {
  const error = new Error(fields.message);
  error.name = "RestError";
  const headers = new Map(fields.requestId ? [["x-ms-request-id", fields.requestId]] : []);
  return Object.assign(error, {
    code: fields.code,
    statusCode: fields.statusCode,
    response: { headers: { get: (name: string) => headers.get(name.toLowerCase()) } },
  });
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const createAssignment: FailureContext = {
  operation: "create the role assignment",
  scope: registryScope,
  permission: "Microsoft.Authorization/roleAssignments/write",
};
const readRegistry: FailureContext = {
  operation: "read the container registry",
  scope: registryScope,
  permission: "Microsoft.ContainerRegistry/registries/read",
};

describe("toActionError", () => {
  it.each<[string, unknown, FailureContext, RegExp[], RegExp[]]>([
    [
      "AuthorizationFailed on roleAssignments/write",
      restError({
        code: "AuthorizationFailed",
        statusCode: 403,
        message: "The client does not have authorization to perform action.",
        requestId: "req-1234",
      }),
      createAssignment,
      [
        /create the role assignment/,
        new RegExp(registryScope),
        /AuthorizationFailed/,
        /request id req-1234/,
      ],
      [
        /az role assignment create/,
        /User Access Administrator/,
        new RegExp(`--scope ${registryScope}`),
        /Microsoft\.Authorization\/roleAssignments\/write/,
      ],
    ],
    [
      "AuthorizationFailed on a read",
      restError({ code: "AuthorizationFailed", statusCode: 403, message: "denied" }),
      readRegistry,
      [new RegExp(registryScope), /AuthorizationFailed: denied/],
      [
        /--role Reader/,
        /Microsoft\.ContainerRegistry\/registries\/read/,
        new RegExp(registryScope),
      ],
    ],
    [
      "AuthorizationFailed with no permission known",
      restError({ code: "AuthorizationFailed", statusCode: 403, message: "denied" }),
      { operation: "read something", scope: registryScope },
      [/read something/],
      [/'read access'/, /az role assignment create/],
    ],
    [
      "ResourceNotFound",
      restError({
        code: "ResourceNotFound",
        statusCode: 404,
        message: "not found",
        requestId: "r-9",
      }),
      readRegistry,
      [/read the container registry/, /ResourceNotFound: not found/, /request id r-9/],
      [new RegExp(`nothing exists at ${registryScope}`), /Check the name, resource group/],
    ],
    [
      "ResourceGroupNotFound",
      restError({ code: "ResourceGroupNotFound", statusCode: 404, message: "no group" }),
      readRegistry,
      [/ResourceGroupNotFound/],
      [/'resource-group'/, /'subscription-id'/],
    ],
    [
      "PrincipalNotFound",
      restError({ code: "PrincipalNotFound", statusCode: 400, message: "no principal" }),
      createAssignment,
      [/PrincipalNotFound/],
      [/still not known to Entra ID/, /timeout-seconds/, /re-run later/],
    ],
    [
      "an unknown code",
      restError({ code: "SomethingNew", statusCode: 500, message: "odd", requestId: "r-7" }),
      readRegistry,
      [/SomethingNew: odd/, /request id r-7/],
      [/ACTIONS_STEP_DEBUG/],
    ],
    [
      "no code, only a status",
      restError({ statusCode: 503, message: "unavailable" }),
      readRegistry,
      [/HTTP 503: unavailable/],
      [/ACTIONS_STEP_DEBUG/],
    ],
    [
      "an AbortError",
      namedError("AbortError", "The operation was aborted."),
      readRegistry,
      [/^Timed out while trying to read the container registry/, new RegExp(registryScope)],
      [/'timeout-seconds'/],
    ],
    [
      "a network error",
      Object.assign(new Error("getaddrinfo ENOTFOUND management.example"), { code: "ENOTFOUND" }),
      readRegistry,
      [/read the container registry/, /ENOTFOUND management\.example/],
      [/'resource-manager-endpoint'/],
    ],
    [
      "a thrown string",
      "socket hang up",
      readRegistry,
      [/read the container registry.*socket hang up/],
      [/'resource-manager-endpoint'/],
    ],
  ])("explains %s", (_, thrown, context, message, remedy) => {
    const error = toActionError(thrown, context);

    expect(error).toBeInstanceOf(ActionError);
    for (const pattern of message) expect(error.message).toMatch(pattern);
    for (const pattern of remedy) expect(error.remedy).toMatch(pattern);
  });

  it("says nothing of a request id when Azure sent none", () => {
    const error = toActionError(
      restError({ code: "ResourceNotFound", message: "gone" }),
      readRegistry,
    );

    expect(error.message).not.toMatch(/request id/);
  });

  it("keeps the Azure error as the cause", () => {
    const thrown = restError({ code: "ResourceNotFound", message: "gone" });

    expect(toActionError(thrown, readRegistry).cause).toBe(thrown);
  });

  it("passes an ActionError through unchanged", () => {
    const original = new ActionError("already explained", { remedy: "do this" });

    expect(toActionError(original, readRegistry)).toBe(original);
  });
});

describe("describeFailure", () => {
  it.each([
    [
      "an ActionError with a remedy",
      new ActionError("Cluster 'x' not found.", { remedy: "Check 'cluster-name'." }),
      "Cluster 'x' not found.\nHow to fix: Check 'cluster-name'.",
    ],
    ["an ActionError without a remedy", new ActionError("Just this."), "Just this."],
    ["an Error", new TypeError("x is not a function"), "x is not a function"],
    ["an Error without a message", new RangeError(), "RangeError"],
    ["a thrown string", "boom", "Unexpected failure: boom"],
    ["a thrown number", 42, "Unexpected failure: 42"],
    ["a thrown undefined", undefined, "Unexpected failure: undefined"],
  ])("describes %s", (_, thrown, expected) => {
    expect(describeFailure(thrown)).toBe(expected);
  });
});

describe("quote", () => {
  it.each([
    ["plain", '"plain"'],
    ["two\nlines", '"two\\nlines"'],
    ["x".repeat(200), `"${"x".repeat(200)}"`],
    [`${"a".repeat(150)}${"b".repeat(150)}`, `"${"a".repeat(100)}…${"b".repeat(100)}"`],
  ])("shows %s safely", (value, expected) => {
    expect(quote(value)).toBe(expected);
  });
});

describe("every remedy's az command grants on the right scope", () => {
  const subscription = "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02";
  const clusterScope = `${subscription}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-demo`;
  const assignmentId = `${registryScope}/providers/Microsoft.Authorization/roleAssignments/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0`;
  const definitionId = `${subscription}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
  const callerObjectId = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e05";

  // Every failure context the SDK adapters report, and the scope a grant must name to fix it.
  const contexts: [string, FailureContext, string][] = [
    [
      "reading the cluster",
      {
        operation: "read the AKS cluster",
        scope: clusterScope,
        permission: "Microsoft.ContainerService/managedClusters/read",
      },
      clusterScope,
    ],
    ["reading the registry", readRegistry, registryScope],
    [
      "looking a registry up in a resource group",
      {
        operation: "read the container registry 'demoacr'",
        scope: `${subscription}/resourceGroups/rg-aks`,
        permission: "Microsoft.ContainerRegistry/registries/read",
      },
      `${subscription}/resourceGroups/rg-aks`,
    ],
    [
      "listing the subscription's registries",
      {
        operation: "list the container registries",
        scope: subscription,
        permission: "Microsoft.ContainerRegistry/registries/read",
      },
      subscription,
    ],
    [
      "reading a role definition",
      {
        operation: "read the role definition",
        scope: definitionId,
        permission: "Microsoft.Authorization/roleDefinitions/read",
      },
      subscription,
    ],
    [
      "looking a role up by name",
      {
        operation: "look up the role named 'AcrPull'",
        scope: registryScope,
        permission: "Microsoft.Authorization/roleDefinitions/read",
      },
      registryScope,
    ],
    [
      "listing the identity's role assignments",
      {
        operation: "list the role assignments of the cluster's identity",
        scope: registryScope,
        permission: "Microsoft.Authorization/roleAssignments/read",
      },
      registryScope,
    ],
    ["creating the role assignment", createAssignment, registryScope],
    [
      "creating a registry (it does not exist yet: its group)",
      {
        operation: "create the container registry aksaksdemoacr",
        scope: `${subscription}/resourceGroups/rg-aks/providers/Microsoft.ContainerRegistry/registries/aksaksdemoacr`,
        permission: "Microsoft.ContainerRegistry/registries/write",
      },
      `${subscription}/resourceGroups/rg-aks`,
    ],
    [
      "checking a registry name",
      {
        operation: "check whether the registry name aksaksdemoacr is free",
        scope: subscription,
        permission: "Microsoft.ContainerRegistry/registries/read",
      },
      subscription,
    ],
    [
      "searching every subscription (Resource Graph)",
      {
        operation: "search the container registries of every visible subscription",
        scope: "/providers/Microsoft.ResourceGraph/resources",
        permission: "Microsoft.ContainerRegistry/registries/read",
      },
      "/subscriptions/<subscription-id>",
    ],
    [
      "listing the subscriptions",
      { operation: "list the subscriptions", scope: "/subscriptions" },
      "/subscriptions/<subscription-id>",
    ],
    [
      "deleting a role assignment (addressed by its own id)",
      {
        operation: "delete the role assignment",
        scope: assignmentId,
        permission: "Microsoft.Authorization/roleAssignments/delete",
      },
      registryScope,
    ],
  ];

  // Only AuthorizationFailed's remedy grants a role; the other codes print no command to check.
  it.each(contexts)("AuthorizationFailed while %s", (_, context, expected) => {
    const error = toActionError(
      restError({
        code: "AuthorizationFailed",
        statusCode: 403,
        message: `The client 'x' with object id '${callerObjectId}' was refused over scope '${context.scope}'.`,
      }),
      context,
    );

    const commands = (error.remedy ?? "")
      .split("\n")
      .filter((line) => /\baz role assignment create\b/.test(line));
    // The remedy must print the command that grants what is missing.
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect([...command.matchAll(/--scope (\S+)/g)].map((m) => m[1])).toEqual([expected]);
      expect(command).toContain(`--assignee-object-id ${callerObjectId}`);
    }
    // A write that is not an assignment needs a role that writes, never Reader.
    if (context.permission?.endsWith("registries/write")) {
      for (const command of commands) expect(command).toContain("--role Contributor");
    }
    expect(error.remedy).toContain(expected.includes("<") ? expected : `on ${expected}`);
    // No remedy names a role assignment's own id as a place to grant on.
    expect(error.remedy).not.toMatch(/--scope \S*roleAssignments\//);
  });

  it("offers both fixes for a missing roleAssignments/delete, each on the registry", () => {
    const error = toActionError(
      restError({ code: "AuthorizationFailed", statusCode: 403, message: "denied" }),
      {
        operation: "delete the role assignment",
        scope: assignmentId,
        permission: "Microsoft.Authorization/roleAssignments/delete",
      },
    );

    expect(error.message).toContain(assignmentId);
    const commands = (error.remedy ?? "").split("\n").filter((l) => l.includes("az role"));
    expect(commands).toHaveLength(2);
    expect(commands[0]).toContain('--role "User Access Administrator"');
    expect(commands[1]).toContain('--role "Role Based Access Control Administrator"');
    expect(commands[1]).toContain(`--condition ${shellQuoted(pullRoleDelegationCondition())}`);
  });

  it("prints commands an interactive bash runs as printed, condition intact", () => {
    const error = toActionError(
      restError({
        code: "AuthorizationFailed",
        statusCode: 403,
        message: `The client 'x' with object id '${callerObjectId}' was refused.`,
      }),
      createAssignment,
    );
    const commands = (error.remedy ?? "").split("\n").filter((l) => l.includes("az role"));
    // A stand-in `az` prints each argument it got on a line of its own; an interactive shell
    // (history expansion on) is what a user pastes into.
    const script = ['az() { for a in "$@"; do printf \'<%s>\\n\' "$a"; done; }', ...commands].join(
      "\n",
    );
    const run = spawnSync("bash", ["--norc", "--noprofile", "-i"], {
      input: `${script}\nexit\n`,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", HOME: "/nonexistent", PS1: "" },
    });

    expect(run.stderr).not.toMatch(/event not found/);
    const args = run.stdout.split("\n").filter((line) => line.startsWith("<"));
    const condition = args.indexOf("<--condition>");
    expect(condition).toBeGreaterThan(0);
    expect(args[condition + 1]).toBe(`<${pullRoleDelegationCondition()}>`);
    expect(args.filter((a) => a === "<--scope>")).toHaveLength(2);
    expect(args.filter((a) => a === `<${registryScope}>`)).toHaveLength(2);
  });
});

describe("grantScope", () => {
  it.each([
    [registryScope, registryScope],
    [`${registryScope}/providers/Microsoft.Authorization/roleAssignments/abc`, registryScope],
    [`${registryScope}/providers/microsoft.authorization/roleassignments/abc/`, registryScope],
    [
      "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02/providers/Microsoft.Authorization/roleDefinitions/x",
      "/subscriptions/5e0f3b52-8a44-4c3e-9d3b-1c2a7e6f4b02",
    ],
    ["/providers/Microsoft.Authorization/roleDefinitions/x", "/"],
  ])("grants for %s on %s", (scope, expected) => {
    expect(grantScope(scope)).toBe(expected);
  });
});
