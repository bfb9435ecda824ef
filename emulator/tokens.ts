import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

/** Claims of an app-only access token, shaped like Entra ID's v1 tokens that ARM accepts. */
export interface AccessTokenClaims {
  readonly aud: string;
  readonly iss: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly appid: string;
  readonly appidacr: "1" | "2";
  readonly idp: string;
  readonly idtyp: "app";
  readonly oid: string;
  readonly sub: string;
  readonly tid: string;
  readonly uti: string;
  readonly ver: "1.0";
}

export type TokenCheck =
  | { readonly valid: true; readonly claims: AccessTokenClaims }
  | { readonly valid: false; readonly reason: "malformed" | "signature" }
  | { readonly valid: false; readonly reason: "expired"; readonly claims: AccessTokenClaims };

export interface TokenRequest {
  readonly audience: string;
  readonly issuer: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly objectId: string;
  /** Seconds. */
  readonly lifetime: number;
}

/**
 * Signs and checks access tokens. Tokens are real JWTs (clients may decode them) signed with a
 * key made at start, so a token from another emulator run, or a forged one, is refused.
 */
export class TokenAuthority {
  /** Every token signed, for tests that check none of them leaks into a log. */
  readonly issued: string[] = [];
  /**
   * What a token shows its holder instead of its claims (hostile answers, hostile.ts); the
   * emulator's own checks keep reading the real claims.
   */
  shownClaims: (claims: AccessTokenClaims) => object = (claims) => claims;
  /** The real claims of tokens whose payload shows others. */
  readonly #realClaims = new Map<string, AccessTokenClaims>();
  readonly #key = randomBytes(32);
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  issue(request: TokenRequest): { token: string; claims: AccessTokenClaims } {
    const issuedAt = Math.floor(this.#now() / 1000);
    const claims: AccessTokenClaims = {
      aud: request.audience,
      iss: request.issuer,
      iat: issuedAt,
      // Entra ID backdates nbf by five minutes to absorb clock skew; so does this.
      nbf: issuedAt - 300,
      exp: issuedAt + request.lifetime,
      appid: request.appId,
      appidacr: "1",
      idp: request.issuer,
      idtyp: "app",
      oid: request.objectId,
      sub: request.objectId,
      tid: request.tenantId,
      uti: randomUUID().replaceAll("-", ""),
      ver: "1.0",
    };
    const header = base64Url(JSON.stringify({ typ: "JWT", alg: "HS256" }));
    const shown = this.shownClaims(claims);
    const payload = base64Url(JSON.stringify(shown));
    const token = `${header}.${payload}.${this.#sign(`${header}.${payload}`)}`;
    if (shown !== claims) this.#realClaims.set(token, claims);
    this.issued.push(token);
    return { token, claims };
  }

  check(token: string): TokenCheck {
    const parts = token.split(".");
    if (parts.length !== 3) return { valid: false, reason: "malformed" };
    const [header, payload, signature] = parts;
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { valid: false, reason: "signature" };
    }
    let claims: AccessTokenClaims;
    try {
      claims =
        this.#realClaims.get(token) ??
        JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      return { valid: false, reason: "malformed" };
    }
    if (claims.exp * 1000 <= this.#now()) return { valid: false, reason: "expired", claims };
    return { valid: true, claims };
  }

  /** The object id of a valid token's subject, or undefined: for logging who called. */
  callerOf(authorization: string | undefined): string | undefined {
    const token = bearerToken(authorization);
    if (!token) return undefined;
    const check = this.check(token);
    return check.valid ? check.claims.oid : undefined;
  }

  #sign(content: string): string {
    return createHmac("sha256", this.#key).update(content).digest("base64url");
  }
}

function base64Url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** The bearer token of an `Authorization` header, or undefined if there is none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}
