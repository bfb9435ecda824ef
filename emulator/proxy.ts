import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/**
 * A forward proxy on 127.0.0.1 as corporate networks have, speaking HTTP CONNECT (how clients
 * reach https:// targets through `HTTPS_PROXY`). It only opens tunnels to this machine:
 * loopback addresses, `localhost`, and names under `.localhost` (RFC 6761), which it resolves
 * to 127.0.0.1 itself, so a name no resolver knows (PROXY_ONLY_HOST) is reachable through it
 * and nowhere else. Anything else is refused with 403 and recorded.
 *
 * For tests: `tunnels()` counts the tunnels opened per target as the client named it, and
 * `upstreamPorts` holds the local port of every connection the proxy made onwards, which the
 * emulator's connection log (`remotePort`) can be matched against to prove that every
 * connection it accepted came through the proxy.
 */
export interface Proxy {
  /** `http://127.0.0.1:<port>`, for `HTTPS_PROXY`. */
  readonly url: string;
  /** Tunnels opened so far, by target (`host:port` as the client asked for it). */
  tunnels(): Record<string, number>;
  /** Local ports of the connections the proxy opened to its targets. */
  readonly upstreamPorts: ReadonlySet<number>;
  /** Targets refused (not on this machine), and requests that were not CONNECT. */
  readonly refused: readonly string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /**
   * Holds back each tunnel's `200 Connection Established` this long: what a real network's round
   * trip to the proxy and on to the target costs every new tunnel (the bench sets its latency).
   */
  readonly connectDelayMs?: number;
}

export async function startProxy(options: ProxyOptions = {}): Promise<Proxy> {
  const counts = new Map<string, number>();
  const upstreamPorts = new Set<number>();
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // Plain proxying of http:// URLs: nothing the action sends needs it.
    refused.push(`${request.method ?? "?"} ${request.url ?? ""}`);
    response.writeHead(501, { "content-type": "text/plain" }).end("Only CONNECT is supported.\n");
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("connect", (request: IncomingMessage, client: Socket, head: Buffer) => {
    const target = request.url ?? "";
    const destination = loopbackDestination(target);
    if (!destination) {
      refused.push(target);
      client.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    counts.set(target, (counts.get(target) ?? 0) + 1);
    const established = () => {
      if (client.destroyed || upstream.destroyed) return;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    };
    const upstream = connect(destination.port, "127.0.0.1", () => {
      if (upstream.localPort !== undefined) upstreamPorts.add(upstream.localPort);
      if (options.connectDelayMs) setTimeout(established, options.connectDelayMs);
      else established();
    });
    sockets.add(upstream);
    upstream.once("close", () => sockets.delete(upstream));
    let connected = false;
    upstream.once("connect", () => (connected = true));
    upstream.on("error", () => {
      if (connected) client.destroy();
      else client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
    });
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels: () => Object.fromEntries(counts),
    upstreamPorts,
    refused,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}

/** `host:port` to a port on 127.0.0.1, when the host is this machine; else undefined. */
function loopbackDestination(target: string): { port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
  if (!match) return undefined;
  const host = match[1]!.toLowerCase();
  const port = Number(match[2]);
  const loopback =
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === "[::1]" ||
    host === "localhost" ||
    host.endsWith(".localhost");
  return loopback && port > 0 && port < 65536 ? { port } : undefined;
}
