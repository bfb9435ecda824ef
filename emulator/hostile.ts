import { randomUUID } from "node:crypto";
import type { EmulatorResponse, ServiceName } from "./exchange.ts";

/**
 * Hostile answers: values a compromised or buggy Azure could send, served on demand so a test can
 * check that nothing Azure says commands the runner (a `\n::add-mask::` in a login server), turns
 * into markdown in a job summary, or floods a log. ARM validates what it stores; a hostile ARM
 * answers anything, so these are rewrites of the answers, not of the emulated world: the
 * emulator keeps working on the real values (a hostile registry id still names the registry a
 * later request addresses), only what the client reads is changed.
 */

/** Where an answer is being rewritten: functions may pick by path or status. */
export interface AnswerContext {
  readonly method: string;
  /** The request path as sent, without the query. */
  readonly path: string;
  readonly status: number;
}

/**
 * The value to serve: a fixed string, or one made from the real value (append a payload to keep
 * the rest real, or pick the answers to change by the context).
 */
export type HostileValue = string | ((real: string, at: AnswerContext) => string);

/** What each kind of answer may carry instead of its real values; every field is optional. */
export interface HostileAnswers {
  /** Registry bodies (GET, lists, PUT, Resource Graph rows of that type). */
  readonly registry?: {
    readonly id?: HostileValue;
    readonly name?: HostileValue;
    /** `properties.loginServer`. */
    readonly loginServer?: HostileValue;
  };
  /** Managed cluster bodies. */
  readonly cluster?: {
    readonly id?: HostileValue;
    readonly name?: HostileValue;
    /** `properties.identityProfile.kubeletidentity.objectId` (the principal that pulls). */
    readonly kubeletObjectId?: HostileValue;
    /** `properties.identityProfile.kubeletidentity.clientId`. */
    readonly kubeletClientId?: HostileValue;
    /** `properties.identityProfile.kubeletidentity.resourceId`. */
    readonly kubeletResourceId?: HostileValue;
    /** `properties.servicePrincipalProfile.clientId` (`msi`, or a legacy cluster's app id). */
    readonly servicePrincipalClientId?: HostileValue;
  };
  /** Role definition bodies (GET and lists). */
  readonly roleDefinition?: {
    readonly id?: HostileValue;
    readonly name?: HostileValue;
    /** `properties.roleName`. */
    readonly roleName?: HostileValue;
  };
  /** Role assignment bodies (GET, lists, the PUT's and the DELETE's answers). */
  readonly roleAssignment?: {
    readonly id?: HostileValue;
    readonly name?: HostileValue;
    /** `properties.description`; the real value is `""` when the assignment has none. */
    readonly description?: HostileValue;
    readonly principalId?: HostileValue;
    readonly roleDefinitionId?: HostileValue;
    readonly scope?: HostileValue;
  };
  /** Microsoft Graph service principal bodies (by object id, by appId, and the filtered list). */
  readonly graphServicePrincipal?: {
    readonly id?: HostileValue;
    readonly appId?: HostileValue;
    readonly displayName?: HostileValue;
  };
  /** Every ARM error answer (status 400 and up, injected faults included): `error.code/message`. */
  readonly armError?: { readonly code?: HostileValue; readonly message?: HostileValue };
  /** Every Graph error answer: `error.code/message`. */
  readonly graphError?: { readonly code?: HostileValue; readonly message?: HostileValue };
  /**
   * The `x-ms-request-id` header of every ARM answer. A header cannot carry CR, LF or other
   * control characters (Node refuses to send them, and clients to read them): a string with
   * them is refused when armed; a function that makes one fails that answer with a 500.
   */
  readonly requestId?: HostileValue;
  /**
   * Claims of every access token the emulator issues (client secret, client assertion, managed
   * identity), as the client decodes them: `oid`, `appid`, `tid`, `iss`, ... The emulator itself
   * still reads the real claims, so the token keeps working. Functions get the real value only.
   */
  readonly tokenClaims?: Readonly<Record<string, string | ((real: string) => string)>>;
}

/** Payloads for hostile values: runner commands, markdown, HTML, and length. */
export const HOSTILE = {
  /** A new line that starts a runner command masking `x` (it would hide later log text). */
  addMask: "\n::add-mask::x",
  /** A lone carriage return, which the runner also reads as a line break, then a fake error. */
  error: "\r::error::x",
  /** Stops command processing: later genuine commands of the action would be ignored. */
  stopCommands: "\n::stop-commands::x",
  /** Percent-encoded line break, which a naive command encoder leaves for the runner to decode. */
  percentEncoded: "%0A::error::x%0D%25",
  /** A blank line ends an HTML block in markdown: what follows renders as markdown. */
  markdown: "\n\n# heading [link](https://example.invalid) ![img](x)",
  /** Markup that breaks out of a summary table cell. */
  html: '</td></tr></table><img src="x" onerror="alert(1)"><script>alert(1)</script>',
  /** 50,000 characters (tens of KB), for log and message length limits. */
  long: "0123456789abcdefghijklmnopqrstuvwxyz-".repeat(1352).slice(0, 50_000),
} as const;

