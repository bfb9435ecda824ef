import type { AddressInfo } from "node:net";
import { createServer } from "node:https";

/** One request a foreign host received, with what a leak would carry. */
export interface ForeignRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  /** The `Authorization` header, if any: a leaked token. */
  readonly authorization: string | undefined;
  /** The body, as sent (a token request would carry a secret or a client assertion). */
  readonly body: string;
}

/**
 * A second HTTPS server on 127.0.0.1 (another port, the same certificate, so a client that
 * trusts the emulator trusts it too), standing for a host that is not the cloud: what a hostile
 * nextLink, redirect or cloud metadata points at. It records everything it receives and answers
 * every request 404.
 */
export interface ForeignHost {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  readonly requests: readonly ForeignRequest[];
  close(): Promise<void>;
}

export async function startForeignHost(cert: string, key: string): Promise<ForeignHost> {
  const requests: ForeignRequest[] = [];
  const server = createServer({ cert, key }, (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      requests.push({
        method: incoming.method ?? "GET",
        url: incoming.url ?? "/",
        authorization: incoming.headers.authorization,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const body = JSON.stringify({ error: { code: "NotFound", message: "Not this host." } });
      outgoing.writeHead(404, {
        "content-type": "application/json; charset=utf-8",
        "content-length": String(Buffer.byteLength(body)),
      });
      outgoing.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
