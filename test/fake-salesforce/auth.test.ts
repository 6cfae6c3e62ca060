import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { V } from "./test-helpers.js";

let fake: FakeSalesforce;
beforeAll(async () => {
  fake = await startFakeSalesforce();
});
afterAll(async () => {
  await fake.stop();
});

const form = (params: Record<string, string>, target: FakeSalesforce = fake): Promise<Response> =>
  fetch(`${target.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });

describe("jsforce logins against the fake", () => {
  it("SOAP login (username + password+securityToken)", async () => {
    const c = fake.credentials;
    const conn = new jsforce.Connection({ loginUrl: fake.url, version: V });
    const info = await conn.login(c.username, c.password + c.securityToken);
    expect(info.organizationId).toMatch(/^00D\w{15}$/);
    expect(info.id).toMatch(/^005\w{15}$/);
    expect(conn.instanceUrl).toBe(fake.url);
    const res = await conn.query<{ Id: string }>("SELECT Id FROM Account LIMIT 3");
    expect(res.records).toHaveLength(3);
    expect(fake.count("soap_login")).toBeGreaterThanOrEqual(1);
  });

  it("SOAP login with a wrong password fails with INVALID_LOGIN", async () => {
    const conn = new jsforce.Connection({ loginUrl: fake.url, version: V });
    await expect(conn.login(fake.credentials.username, "wrong")).rejects.toThrow(
      "INVALID_LOGIN: Invalid username, password, security token; or user locked out.",
    );
    const raw = await fetch(`${fake.url}/services/Soap/u/${V}`, {
      method: "POST",
      headers: { "content-type": "text/xml", SOAPAction: '""' },
      body: '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>x</username><password>y</password></login></se:Body></se:Envelope>',
    });
    expect(raw.status).toBe(500);
    expect(await raw.text()).toContain("<faultcode>sf:INVALID_LOGIN</faultcode>");
  });

  it("OAuth2 username-password flow", async () => {
    const c = fake.credentials;
    const conn = new jsforce.Connection({
      oauth2: { loginUrl: fake.url, clientId: c.clientId, clientSecret: c.clientSecret },
      version: V,
    });
    const info = await conn.login(c.username, c.password + c.securityToken);
    expect(info.organizationId).toMatch(/^00D/);
    expect(conn.instanceUrl).toBe(fake.url);
    const res = await conn.query("SELECT Id, Name FROM Contact LIMIT 2");
    expect(res.totalSize).toBe(2);
  });

  it("OAuth2 refresh-token flow, and automatic refresh after a 401", async () => {
    const c = fake.credentials;
    const oauth2 = new jsforce.OAuth2({ loginUrl: fake.url, clientId: c.clientId, clientSecret: c.clientSecret });
    const res = await oauth2.refreshToken(c.refreshToken);
    expect(res.instance_url).toBe(fake.url);
    expect(res.token_type).toBe("Bearer");
    expect(res.id).toMatch(new RegExp(`^${fake.url}/id/00D\\w{15}/005\\w{15}$`));

    const conn = new jsforce.Connection({
      oauth2,
      instanceUrl: fake.url,
      accessToken: "stale",
      refreshToken: c.refreshToken,
      version: V,
    });
    const before = fake.count("oauth_token");
    const q = await conn.query("SELECT Id FROM Account LIMIT 1");
    expect(q.records).toHaveLength(1);
    expect(fake.count("oauth_token")).toBe(before + 1);
  });
});

describe("OAuth errors", () => {
  const c = () => fake.credentials;
  it("bad refresh token", async () => {
    const r = await form({
      grant_type: "refresh_token",
      client_id: c().clientId,
      client_secret: c().clientSecret,
      refresh_token: "nope",
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: "invalid_grant", error_description: "expired access/refresh token" });
  });
  it("bad password", async () => {
    const r = await form({
      grant_type: "password",
      client_id: c().clientId,
      client_secret: c().clientSecret,
      username: c().username,
      password: c().password,
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: "invalid_grant", error_description: "authentication failure" });
  });
  it("unknown client id", async () => {
    const r = await form({
      grant_type: "refresh_token",
      client_id: "x",
      client_secret: c().clientSecret,
      refresh_token: c().refreshToken,
    });
    expect(await r.json()).toEqual({ error: "invalid_client_id", error_description: "client identifier invalid" });
  });
  it("wrong client secret", async () => {
    const r = await form({
      grant_type: "refresh_token",
      client_id: c().clientId,
      client_secret: "x",
      refresh_token: c().refreshToken,
    });
    expect(await r.json()).toEqual({ error: "invalid_client", error_description: "invalid client credentials" });
  });
});

describe("sessions", () => {
  it("rejects missing/unknown tokens and expired sessions with INVALID_SESSION_ID", async () => {
    const c = fake.credentials;
    const r0 = await fetch(`${fake.url}/services/data/v${V}/limits`);
    expect(r0.status).toBe(401);
    expect(await r0.json()).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    expect(r0.headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/100000$/);

    const tok = (await (
      await form({
        grant_type: "refresh_token",
        client_id: c.clientId,
        client_secret: c.clientSecret,
        refresh_token: c.refreshToken,
      })
    ).json()) as { access_token: string };
    const ok = await fetch(`${fake.url}/services/data/v${V}/limits`, {
      headers: { authorization: `Bearer ${tok.access_token}` },
    });
    expect(ok.status).toBe(200);
    fake.expireSessions();
    const expired = await fetch(`${fake.url}/services/data/v${V}/limits`, {
      headers: { authorization: `Bearer ${tok.access_token}` },
    });
    expect(expired.status).toBe(401);
    // New logins still work.
    const again = (await (
      await form({
        grant_type: "refresh_token",
        client_id: c.clientId,
        client_secret: c.clientSecret,
        refresh_token: c.refreshToken,
      })
    ).json()) as { access_token: string };
    const ok2 = await fetch(`${fake.url}/services/data/v${V}/limits`, {
      headers: { authorization: `Bearer ${again.access_token}` },
    });
    expect(ok2.status).toBe(200);
  });
});

/** An RS256 JWT: base64url(header).base64url(claims).base64url(signature). */
function jwt(claims: Record<string, unknown>, key: string, header: Record<string, unknown> = { alg: "RS256" }): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode(header)}.${encode(claims)}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
}

const JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

describe("JWT bearer grant", () => {
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: fake.credentials.clientId,
    sub: fake.credentials.username,
    aud: fake.url,
    exp: Math.floor(Date.now() / 1000) + 180,
    ...overrides,
  });
  const exchange = async (assertion: string) => {
    const r = await form({ grant_type: JWT_GRANT, assertion });
    return { status: r.status, body: (await r.json()) as Record<string, string> };
  };
  const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;

  it("issues an access token (and no refresh token) for an assertion signed with the app's key", async () => {
    const { status, body } = await exchange(jwt(claims(), fake.appPrivateKey));
    expect(status).toBe(200);
    expect(body.token_type).toBe("Bearer");
    expect(body.instance_url).toBe(fake.url);
    expect(body).not.toHaveProperty("refresh_token");
    const limits = await fetch(`${fake.url}/services/data/v${V}/limits`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(limits.status).toBe(200);
  });

  it("accepts a PKCS#1 key and an audience with a trailing slash; prn wins over sub", async () => {
    const pkcs1 = createPrivateKey(fake.appPrivateKey).export({ type: "pkcs1", format: "pem" }) as string;
    expect((await exchange(jwt(claims({ aud: `${fake.url}/` }), pkcs1))).status).toBe(200);
    const prn = await exchange(jwt(claims({ sub: "someone@else.test", prn: fake.credentials.username }), pkcs1));
    expect(prn.status).toBe(200);
  });

  it.each<[string, () => string, string, string]>([
    ["a key the app does not know", () => jwt(claims(), otherKey), "invalid_grant", "invalid assertion"],
    ["a tampered claims set", () => tamper(jwt(claims(), fake.appPrivateKey)), "invalid_grant", "invalid assertion"],
    [
      "alg other than RS256",
      () => jwt(claims(), fake.appPrivateKey, { alg: "HS256" }),
      "invalid_grant",
      "invalid assertion",
    ],
    ["not a JWT", () => "abc.def", "invalid_grant", "invalid assertion"],
    [
      "an unknown issuer",
      () => jwt(claims({ iss: "3MVGnope" }), fake.appPrivateKey),
      "invalid_client_id",
      "client identifier invalid",
    ],
    [
      "another audience",
      () => jwt(claims({ aud: "https://login.salesforce.com" }), fake.appPrivateKey),
      "invalid_grant",
      "audience is invalid",
    ],
    [
      "an expired exp",
      () => jwt(claims({ exp: Math.floor(Date.now() / 1000) - 1 }), fake.appPrivateKey),
      "invalid_grant",
      "expired authorization code",
    ],
    [
      "exp more than 5 minutes ahead",
      () => jwt(claims({ exp: Math.floor(Date.now() / 1000) + 301 + 5 }), fake.appPrivateKey),
      "invalid_grant",
      "invalid assertion",
    ],
    ["no exp", () => jwt(claims({ exp: undefined }), fake.appPrivateKey), "invalid_grant", "invalid assertion"],
    [
      "an unknown user",
      () => jwt(claims({ sub: "nobody@fake.test" }), fake.appPrivateKey),
      "invalid_grant",
      "user hasn't approved this consumer",
    ],
  ])("refuses %s", async (_label, assertion, error, description) => {
    const { status, body } = await exchange(assertion());
    expect(status).toBe(400);
    expect(body).toEqual({ error, error_description: description });
  });

  it("refuses a user the app is not pre-authorised for, and accepts the audiences the app is given", async () => {
    fake.connectedApp.jwtUserApproved = false;
    try {
      expect((await exchange(jwt(claims(), fake.appPrivateKey))).body).toEqual({
        error: "invalid_grant",
        error_description: "user hasn't approved this consumer",
      });
    } finally {
      fake.connectedApp.jwtUserApproved = true;
    }
    fake.connectedApp.jwtAudiences = ["https://test.salesforce.com"];
    try {
      expect((await exchange(jwt(claims(), fake.appPrivateKey))).body.error_description).toBe("audience is invalid");
      expect((await exchange(jwt(claims({ aud: "https://test.salesforce.com" }), fake.appPrivateKey))).status).toBe(
        200,
      );
    } finally {
      delete fake.connectedApp.jwtAudiences;
    }
  });
});

/** The same claims but exp one second later, with the original signature: it no longer matches. */
function tamper(token: string): string {
  const [header, claims, signature] = token.split(".") as [string, string, string];
  const decoded = JSON.parse(Buffer.from(claims, "base64url").toString()) as { exp: number };
  const changed = Buffer.from(JSON.stringify({ ...decoded, exp: decoded.exp + 1 })).toString("base64url");
  return `${header}.${changed}.${signature}`;
}

describe("client credentials grant", () => {
  const c = () => fake.credentials;
  const grant = async (params: Record<string, string> = {}, headers: Record<string, string> = {}) => {
    const r = await fetch(`${fake.url}/services/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ grant_type: "client_credentials", ...params }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, string> };
  };

  it("issues an access token for the Run As user (client id and secret in the form or as Basic auth)", async () => {
    const inForm = await grant({ client_id: c().clientId, client_secret: c().clientSecret });
    expect(inForm.status).toBe(200);
    expect(inForm.body).not.toHaveProperty("refresh_token");
    const basic = Buffer.from(`${c().clientId}:${c().clientSecret}`).toString("base64");
    expect((await grant({}, { authorization: `Basic ${basic}` })).status).toBe(200);
  });

  it("refuses a wrong secret, an unknown client, no Run As user, and a URL that is not My Domain", async () => {
    expect((await grant({ client_id: c().clientId, client_secret: "x" })).body).toEqual({
      error: "invalid_client",
      error_description: "invalid client credentials",
    });
    expect((await grant({ client_id: "x", client_secret: c().clientSecret })).body.error).toBe("invalid_client_id");
    fake.connectedApp.clientCredentialsRunAs = null;
    try {
      expect((await grant({ client_id: c().clientId, client_secret: c().clientSecret })).body).toEqual({
        error: "invalid_grant",
        error_description: "no client credentials user enabled",
      });
    } finally {
      fake.connectedApp.clientCredentialsRunAs = c().username;
    }
    fake.connectedApp.myDomain = false;
    try {
      const notMyDomain = await grant({ client_id: c().clientId, client_secret: c().clientSecret });
      expect(notMyDomain.status).toBe(400);
      expect(notMyDomain.body).toEqual({
        error: "invalid_grant",
        error_description: "request not supported on this domain",
      });
    } finally {
      fake.connectedApp.myDomain = true;
    }
  });
});

