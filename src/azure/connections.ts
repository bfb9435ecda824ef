import { Agent } from "node:https";
import {
  createDefaultHttpClient,
  type HttpClient,
  type PipelineRequest,
} from "@azure/core-rest-pipeline";
import { HttpsProxyAgent } from "https-proxy-agent";

/**
 * The run's one HTTP client, and so its one set of connections: every SDK client, the identity
 * library's token requests, Graph and the cloud metadata fetch send through it, so a host is
 * reached over the same keep-alive connections whichever client asks. A request made after
 * another's answer reuses that connection; requests sent together open one each.
 *
 * Direct, HTTPS requests share one keep-alive agent (a pool per host). Through a proxy, each
 * pipeline's proxy policy still decides whether a request goes through it (HTTPS_PROXY,
 * NO_PROXY), but the agent it picks keeps no connection, so every request would open a
 * `CONNECT` tunnel and a TLS session of its own: that agent is swapped for one keep-alive agent
 * per proxy (TunnelAgent). A request that brings TLS settings or an agent of its own is sent as
 * it is.
 */
export interface ConnectionPool extends HttpClient {
  /** Closes every connection, idle or in use: for the end of the run. */
  close(): void;
}

export function createConnectionPool(): ConnectionPool {
  const client = createDefaultHttpClient();
  const direct = new Agent({ keepAlive: true });
  const proxied = new Map<string, TunnelAgent>();

  const agentFor = (request: PipelineRequest) => {
    const chosen = request.agent;
    // TLS settings of its own (none of the action's requests has them) need the SDK's agent.
    if (request.tlsSettings !== undefined) return chosen;
    if (chosen === undefined) {
      return new URL(request.url).protocol === "https:" ? direct : undefined;
    }
    if (!(chosen instanceof HttpsProxyAgent)) return chosen;
    const key = chosen.proxy.href;
    let agent = proxied.get(key);
    if (!agent) {
      agent = new TunnelAgent(chosen.proxy, { keepAlive: true, headers: chosen.proxyHeaders });
      proxied.set(key, agent);
    }
    return agent;
  };

  return {
    sendRequest(request) {
      const agent = agentFor(request);
      if (agent !== undefined) request.agent = agent;
      return client.sendRequest(request);
    },
    close() {
      direct.destroy();
      for (const agent of proxied.values()) agent.destroy();
    },
  };
}

/**
 * A keep-alive tunnel agent for https:// targets. Its base class tells an https request from an
 * http one by the options, else by the call stack; the SDK's options say neither, and when a
 * socket is freed the stack is the socket's, so the idle socket was filed under an http name and
 * the next request, looking under the https one, never found it. Every request this agent
 * carries is https.
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  override isSecureEndpoint(): boolean {
    return true;
  }
}
