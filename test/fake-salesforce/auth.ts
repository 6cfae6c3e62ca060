// Login endpoints (OAuth2 token: refresh token, password, JWT bearer, client credentials; SOAP login;
// identity; revoke) and the session registry.
import { createHmac, randomBytes, verify } from "node:crypto";
import { json, type Ctx, type Result } from "./http.js";
import type { FakeState } from "./state.js";
import { tagValue, xmlEscape } from "./xml.js";

export class Sessions {
  private readonly tokens = new Set<string>();

  constructor(private readonly orgId: string) {}

  /** A new access token shaped like Salesforce's ("00D...!AQ..."). */
  issue(): string {
    const token = `${this.orgId.slice(0, 15)}!AQ${randomBytes(48).toString("base64url")}`;
    this.tokens.add(token);
    return token;
  }

  isValid(token: string | undefined): boolean {
    return token !== undefined && this.tokens.has(token);
  }

  revoke(token: string | undefined): void {
    if (token) this.tokens.delete(token);
  }

  expireAll(): void {
    this.tokens.clear();
  }
}

/** Session token from `Authorization: Bearer` (REST) or `X-SFDC-Session` (Bulk 1.0). */
export function bearerToken(headers: Ctx["headers"]): string | undefined {
  const session = headers["x-sfdc-session"];
  if (typeof session === "string" && session.trim()) return session.trim();
  const h = headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

const oauthError = (error: string, description: string): Result => json(400, { error, error_description: description });

function tokenResponse(state: FakeState, extra: Record<string, string> = {}, scope = "api refresh_token"): Result {
  const issuedAt = String(state.opts.now().getTime());
  const id = `${state.url}/id/${state.orgId}/${state.userId}`;
  const signature = createHmac("sha256", state.credentials.clientSecret)
    .update(id + issuedAt)
    .digest("base64");
  return json(200, {
    access_token: state.sessions.issue(),
    ...extra,
    instance_url: state.url,
    id,
    token_type: "Bearer",
    issued_at: issuedAt,
    signature,
    scope,
  });
}

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const GRANTS = new Set(["refresh_token", "password", JWT_BEARER, "client_credentials"]);

/**
 * POST /services/oauth2/token (form-encoded): refresh_token, password, JWT bearer and client
 * credentials grants, with Salesforce's OAuth error bodies (400 `{error, error_description}`).
 */
export function oauthToken(ctx: Ctx): Result {
  const p = new URLSearchParams(ctx.body);
  const grant = p.get("grant_type") ?? "";
  if (!GRANTS.has(grant)) return oauthError("unsupported_grant_type", "grant type not supported");
  if (grant === JWT_BEARER) return jwtBearerGrant(ctx.state, p.get("assertion") ?? "");
  const client = clientAuthentication(ctx, p);
  if (grant === "client_credentials") return clientCredentialsGrant(ctx.state, client);
  const c = ctx.state.credentials;
  if (client.id !== c.clientId) return oauthError("invalid_client_id", "client identifier invalid");
  if (client.secret !== c.clientSecret) return oauthError("invalid_client", "invalid client credentials");
  if (grant === "password") {
    if (p.get("username") !== c.username || p.get("password") !== c.password + c.securityToken) {
      return oauthError("invalid_grant", "authentication failure");
    }
    return tokenResponse(ctx.state);
  }
  if (p.get("refresh_token") !== c.refreshToken) return oauthError("invalid_grant", "expired access/refresh token");
  if (!ctx.state.connectedApp.refreshTokenRotation) return tokenResponse(ctx.state);
  // Refresh token rotation: a new refresh token with every grant; the one just used is retired.
  c.refreshToken = newRefreshToken();
  return tokenResponse(ctx.state, { refresh_token: c.refreshToken });
}

/** client_id/client_secret from the form, or from `Authorization: Basic` (both are accepted). */
function clientAuthentication(ctx: Ctx, p: URLSearchParams): { id: string | null; secret: string | null } {
  const basic = /^Basic\s+(\S+)$/i.exec(String(ctx.headers.authorization ?? ""));
  if (basic) {
    const [id, ...secret] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
    return { id: decodeURIComponent(id ?? ""), secret: decodeURIComponent(secret.join(":")) };
  }
  return { id: p.get("client_id"), secret: p.get("client_secret") };
}

function newRefreshToken(): string {
  return `5Aep861${randomBytes(32).toString("base64url")}`;
}

/**
 * Client credentials flow: served on the org's My Domain only; the token is the app's "Run As"
 * user's. No refresh token is issued.
 */
function clientCredentialsGrant(state: FakeState, client: { id: string | null; secret: string | null }): Result {
  const app = state.connectedApp;
  if (!app.myDomain) return oauthError("invalid_grant", "request not supported on this domain");
  if (client.id !== state.credentials.clientId) return oauthError("invalid_client_id", "client identifier invalid");
  if (client.secret !== state.credentials.clientSecret)
    return oauthError("invalid_client", "invalid client credentials");
  if (app.clientCredentialsRunAs === null) return oauthError("invalid_grant", "no client credentials user enabled");
  return tokenResponse(state, {}, "api");
}

/** The assertion's `exp` may be at most this far ahead (Salesforce: "within 3 minutes", plus clock skew). */
const JWT_MAX_LIFETIME_S = 5 * 60;

/**
 * JWT bearer flow: `{"alg":"RS256"}` header, claims iss = the app's client id, sub = a username,
 * aud = an accepted audience (login URL), exp = a NumericDate no more than 5 minutes ahead; signed
 * with the key whose certificate was uploaded to the app. The app must be pre-authorised for the
 * user. No refresh token is issued.
 */
function jwtBearerGrant(state: FakeState, assertion: string): Result {
  const invalid = oauthError("invalid_grant", "invalid assertion");
  const parts = assertion.split(".");
  if (parts.length !== 3) return invalid;
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = decodeSegment(headerPart);
  const claims = decodeSegment(claimsPart);
  if (!header || !claims || header.alg !== "RS256") return invalid;
  if (claims.iss !== state.credentials.clientId) return oauthError("invalid_client_id", "client identifier invalid");
  const signed = verify(
    "RSA-SHA256",
    Buffer.from(`${headerPart}.${claimsPart}`),
    state.appPublicKey,
    Buffer.from(signaturePart, "base64url"),
  );
  if (!signed) return invalid;
  if (typeof claims.aud !== "string" || !jwtAudiences(state).includes(claims.aud.replace(/\/$/, ""))) {
    return oauthError("invalid_grant", "audience is invalid");
  }
  const exp = Number(claims.exp);
  const nowS = state.opts.now().getTime() / 1000;
  if (!Number.isFinite(exp)) return invalid;
  if (exp <= nowS) return oauthError("invalid_grant", "expired authorization code");
  if (exp > nowS + JWT_MAX_LIFETIME_S) return invalid;
  // sub (or prn, which wins when both are given) names the user.
  const subject = claims.prn ?? claims.sub;
  if (subject !== state.credentials.username || !state.connectedApp.jwtUserApproved) {
    return oauthError("invalid_grant", "user hasn't approved this consumer");
  }
  return tokenResponse(state, {}, "api");
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function jwtAudiences(state: FakeState): string[] {
  return (state.connectedApp.jwtAudiences ?? [state.url]).map((aud) => aud.replace(/\/$/, ""));
}

/** POST /services/oauth2/revoke: always succeeds, invalidating the token if it is one. */
export function oauthRevoke(ctx: Ctx): Result {
  const token = new URLSearchParams(ctx.body).get("token") ?? ctx.query.get("token") ?? undefined;
  ctx.state.sessions.revoke(token);
  return { status: 200, text: "" };
}

/** GET /id/{orgId}/{userId}: the identity URL returned by OAuth. */
export function identity(ctx: Ctx): Result {
  const s = ctx.state;
  if (!s.sessions.isValid(bearerToken(ctx.headers))) return { status: 403, text: "Bad_OAuth_Token" };
  return json(200, {
    id: `${s.url}/id/${s.orgId}/${s.userId}`,
    asserted_user: true,
    user_id: s.userId,
    organization_id: s.orgId,
    username: s.credentials.username,
    nick_name: "integration",
    display_name: "Integration User",
    email: s.credentials.username,
    active: true,
    user_type: "STANDARD",
    language: "en_US",
    locale: "en_US",
    utcOffset: 0,
    urls: {
      rest: `${s.url}/services/data/v{version}/`,
      sobjects: `${s.url}/services/data/v{version}/sobjects/`,
      query: `${s.url}/services/data/v{version}/query/`,
      partner: `${s.url}/services/Soap/u/{version}/${s.orgId}`,
    },
  });
}

export function soapFault(code: string, message: string): Result {
  const text =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>' +
    `<faultcode>sf:${code}</faultcode><faultstring>${code}: ${xmlEscape(message)}</faultstring><detail>` +
    `<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>${code}</sf:exceptionCode>` +
    `<sf:exceptionMessage>${xmlEscape(message)}</sf:exceptionMessage></sf:LoginFault></detail>` +
    "</soapenv:Fault></soapenv:Body></soapenv:Envelope>";
  return { status: 500, text, contentType: "text/xml;charset=UTF-8" };
}

/** POST /services/Soap/u/{version}: Partner API login(username, password+securityToken). */
export function soapLogin(ctx: Ctx): Result {
  const s = ctx.state;
  const username = tagValue(ctx.body, "username");
  const password = tagValue(ctx.body, "password");
  if (!/<(?:\w+:)?login[\s>]/.test(ctx.body) || username === undefined || password === undefined) {
    return soapFault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.");
  }
  if (username !== s.credentials.username || password !== s.credentials.password + s.credentials.securityToken) {
    return soapFault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.");
  }
  const v = ctx.version;
  const sessionId = s.sessions.issue();
  const text =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>' +
    `<metadataServerUrl>${s.url}/services/Soap/m/${v}/${s.orgId}</metadataServerUrl>` +
    "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>" +
    `<serverUrl>${s.url}/services/Soap/u/${v}/${s.orgId}</serverUrl>` +
    `<sessionId>${sessionId}</sessionId><userId>${s.userId}</userId><userInfo>` +
    "<accessibilityMode>false</accessibilityMode><chatterExternal>false</chatterExternal><currencySymbol>$</currencySymbol>" +
    "<orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit><orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>" +
    "<orgDefaultCurrencyLocale>en_US</orgDefaultCurrencyLocale><orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>" +
    `<orgHasPersonAccounts>false</orgHasPersonAccounts><organizationId>${s.orgId}</organizationId>` +
    "<organizationMultiCurrency>false</organizationMultiCurrency><organizationName>Fake Salesforce Org</organizationName>" +
    '<profileId>00e5g000000ABCDAA4</profileId><roleId xsi:nil="true"/><sessionSecondsValid>7200</sessionSecondsValid>' +
    `<userDefaultCurrencyIsoCode xsi:nil="true"/><userEmail>${xmlEscape(s.credentials.username)}</userEmail>` +
    `<userFullName>Integration User</userFullName><userId>${s.userId}</userId><userLanguage>en_US</userLanguage>` +
    `<userLocale>en_US</userLocale><userName>${xmlEscape(s.credentials.username)}</userName><userTimeZone>America/Los_Angeles</userTimeZone>` +
    "<userType>Standard</userType><userUiSkin>Theme3</userUiSkin></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>";
  return { status: 200, text, contentType: "text/xml;charset=UTF-8" };
}
