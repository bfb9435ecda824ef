import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";
import type { ArmContext } from "./arm-context.ts";
import { handleArm } from "./arm.ts";
import type { EmulatorRequest, EmulatorResponse, ServiceName } from "./exchange.ts";
import { defaultFaultBody, type Fault, type FaultQueue } from "./faults.ts";
import { isGitHubPath } from "./github-oidc.ts";
import { handleGraph, isGraphPath } from "./graph.ts";
import type { HostileAnswerSet } from "./hostile.ts";
import type { Identities } from "./identities.ts";
import { handleLogin, isLoginPath } from "./login.ts";
import { handleManagedIdentity, isManagedIdentityPath } from "./managed-identity.ts";
import {
  handleMetadata,
  isMetadataPath,
  type CloudMetadataForm,
  type CloudMetadataOverrides,
} from "./metadata.ts";

/** One line of the request log. */
export interface RequestLogEntry {
  readonly method: string;
  /** As sent, percent-encoded, without the query. */
  readonly path: string;
  /** The raw query string, without the `?`. */
  readonly query: string;
  /** The status answered; 0 while in flight, or when a fault dropped the connection. */
  status: number;
  readonly service: ServiceName;
  callerObjectId?: string;
  /** When the request arrived (ms since the epoch). */
  readonly time: number;
  /** How long the answer took, injected delays included. */
  durationMs?: number;
  /** Set when an injected fault shaped the answer. */
  faulted?: boolean;
  /** The `id` of the TLS connection it came on (see ConnectionLogEntry). */
  readonly connection: number;
}

/** One TLS session the server accepted: each costs the client a TCP and a TLS handshake. */
export interface ConnectionLogEntry {
  /** 1 for the server's first connection, and so on (clearing the log does not reset it). */
  readonly id: number;
  /** When the TLS handshake completed (ms since the epoch). */
  readonly time: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The TLS server name the client asked for, if any. */
  readonly servername: string | undefined;
}

export interface ServerOptions {
  readonly cert: string;
  readonly key: string;
  readonly context: ArmContext;
  /** Federated credentials, managed identities and the GitHub issuer. */
  readonly identities: Identities;
  readonly faults: FaultQueue;
  /**
   * What the metadata endpoint claims instead of the truth (`Emulator.setCloudMetadata`), and the
   * form of its answer (`cloudMetadataForm` of the seed or the options).
   */
  readonly metadata?: { overrides: CloudMetadataOverrides; readonly form?: CloudMetadataForm };
  /** Rewrites ARM and Graph answers into hostile ones when armed (hostile.ts). */
  readonly hostile?: HostileAnswerSet;
  readonly log: RequestLogEntry[];
  /** Every TLS connection accepted, in order; requests name theirs. */
  readonly connections: ConnectionLogEntry[];
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

/** Bodies past this are refused: nothing the emulator serves needs more. */
const MAX_BODY_BYTES = 1024 * 1024;

/** One HTTPS server for every service: ARM, Entra ID sign-in and Graph are told apart by path. */
export function createEmulatorServer(options: ServerOptions): Server {
  const connectionOf = new WeakMap<object, number>();
  let lastId = 0;
  const server = createServer({ cert: options.cert, key: options.key }, (incoming, outgoing) => {
    const connection = connectionOf.get(incoming.socket) ?? 0;
    serve(incoming, outgoing, connection, options).catch((error: unknown) => {
      // Reading the request failed (an oversized or aborted body): answer if still possible.
      if (outgoing.headersSent || outgoing.destroyed) outgoing.destroy();
      else writeResponse(outgoing, internalError(error));
    });
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    lastId += 1;
    connectionOf.set(socket, lastId);
    options.connections.push({
      id: lastId,
      time: Date.now(),
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
      servername: typeof socket.servername === "string" ? socket.servername : undefined,
    });
  });
  return server;
}

async function serve(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  connection: number,
  options: ServerOptions,
) {
  const started = Date.now();
  const request = await readRequest(incoming);
  const service = serviceOf(request.segments);
  const entry: RequestLogEntry = {
    method: request.method,
    path: request.path,
    query: request.rawQuery,
    status: 0,
    service,
    time: started,
    connection,
  };
  options.log.push(entry);

  const fault = options.faults.take(request.method, request.path);
  let response: EmulatorResponse | undefined;
  if (fault) {
    entry.faulted = true;
    entry.callerObjectId = options.context.tokens.callerOf(incoming.headers.authorization);
    response = await playFault(fault, request, outgoing);
    if (outgoing.destroyed) {
      finish(entry, started, options);
      return;
    }
  }
  response ??= withFaultHeaders(
    handleOrExplain(service, request, {
      ...options.context,
      identities: options.identities,
      metadataOverrides: options.metadata?.overrides ?? {},
      metadataForm: options.metadata?.form,
    }),
    fault,
  );
  if (fault?.resetAfterApplying) {
    // The request was handled (a write is applied); the client never hears of it.
    entry.callerObjectId = response.callerObjectId ?? entry.callerObjectId;
    dropConnection(outgoing);
    finish(entry, started, options);
    return;
  }
  response = hostileAnswer(options.hostile, service, request, response);
  entry.status = response.status;
  entry.callerObjectId = response.callerObjectId ?? entry.callerObjectId;
  writeResponse(outgoing, response);
  finish(entry, started, options);
}

async function readRequest(incoming: IncomingMessage): Promise<EmulatorRequest> {
  // Split by hand: `new URL()` would read the `//subscriptions/...` that SDKs send for a scope
  // with a leading slash as a host name.
  const target = incoming.url ?? "/";
  const queryStart = target.indexOf("?");
  const path = queryStart < 0 ? target : target.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? "" : target.slice(queryStart + 1);
  return {
    method: (incoming.method ?? "GET").toUpperCase(),
    path,
    segments: path.split("/").filter(Boolean).map(decodeSegment),
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers: incoming.headers,
    body: await readBody(incoming),
  };
}

/** A bug in a handler becomes a 500 naming it, so a test shows it instead of hanging. */
type ServiceContext = ArmContext & {
  readonly identities: Identities;
  readonly metadataOverrides: CloudMetadataOverrides;
  readonly metadataForm: CloudMetadataForm | undefined;
};

function handleOrExplain(
  service: ServiceName,
  request: EmulatorRequest,
  context: ServiceContext,
): EmulatorResponse {
  try {
    return handle(service, request, context);
  } catch (error) {
    return internalError(error);
  }
}

function internalError(error: unknown): EmulatorResponse {
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    body: { error: { code: "InternalServerError", message: `Emulator error: ${message}` } },
  };
}