/** Every short payload of `HOSTILE` at once (not `long`). */
export const HOSTILE_ALL = [
  HOSTILE.addMask,
  HOSTILE.error,
  HOSTILE.stopCommands,
  HOSTILE.percentEncoded,
  HOSTILE.markdown,
  HOSTILE.html,
].join("");

/** The longest request id `everyField` puts in a header (Node's clients refuse headers over 16 KB). */
const MAX_EVERY_FIELD_HEADER = 4096;

/**
 * Every field of `HostileAnswers`, each the real value followed by `payload` (or replaced by it
 * with `{ replace: true }`). The request id gets the payload without the characters a header
 * cannot carry, cut to 4 KB.
 */
export function everyField(payload: string, options: { replace?: boolean } = {}): HostileAnswers {
  const value: HostileValue = options.replace ? payload : (real) => `${real}${payload}`;
  const header = headerSafe(payload).slice(0, MAX_EVERY_FIELD_HEADER);
  const claim = options.replace ? payload : (real: string) => `${real}${payload}`;
  return {
    registry: { id: value, name: value, loginServer: value },
    cluster: {
      id: value,
      name: value,
      kubeletObjectId: value,
      kubeletClientId: value,
      kubeletResourceId: value,
      servicePrincipalClientId: value,
    },
    roleDefinition: { id: value, name: value, roleName: value },
    roleAssignment: {
      id: value,
      name: value,
      description: value,
      principalId: value,
      roleDefinitionId: value,
      scope: value,
    },
    graphServicePrincipal: { id: value, appId: value, displayName: value },
    armError: { code: value, message: value },
    graphError: { code: value, message: value },
    requestId: options.replace ? header : (real) => `${real}${header}`,
    tokenClaims: { oid: claim, appid: claim, tid: claim, iss: claim, sub: claim, idp: claim },
  };
}

/** `text` without the characters an HTTP header value cannot hold. */
export function headerSafe(text: string): string {
  return text.replace(/[^\t\x20-\x7e\x80-\xff]/g, "");
}

type Group = Readonly<Record<string, HostileValue | undefined>>;

/** One field of a body: how to read it and write it back. */
interface Field {
  readonly key: string;
  readonly read: (body: Record<string, unknown>) => unknown;
  readonly write: (body: Record<string, unknown>, value: string) => void;
}

const top = (key: string): Field => ({
  key,
  read: (body) => body[key],
  write: (body, value) => (body[key] = value),
});

/** A field under nested objects, e.g. `properties.loginServer`. */
const nested = (key: string, ...path: string[]): Field => ({
  key,
  read: (body) => objectAt(body, path.slice(0, -1))?.[path.at(-1)!],
  write: (body, value) => {
    const parent = objectAt(body, path.slice(0, -1));
    if (parent) parent[path.at(-1)!] = value;
  },
});

function objectAt(body: Record<string, unknown>, path: readonly string[]) {
  let current: unknown = body;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "object" && current !== null
    ? (current as Record<string, unknown>)
    : undefined;
}

/** ARM resource kinds, recognised by their `type` (case-insensitive, as Resource Graph writes it). */
const ARM_KINDS: readonly {
  readonly type: string;
  readonly group: keyof HostileAnswers;
  readonly fields: readonly Field[];
}[] = [
  {
    type: "microsoft.containerregistry/registries",
    group: "registry",
    fields: [top("id"), top("name"), nested("loginServer", "properties", "loginServer")],
  },
  {
    type: "microsoft.containerservice/managedclusters",
    group: "cluster",
    fields: [
      top("id"),
      top("name"),
      nested("kubeletObjectId", "properties", "identityProfile", "kubeletidentity", "objectId"),
      nested("kubeletClientId", "properties", "identityProfile", "kubeletidentity", "clientId"),
      nested("kubeletResourceId", "properties", "identityProfile", "kubeletidentity", "resourceId"),
      nested("servicePrincipalClientId", "properties", "servicePrincipalProfile", "clientId"),
    ],
  },
  {
    type: "microsoft.authorization/roledefinitions",
    group: "roleDefinition",
    fields: [top("id"), top("name"), nested("roleName", "properties", "roleName")],
  },
  {
    type: "microsoft.authorization/roleassignments",
    group: "roleAssignment",
    fields: [
      top("id"),
      top("name"),
      nested("description", "properties", "description"),
      nested("principalId", "properties", "principalId"),
      nested("roleDefinitionId", "properties", "roleDefinitionId"),
      nested("scope", "properties", "scope"),
    ],
  },
];

const SERVICE_PRINCIPAL_FIELDS = [top("id"), top("appId"), top("displayName")];
const ERROR_FIELDS = [nested("code", "error", "code"), nested("message", "error", "message")];

/** The hostile answers armed on one emulator, and the rewrite of each answer they make. */
export class HostileAnswerSet {
  #answers: HostileAnswers = {};

