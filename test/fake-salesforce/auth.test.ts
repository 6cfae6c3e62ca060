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

const form = (params: Record<string, string>): Promise<Response> =>
  fetch(`${fake.url}/services/oauth2/token`, {
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
