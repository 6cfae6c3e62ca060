import { sign, type KeyObject } from "node:crypto";

/** Salesforce: "the expiration time of the assertion within 3 minutes". */
const ASSERTION_LIFETIME_S = 180;

export interface AssertionClaims {
  /** The connected app's consumer key. */
  clientId: string;
  /** The Salesforce username the token is for. */
  username: string;
  /** The login URL the assertion is sent to (login.salesforce.com, test.salesforce.com or My Domain). */
  audience: string;
}

/**
 * The OAuth 2.0 JWT bearer assertion Salesforce expects: base64url({"alg":"RS256"}) . base64url(claims)
 * . base64url(RSA-SHA256 signature of the first two). Signed anew for every login, so a session that
 * expires mid-sync is renewed with a fresh `exp`.
 */
export function jwtAssertion(claims: AssertionClaims, key: KeyObject, now = Date.now()): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256" })}.${encode({
    iss: claims.clientId,
    sub: claims.username,
    aud: claims.audience,
    exp: Math.floor(now / 1000) + ASSERTION_LIFETIME_S,
  })}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
}