  get answers(): HostileAnswers {
    return this.#answers;
  }

  /** Adds to what is armed: a field given again replaces the earlier value. */
  add(answers: HostileAnswers): void {
    if (
      typeof answers.requestId === "string" &&
      headerSafe(answers.requestId) !== answers.requestId
    ) {
      throw new Error(
        "hostile requestId: an HTTP header cannot carry CR, LF or other control characters; use headerSafe() or a payload without them",
      );
    }
    const merged: Record<string, unknown> = { ...this.#answers };
    for (const [group, fields] of Object.entries(answers)) {
      merged[group] =
        typeof fields === "object" && fields !== null
          ? { ...(merged[group] as object | undefined), ...fields }
          : fields;
    }
    this.#answers = merged as HostileAnswers;
  }

  clear(): void {
    this.#answers = {};
  }

  /** The answer as a hostile service would send it; the same object when nothing applies. */
  rewrite(
    service: ServiceName,
    request: { readonly method: string; readonly path: string },
    response: EmulatorResponse,
  ): EmulatorResponse {
    const answers = this.#answers;
    if (service !== "arm" && service !== "graph") return response;
    if (Object.keys(answers).length === 0) return response;
    const at: AnswerContext = {
      method: request.method,
      path: request.path,
      status: response.status,
    };
    let body = response.body;
    if (typeof body === "object" && body !== null) {
      body = structuredClone(body);
      const root = body as Record<string, unknown>;
      if (service === "arm") {
        rewriteArmResources(root, answers, at);
        if (response.status >= 400) applyFields(root, ERROR_FIELDS, answers.armError, at);
      } else {
        rewriteServicePrincipals(root, answers, at);
        if (response.status >= 400) applyFields(root, ERROR_FIELDS, answers.graphError, at);
      }
    }
    let headers = response.headers;
    if (service === "arm" && answers.requestId !== undefined) {
      const requestId = resolve(answers.requestId, randomUUID(), at);
      if (headerSafe(requestId) !== requestId) {
        throw new Error("the hostile requestId function made a value an HTTP header cannot carry");
      }
      headers = { ...headers, "x-ms-request-id": requestId };
    }
    return { ...response, body, headers };
  }

  /** The claims a token shows its holder. */
  claims(claims: object): object {
    const wanted = this.#answers.tokenClaims;
    if (!wanted || Object.keys(wanted).length === 0) return claims;
    const shown: Record<string, unknown> = { ...claims };
    for (const [claim, value] of Object.entries(wanted)) {
      const real = shown[claim];
      shown[claim] =
        typeof value === "string" ? value : value(real === undefined ? "" : String(real));
    }
    return shown;
  }
}

function resolve(value: HostileValue, real: string, at: AnswerContext): string {
  return typeof value === "string" ? value : value(real, at);
}

function applyFields(
  body: Record<string, unknown>,
  fields: readonly Field[],
  group: Group | undefined,
  at: AnswerContext,
): void {
  if (!group) return;
  for (const field of fields) {
    const value = group[field.key];
    if (value === undefined) continue;
    const real = field.read(body);
    if (real === undefined) continue; // a cluster without identityProfile stays without one
    field.write(body, resolve(value, real === null ? "" : String(real), at));
  }
}

/**
 * The resource type an id names, for answers that carry no `type` (a Resource Graph row that
 * projected it away): `…/providers/{namespace}/{type}/{name}`, lower-cased.
 */
function typeOfId(id: unknown): string | undefined {
  if (typeof id !== "string") return undefined;
  const match = /\/providers\/([^/]+\/[^/]+)\/[^/]+$/i.exec(id);
  return match?.[1]?.toLowerCase();
}

/** Every ARM resource body anywhere in the answer (a list's `value`, Resource Graph `data`). */
function rewriteArmResources(node: unknown, answers: HostileAnswers, at: AnswerContext): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteArmResources(item, answers, at);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const body = node as Record<string, unknown>;
  // Children first: a hostile `type` elsewhere must not stop a nested resource being found.
  for (const child of Object.values(body)) rewriteArmResources(child, answers, at);
  const type = typeof body.type === "string" ? body.type.toLowerCase() : typeOfId(body.id);
  const kind = ARM_KINDS.find((candidate) => candidate.type === type);
  if (kind) applyFields(body, kind.fields, answers[kind.group] as Group | undefined, at);
}

/** A Graph service principal is the object with a `servicePrincipalType`. */
function rewriteServicePrincipals(node: unknown, answers: HostileAnswers, at: AnswerContext) {
  if (Array.isArray(node)) {
    for (const item of node) rewriteServicePrincipals(item, answers, at);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const body = node as Record<string, unknown>;
  if ("servicePrincipalType" in body) {
    applyFields(body, SERVICE_PRINCIPAL_FIELDS, answers.graphServicePrincipal, at);
  }
  if (Array.isArray(body.value)) rewriteServicePrincipals(body.value, answers, at);
}