function handle(service: ServiceName, request: EmulatorRequest, context: ServiceContext) {
  switch (service) {
    case "login":
      return handleLogin(request, context);
    case "github":
      return context.identities.github.handle(request, context.baseUrl);
    case "identity":
      return handleManagedIdentity(request, { ...context, tenantId: context.state.tenantId });
    case "metadata":
      return handleMetadata(
        request,
        {
          baseUrl: context.baseUrl,
          acrLoginServerSuffix: context.state.acrLoginServerSuffix,
          form: context.metadataForm,
        },
        context.metadataOverrides,
      );
    case "graph":
      return handleGraph(request, context);
    case "arm":
      return handleArm(request, context);
  }
}

function serviceOf(segments: readonly string[]): ServiceName {
  if (isGitHubPath(segments)) return "github";
  if (isManagedIdentityPath(segments)) return "identity";
  if (isMetadataPath(segments)) return "metadata";
  if (isLoginPath(segments)) return "login";
  if (isGraphPath(segments)) return "graph";
  return "arm";
}

/**
 * Plays a fault's effects in order: state change, delay, then either a dropped connection, a
 * canned answer, or nothing (the caller handles the request for real).
 */
async function playFault(fault: Fault, request: EmulatorRequest, outgoing: ServerResponse) {
  fault.before?.(request);
  if (fault.delayMs) await sleep(fault.delayMs);
  if (fault.reset) {
    dropConnection(outgoing);
    return undefined;
  }
  if (fault.hang || fault.dripEveryMs !== undefined) {
    await holdOpen(fault, outgoing);
    return undefined;
  }
  if (fault.status === undefined) return undefined;
  return {
    status: fault.status,
    headers: fault.headers,
    body:
      fault.bodyFrom?.(request.body.toString("utf8")) ??
      fault.body ??
      (fault.status >= 400 ? defaultFaultBody(fault.status) : undefined),
  };
}

/** A hung or dripping answer: resolves (with the connection destroyed) once either side closes. */
async function holdOpen(fault: Fault, outgoing: ServerResponse): Promise<void> {
  const closed = new Promise<void>((resolve) => outgoing.once("close", () => resolve()));
  let drip: NodeJS.Timeout | undefined;
  if (fault.dripEveryMs !== undefined) {
    outgoing.writeHead(fault.status ?? 200, {
      ...fault.headers,
      "content-type": "application/json; charset=utf-8",
      "content-length": String(1024 * 1024),
    });
    outgoing.write("{");
    drip = setInterval(() => outgoing.write(" "), Math.max(1, fault.dripEveryMs));
  }
  await closed;
  clearInterval(drip);
  outgoing.destroy();
}

/** Ends the connection with no answer: a reset where the socket can send one, else a close. */
function dropConnection(outgoing: ServerResponse): void {
  const socket = outgoing.socket;
  try {
    socket?.resetAndDestroy();
  } catch {
    // A TLS socket cannot send a TCP reset (ERR_INVALID_HANDLE_TYPE): closing it drops the
    // connection all the same, and the client sees it end without an answer.
  }
  socket?.destroy();
  outgoing.destroy();
}

function hostileAnswer(
  hostile: HostileAnswerSet | undefined,
  service: ServiceName,
  request: EmulatorRequest,
  response: EmulatorResponse,
): EmulatorResponse {
  if (!hostile) return response;
  try {
    return hostile.rewrite(service, request, response);
  } catch (error) {
    return internalError(error);
  }
}

function withFaultHeaders(response: EmulatorResponse, fault: Fault | undefined): EmulatorResponse {
  if (!fault?.headers) return response;
  return { ...response, headers: { ...response.headers, ...fault.headers } };
}

function writeResponse(outgoing: ServerResponse, response: EmulatorResponse): void {
  const headers: Record<string, string> = { "x-ms-request-id": randomUUID() };
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  let payload: string | undefined;
  if (response.body !== undefined && response.status !== 204) {
    payload = typeof response.body === "string" ? response.body : JSON.stringify(response.body);
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  headers["content-length"] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
  outgoing.writeHead(response.status, headers);
  outgoing.end(payload);
}

function finish(entry: RequestLogEntry, started: number, options: ServerOptions): void {
  entry.durationMs = Date.now() - started;
  options.onRequest?.(entry);
}

async function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray % is a literal, as it is to ARM's router
  }
}