describe("refresh token rotation", () => {
  it("answers a new refresh token with each grant and retires the one it was given", async () => {
    const rotating = await startFakeSalesforce({ connectedApp: { refreshTokenRotation: true } });
    try {
      const c = rotating.credentials;
      const refresh = (token: string) =>
        form(
          { grant_type: "refresh_token", client_id: c.clientId, client_secret: c.clientSecret, refresh_token: token },
          rotating,
        ).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
      const first = c.refreshToken;
      const one = await refresh(first);
      expect(one.status).toBe(200);
      expect(one.body.refresh_token).toMatch(/^5Aep861/);
      expect(one.body.refresh_token).not.toBe(first);
      expect(c.refreshToken).toBe(one.body.refresh_token);
      expect(await refresh(first)).toEqual({
        status: 400,
        body: { error: "invalid_grant", error_description: "expired access/refresh token" },
      });
      const two = await refresh(one.body.refresh_token!);
      expect(two.status).toBe(200);
      expect(two.body.refresh_token).not.toBe(one.body.refresh_token);
      expect((await refresh(one.body.refresh_token!)).status).toBe(400);
    } finally {
      await rotating.stop();
    }
  });

  it("is off by default: the same refresh token keeps working and none is returned", async () => {
    const r1 = await form({
      grant_type: "refresh_token",
      client_id: fake.credentials.clientId,
      client_secret: fake.credentials.clientSecret,
      refresh_token: fake.credentials.refreshToken,
    });
    expect(await r1.json()).not.toHaveProperty("refresh_token");
  });
});
