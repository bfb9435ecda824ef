import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import {
  headerValue,
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
} from "./exchange.ts";
import type { SeedGitHubRun } from "./seed.ts";
import { bearerToken } from "./tokens.ts";

/**
 * GitHub Actions' side of OIDC: the token endpoint a job reaches through
 * `ACTIONS_ID_TOKEN_REQUEST_URL` (with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` as bearer), and the
 * issuer that signs the tokens, with its discovery document and keys. The issuer lives under
 * `/github-oidc` of the emulator, where GitHub's is `https://token.actions.githubusercontent.com`.
 *
 * Claims follow GitHub's documented token (docs.github.com, "About security hardening with
 * OpenID Connect"): `sub` is `repo:OWNER/REPO:ref:REF`, `repo:OWNER/REPO:environment:NAME` or
 * `repo:OWNER/REPO:pull_request`; `nbf` is ten minutes before `iat`, `exp` five minutes after.
 */
export const GITHUB_ISSUER_PATH = "/github-oidc";
export const GITHUB_TOKEN_REQUEST_PATH = "/github-actions/idtoken";

const DEFAULT_RUN: SeedGitHubRun = { repository: "octo-org/octo-repo" };
const TOKEN_LIFETIME_SECONDS = 300;
const NOT_BEFORE_SKEW_SECONDS = 600;

export interface IdTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
  readonly repository: string;
  readonly repository_owner: string;
  readonly ref: string;
  readonly ref_type: "branch" | "tag";
  readonly event_name: string;
  readonly environment?: string;
  readonly runner_environment: "github-hosted" | "self-hosted";
  readonly [claim: string]: unknown;
}

export type IdTokenCheck =
  | { readonly valid: true; readonly claims: IdTokenClaims }
  | { readonly valid: false; readonly reason: "malformed" | "signature"; readonly iss?: string };

export class GitHubOidc {
  /** What a job's `ACTIONS_ID_TOKEN_REQUEST_TOKEN` holds: made at start, like GitHub's. */
  readonly requestToken = `ghs_${randomBytes(24).toString("base64url")}`;
  /** Every ID token issued, for tests that check none of them leaks. */
  readonly issued: string[] = [];
  readonly run: SeedGitHubRun;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #kid: string;
  readonly #now: () => number;

  constructor(run: SeedGitHubRun | undefined, now: () => number = Date.now) {
    this.run = run ?? DEFAULT_RUN;
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    this.#kid = createHash("sha256")
      .update(publicKey.export({ type: "spki", format: "der" }))
      .digest("base64url");
    this.#now = now;
  }

  issuer(baseUrl: string): string {
    return `${baseUrl}${GITHUB_ISSUER_PATH}`;
  }

  /** The subject GitHub writes for this run. */
  subject(): string {
    const { repository, environment, eventName, ref } = this.run;
    if (environment) return `repo:${repository}:environment:${environment}`;
    if (eventName === "pull_request") return `repo:${repository}:pull_request`;
    return `repo:${repository}:ref:${ref ?? "refs/heads/main"}`;
  }

  issue(baseUrl: string, audience: string | undefined): string {
    const { repository, environment, eventName, ref = "refs/heads/main" } = this.run;
    const owner = repository.split("/")[0] ?? repository;
    const issuedAt = Math.floor(this.#now() / 1000);
    const lifetime = this.run.tokenLifetimeSeconds ?? TOKEN_LIFETIME_SECONDS;
    const claims: IdTokenClaims = {
      jti: randomUUID(),
      sub: this.subject(),
      // GitHub's default audience is the owner's URL; `?audience=` replaces it.
      aud: audience ?? `https://github.com/${owner}`,
      ref,
      sha: randomBytes(20).toString("hex"),
      repository,
      repository_owner: owner,
      run_id: String(issuedAt),
      run_number: "1",
      run_attempt: "1",
      actor: owner,
      workflow: "deploy",
      event_name: eventName ?? "push",
      ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
      ...(environment ? { environment } : {}),
      runner_environment: "github-hosted",
      iss: this.issuer(baseUrl),
      nbf: issuedAt - NOT_BEFORE_SKEW_SECONDS,
      exp: issuedAt + lifetime,
      iat: issuedAt,
    };
    const header = encode({ typ: "JWT", alg: "RS256", x5t: this.#kid, kid: this.#kid });
    const payload = encode(claims);
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), this.#privateKey);
    const token = `${header}.${payload}.${signature.toString("base64url")}`;
    this.issued.push(token);
    return token;
  }

  /** Checks a token's form and signature (not its time or audience: that is Entra's job). */
  check(token: string): IdTokenCheck {
    const parts = token.split(".");
    if (parts.length !== 3) return { valid: false, reason: "malformed" };
    const [header, payload, signature] = parts as [string, string, string];
    let claims: IdTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as IdTokenClaims;
      if (typeof claims !== "object" || claims === null) throw new Error("not an object");
    } catch {
      return { valid: false, reason: "malformed" };
    }
    const signed = verify(
      "sha256",
      Buffer.from(`${header}.${payload}`),
      this.#publicKey,
      Buffer.from(signature, "base64url"),
    );
    return signed
      ? { valid: true, claims }
      : { valid: false, reason: "signature", iss: claims.iss };
  }

  /** Serves the token endpoint and the issuer's discovery documents. */
  handle(request: EmulatorRequest, baseUrl: string): EmulatorResponse {
    const path = `/${request.segments.join("/")}`;
    const issuer = this.issuer(baseUrl);
    if (
      request.method === "GET" &&
      path === `${GITHUB_ISSUER_PATH}/.well-known/openid-configuration`
    ) {
      return jsonResponse(200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ["public", "pairwise"],
        response_types_supported: ["id_token"],
        claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid", "repo", "repository_owner"],
      });
    }
    if (request.method === "GET" && path === `${GITHUB_ISSUER_PATH}/.well-known/jwks`) {
      const jwk = this.#publicKey.export({ format: "jwk" });
      return jsonResponse(200, {
        keys: [{ ...jwk, kid: this.#kid, x5t: this.#kid, alg: "RS256", use: "sig" }],
      });
    }
    if (path === GITHUB_TOKEN_REQUEST_PATH) {
      if (request.method !== "GET") return jsonResponse(405, { message: "Method Not Allowed" });
      if (bearerToken(headerValue(request, "authorization")) !== this.requestToken) {
        return jsonResponse(401, {
          message:
            "Unauthorized: the request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN) is missing or wrong.",
        });
      }
      const audience = request.query.get("audience") ?? undefined;
      return jsonResponse(200, { count: 1, value: this.issue(baseUrl, audience) });
    }
    return jsonResponse(404, { message: `Not Found: ${request.method} ${path}` });
  }
}

export function isGitHubPath(segments: readonly string[]): boolean {
  const first = `/${segments[0] ?? ""}`;
  return (
    first === GITHUB_ISSUER_PATH ||
    `/${segments.slice(0, 2).join("/")}` === GITHUB_TOKEN_REQUEST_PATH
  );
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}
