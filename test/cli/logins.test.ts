import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { dirname } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeConnectedApp, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, runCli, traceErrors, writeTempFiles, type CliRun } from "../helpers/cli.js";
import { invalidMessages, officialProtocolAvailable } from "../helpers/protocol.js";
import { expectEachOnce, liveIds, records, widgetObject } from "../helpers/read-fixtures.js";
import { runTap, singerLines, type TapRun } from "../helpers/singer.js";

// Logins for production orgs (issue 14): JWT bearer, client credentials, and refresh token rotation
// handed back, all through the built CLI and the Singer tap against the fake Salesforce. Every run is
// kept: afterAll checks that no secret reached any output except the CONTROL message, which carries
// the config by design.
const runs: Array<CliRun | TapRun> = [];
let fake: FakeSalesforce;
let rotating: FakeSalesforce;
let appDefaults: FakeConnectedApp;

const JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const otherKeyPem = otherKey.export({ type: "pkcs8", format: "pem" }) as string;
const encryptedKeyPem = otherKey.export({
  type: "pkcs8",
  format: "pem",
  cipher: "aes-256-cbc",
  passphrase: "pass",
}) as string;

beforeAll(async () => {
  [fake, rotating] = await Promise.all([
    startFakeSalesforce({ objects: [widgetObject(300)] }),
    startFakeSalesforce({ objects: [widgetObject(300)], connectedApp: { refreshTokenRotation: true } }),
  ]);
  appDefaults = { ...fake.connectedApp };
});

// Tests change the connected app's policies to provoke a failure; each starts from the defaults.
afterEach(() => {
  delete fake.connectedApp.jwtAudiences;
  Object.assign(fake.connectedApp, appDefaults);
});

afterAll(async () => {
  await Promise.all([fake.stop(), rotating.stop()]);
  const secrets = new Set<string>();
  for (const f of [fake, rotating]) {
    for (const value of [f.credentials.clientSecret, f.credentials.refreshToken, f.credentials.password])
      secrets.add(value);
  }
  // A PEM key would appear JSON-escaped or in pieces: look for each line of its body.
  for (const pem of [fake.appPrivateKey, rotating.appPrivateKey, otherKeyPem, encryptedKeyPem]) {
    for (const line of pem.split("\n")) if (line.length > 20 && !line.startsWith("-----")) secrets.add(line);
  }
  for (const run of runs) {
    // Every refresh token a run was handed (old and new) is a secret everywhere but in CONTROL.
    for (const config of handedBack(run)) secrets.add(config.credentials.refresh_token as string);
  }
  for (const run of runs) {
    const lines = run.stdout.split("\n").filter((line) => !line.startsWith('{"type":"CONTROL"'));
    for (const secret of secrets) {
      expect(lines.join("\n").includes(secret), `secret on stdout: ${secret.slice(0, 6)}…`).toBe(false);
      expect(run.stderr.includes(secret), `secret on stderr: ${secret.slice(0, 6)}…`).toBe(false);
    }
  }
  expect(secrets.size).toBeGreaterThan(20);
});

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli(args);
  runs.push(run);
  return run;
}

async function withConfig(command: "check" | "discover", config: unknown): Promise<CliRun> {
  return cli([command, "--config", writeTempFiles({ "config.json": config })["config.json"]!]);
}

async function readWith(config: unknown, catalog: unknown): Promise<CliRun> {
  const files = writeTempFiles({ "config.json": config, "catalog.json": catalog });
  return cli(["read", "--config", files["config.json"]!, "--catalog", files["catalog.json"]!]);
}

/** check reports FAILED, exit 0, with a message matching every hint. */
async function expectCheckFailed(config: unknown, hints: RegExp[]): Promise<void> {
  const run = await withConfig("check", config);
  expect(run.code).toBe(0);
  const [status] = connectionStatus(run);
  expect(status?.status).toBe("FAILED");
  for (const hint of hints) expect(status?.message).toMatch(hint);
}

const connectionStatus = (run: CliRun) =>
  ofType(run, "CONNECTION_STATUS").map((m) => m.connectionStatus as { status: string; message?: string });

type Config = { credentials: Record<string, unknown> } & Record<string, unknown>;

/** The configs a run handed back in CONTROL CONNECTOR_CONFIG messages, in order. */
function handedBack(run: CliRun | TapRun): Config[] {
  const messages = "messages" in run ? run.messages : [];
  return messages
    .filter((m) => m.type === "CONTROL")
    .map((m) => (m.control as { type: string; connectorConfig: { config: Config } }).connectorConfig.config);
}

function jwtConfig(f: FakeSalesforce, credentials: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    credentials: {
      auth_type: "jwt_bearer",
      client_id: f.credentials.clientId,
      username: f.credentials.username,
      private_key: f.appPrivateKey,
      ...credentials,
    },
    login_url: f.url,
    start_date: "2020-01-01",
    ...extra,
  };
}

function clientCredentialsConfig(f: FakeSalesforce, credentials: Record<string, unknown> = {}, extra = {}) {
  return {
    credentials: {
      auth_type: "client_credentials",
      client_id: f.credentials.clientId,
      client_secret: f.credentials.clientSecret,
      ...credentials,
    },
    login_url: f.url,
    start_date: "2020-01-01",
    ...extra,
  };
}

function refreshTokenConfig(f: FakeSalesforce): Config {
  return {
    credentials: {
      auth_type: "oauth2_refresh_token",
      client_id: f.credentials.clientId,
      client_secret: f.credentials.clientSecret,
      refresh_token: f.credentials.refreshToken,
    },
    login_url: f.url,
    start_date: "2020-01-01",
    bulk_api: { version: "2.0", max_records: 100 },
  };
}

/** Discovers with `config` and configures Widget__c for a full refresh. */
async function widgetCatalog(config: unknown): Promise<{ run: CliRun; catalog: unknown }> {
  const run = await withConfig("discover", config);
  const streams = (ofType(run, "CATALOG")[0]?.catalog as { streams: Array<{ name: string }> } | undefined)?.streams;
  const stream = streams?.find((s) => s.name === "Widget__c");
  if (!stream) throw new Error(`Widget__c not discovered: ${run.stdout.slice(0, 500)}`);
  const catalog = {
    streams: [{ stream, sync_mode: "full_refresh", destination_sync_mode: "overwrite", primary_key: [["Id"]] }],
  };
  return { run, catalog };
}

const tokenRequests = (f: FakeSalesforce, grant: string) =>
  f.requests.filter((r) => r.kind === "oauth_token" && new URLSearchParams(r.body).get("grant_type") === grant);

function decodeJwt(assertion: string): { header: unknown; claims: Record<string, unknown> } {
  const [header, claims] = assertion
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
  return { header, claims };
}

describe("JWT bearer login", () => {
  it("check, discover and read log in with an RS256 assertion for the user at the login URL", async () => {
    fake.resetCounts();
    const config = jwtConfig(fake);
    const before = Math.floor(Date.now() / 1000);
    const check = await withConfig("check", config);
    expect(check.code).toBe(0);
    expect(connectionStatus(check)).toEqual([{ status: "SUCCEEDED" }]);
    const [request] = tokenRequests(fake, JWT_GRANT);
    const { header, claims } = decodeJwt(new URLSearchParams(request!.body).get("assertion")!);
    expect(header).toEqual({ alg: "RS256" });
    expect(claims).toMatchObject({ iss: fake.credentials.clientId, sub: fake.credentials.username, aud: fake.url });
    expect(Number(claims.exp) - before).toBeGreaterThanOrEqual(175); // now + 3 minutes
    expect(Number(claims.exp) - before).toBeLessThanOrEqual(190);

    const { run: discover, catalog } = await widgetCatalog(config);
    expect(discover.code).toBe(0);
    const read = await readWith(config, catalog);
    expect(read.code, read.stderr).toBe(0);
    expect(traceErrors(read)).toEqual([]);
    expectEachOnce(records(read), liveIds(fake, "Widget__c"));
    expect(tokenRequests(fake, JWT_GRANT)).toHaveLength(3); // one login per command
    expect([check, discover, read].flatMap(handedBack)).toEqual([]); // nothing to hand back
  });

  it("accepts a PKCS#1 key, and a key pasted on one line with \\n escapes", async () => {
    const pkcs1 = createPrivateKey(fake.appPrivateKey).export({ type: "pkcs1", format: "pem" }) as string;
    expect(pkcs1).toContain("BEGIN RSA PRIVATE KEY");
    const escaped = fake.appPrivateKey.replace(/\n/g, "\\n");
    for (const privateKey of [pkcs1, escaped]) {
      const run = await withConfig("check", jwtConfig(fake, { private_key: privateKey }));
      expect(connectionStatus(run)).toEqual([{ status: "SUCCEEDED" }]);
    }
  });

  it("a session that expires mid-read is renewed with a newly signed assertion and the read goes on", async () => {
    // bulk_threshold 0: through Bulk, so the session expires between its results pages.
    const config = jwtConfig(fake, {}, { bulk_api: { version: "2.0", max_records: 100 }, bulk_threshold: 0 });
    const { catalog } = await widgetCatalog(config);
    fake.resetCounts();
    fake.inject({ kind: "bulk2_results", type: "invalid_session", after: 1 });
    try {
      const read = await readWith(config, catalog);
      expect(read.code, read.stderr).toBe(0);
      expectEachOnce(records(read), liveIds(fake, "Widget__c"));
      expect(tokenRequests(fake, JWT_GRANT)).toHaveLength(2);
      expect(fake.count("bulk2_results")).toBe(3 + 1); // 300 rows in pages of 100, one asked again
    } finally {
      fake.clearFaults();
    }
  });

  it.each<[string, () => unknown, () => void, RegExp[]]>([
    [
      "a key whose certificate the connected app does not hold",
      () => jwtConfig(fake, { private_key: otherKeyPem }),
      () => {},
      [/invalid assertion \(invalid_grant\)/, /Upload the certificate matching private_key to the connected app/],
    ],
    [
      "a user the connected app is not pre-authorised for",
      () => jwtConfig(fake),
      () => (fake.connectedApp.jwtUserApproved = false),
      [
        /user hasn't approved this consumer \(invalid_grant\)/,
        /set Permitted Users to "Admin approved users are pre-authorized" and add the user's profile or permission set/,
      ],
    ],
    [
      "an audience the org does not accept",
      () => jwtConfig(fake),
      () => (fake.connectedApp.jwtAudiences = ["https://test.salesforce.com"]),
      [
        /audience is invalid \(invalid_grant\)/,
        /test\.salesforce\.com\) for a sandbox/,
        /Check is_sandbox and login_url/,
      ],
    ],
    [
      "a private key that is not PEM",
      () => jwtConfig(fake, { private_key: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" }),
      () => {},
      [/credentials\.private_key: is not a PEM private key/],
    ],
    [
      "an encrypted private key",
      () => jwtConfig(fake, { private_key: encryptedKeyPem }),
      () => {},
      [/credentials\.private_key: is encrypted; give it without a passphrase/],
    ],
    [
      "a PEM body that does not decode",
      () => jwtConfig(fake, { private_key: "-----BEGIN PRIVATE KEY-----\nnot+a+key\n-----END PRIVATE KEY-----\n" }),
      () => {},
      [/credentials\.private_key: is not a valid PKCS#8 private key/],
    ],
  ])("check fails clearly, exit 0, for %s", async (_label, config, arrange, hints) => {
    arrange();
    await expectCheckFailed(config(), hints);
  });

  it("read with a malformed private key is one config_error naming credentials.private_key, before any login", async () => {
    fake.resetCounts();
    const run = await readWith(jwtConfig(fake, { private_key: "not a key" }), { streams: [] });
    expect(run.code).toBe(1);
    const errors = traceErrors(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ failure_type: "config_error" });
    expect(errors[0]!.message).toMatch(/credentials\.private_key: is not a PEM private key/);
    expect(fake.count("oauth_token")).toBe(0);
  });
});

describe("client credentials login", () => {
  it("check, discover and read log in as the connected app's Run As user", async () => {
    fake.resetCounts();
    const config = clientCredentialsConfig(fake);
    const check = await withConfig("check", config);
    expect(connectionStatus(check)).toEqual([{ status: "SUCCEEDED" }]);
    const { run: discover, catalog } = await widgetCatalog(config);
    expect(discover.code).toBe(0);
    const read = await readWith(config, catalog);
    expect(read.code, read.stderr).toBe(0);
    expectEachOnce(records(read), liveIds(fake, "Widget__c"));
    const requests = tokenRequests(fake, "client_credentials");
    expect(requests).toHaveLength(3);
    expect(Object.fromEntries(new URLSearchParams(requests[0]!.body))).toEqual({
      grant_type: "client_credentials",
      client_id: fake.credentials.clientId,
      client_secret: fake.credentials.clientSecret,
    });
  });

  it.each<[string, () => unknown, () => void, RegExp[]]>([
    [
      "no login_url",
      () => {
        const { login_url: _omitted, ...config } = clientCredentialsConfig(fake);
        return config;
      },
      () => {},
      [/login_url: required with client credentials, which Salesforce serves only on the org's My Domain/],
    ],
    [
      "login.salesforce.com as login_url",
      () => clientCredentialsConfig(fake, {}, { login_url: "https://login.salesforce.com" }),
      () => {},
      [/login_url: login\.salesforce\.com does not serve the client credentials flow; set the org's My Domain URL/],
    ],
    [
      "a login URL that is not the org's My Domain",
      () => clientCredentialsConfig(fake),
      () => (fake.connectedApp.myDomain = false),
      [/request not supported on this domain \(invalid_grant\)/, /only on the org's My Domain: set login_url to it/],
    ],
    [
      "a connected app without a Run As user",
      () => clientCredentialsConfig(fake),
      () => (fake.connectedApp.clientCredentialsRunAs = null),
      [/no client credentials user enabled/, /set a Run As user for the connected app/i],
    ],
    [
      "a wrong client secret",
      () => clientCredentialsConfig(fake, { client_secret: "wrong-cc-secret-4411" }),
      () => {},
      [/invalid client credentials \(invalid_client\)/, /Check client_id and client_secret/],
    ],
  ])("check fails clearly, exit 0, for %s", async (_label, config, arrange, hints) => {
    arrange();
    await expectCheckFailed(config(), hints);
  });

  it("discover without login_url is one config_error naming login_url", async () => {
    const { login_url: _omitted, ...config } = clientCredentialsConfig(fake);
    const run = await withConfig("discover", config);
    expect(run.code).toBe(1);
    expect(traceErrors(run).map((e) => e.failure_type)).toEqual(["config_error"]);
    expect(traceErrors(run)[0]!.message).toMatch(/login_url: required with client credentials/);
  });
});

describe("refresh token rotation", () => {
  /** The config handed back must be the config given, with only the refresh token replaced. */
  function expectHandedBack(run: CliRun, given: Config): Config {
    const configs = handedBack(run);
    expect(configs).toHaveLength(1);
    const [config] = configs as [Config];
    expect(config.credentials.refresh_token).toBe(rotating.credentials.refreshToken);
    expect(config.credentials.refresh_token).not.toBe(given.credentials.refresh_token);
    expect(config).toEqual({
      ...given,
      credentials: { ...given.credentials, refresh_token: config.credentials.refresh_token },
    });
    if (officialProtocolAvailable) expect(invalidMessages(run.messages)).toEqual([]);
    return config;
  }

  it("sync 1 hands back the new token in CONNECTOR_CONFIG, sync 2 with it succeeds, the old config fails", async () => {
    const given = refreshTokenConfig(rotating);
    const { run: discover, catalog } = await widgetCatalog(given);
    const afterDiscover = expectHandedBack(discover, given);

    const sync1 = await readWith(afterDiscover, catalog);
    expect(sync1.code, sync1.stderr).toBe(0);
    expectEachOnce(records(sync1), liveIds(rotating, "Widget__c"));
    const afterSync1 = expectHandedBack(sync1, afterDiscover);
    // The hand-back comes first: Airbyte has it even if the sync dies later.
    expect(sync1.messages.findIndex((m) => m.type === "CONTROL")).toBeLessThan(
      sync1.messages.findIndex((m) => m.type === "RECORD"),
    );

    const sync2 = await readWith(afterSync1, catalog);
    expect(sync2.code, sync2.stderr).toBe(0);
    expectEachOnce(records(sync2), liveIds(rotating, "Widget__c"));
    expectHandedBack(sync2, afterSync1);

    // The token sync 1 started with was retired when sync 1 logged in: rotation is real.
    const stale = await readWith(afterDiscover, catalog);
    expect(stale.code).toBe(1);
    expect(records(stale)).toEqual([]);
    expect(handedBack(stale)).toEqual([]);
    const [error] = traceErrors(stale);
    expect(error?.failure_type).toBe("config_error");
    expect(error?.message).toMatch(/expired access\/refresh token \(invalid_grant\)/);
    expect(error?.message).toMatch(/run with the config the last sync handed back/);
  });

  it("check hands the rotated token back too, before its CONNECTION_STATUS", async () => {
    const given = refreshTokenConfig(rotating);
    const run = await withConfig("check", given);
    expect(connectionStatus(run)).toEqual([{ status: "SUCCEEDED" }]);
    expectHandedBack(run, given);
    expect(run.messages.map((m) => m.type).filter((t) => t !== "LOG")).toEqual(["CONTROL", "CONNECTION_STATUS"]);
  });

  it("a run that logs in twice hands back each new token, the latest last", async () => {
    const given = refreshTokenConfig(rotating);
    const { catalog, run: discover } = await widgetCatalog(given);
    const current = handedBack(discover)[0]!;
    rotating.inject({ kind: "bulk2_results", type: "invalid_session", after: 1 });
    let run: CliRun;
    try {
      // bulk_threshold 0: through Bulk, so the session expires between its results pages.
      run = await readWith({ ...current, bulk_threshold: 0 }, catalog);
    } finally {
      rotating.clearFaults();
    }
    expect(run.code, run.stderr).toBe(0);
    expectEachOnce(records(run), liveIds(rotating, "Widget__c"));
    const configs = handedBack(run);
    expect(configs).toHaveLength(2);
    const tokens = configs.map((c) => c.credentials.refresh_token);
    expect(new Set([current.credentials.refresh_token, ...tokens]).size).toBe(3);
    expect(tokens[1]).toBe(rotating.credentials.refreshToken);
    const next = await withConfig("check", configs[1]);
    expect(connectionStatus(next)).toEqual([{ status: "SUCCEEDED" }]);
  });

  it("the Singer tap rewrites its --config file with the rotated token, atomically, keeping its mode", async () => {
    const given = refreshTokenConfig(rotating);
    const path = writeTempFiles({ "config.json": JSON.stringify(given) })["config.json"]!;
    chmodSync(path, 0o640);
    const inodeBefore = statSync(path).ino;
    const discover = await runTap(["--config", path, "--discover"]);
    runs.push(discover);
    expect(discover.code, discover.stderr).toBe(0);
    const afterDiscover = JSON.parse(readFileSync(path, "utf8")) as Config;
    expect(afterDiscover.credentials.refresh_token).toBe(rotating.credentials.refreshToken);
    expect(afterDiscover).toEqual({
      ...given,
      credentials: { ...given.credentials, refresh_token: afterDiscover.credentials.refresh_token },
    });
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(statSync(path).ino).not.toBe(inodeBefore); // a new file renamed over the old one
    expect(readdirSync(dirname(path))).toEqual(["config.json"]); // no temp file left behind
    expect(discover.stderr).toMatch(
      new RegExp(`INFO Salesforce rotated the refresh token; the new one is saved in ${path}`),
    );

    const catalog = JSON.parse(discover.stdout) as { streams: Array<{ metadata: Array<Record<string, unknown>> }> };
    for (const entry of catalog.streams) {
      for (const { breadcrumb, metadata } of entry.metadata as Array<{ breadcrumb: string[]; metadata: object }>) {
        if (breadcrumb.length === 0) Object.assign(metadata, { selected: true });
      }
    }
    const catalogPath = writeTempFiles({ "catalog.json": catalog })["catalog.json"]!;
    const sync = await runTap(["--config", path, "--catalog", catalogPath]);
    runs.push(sync);
    expect(sync.code, sync.stderr).toBe(0);
    const lines = singerLines(sync);
    expect(lines.filter((l) => l.type === "RECORD")).toHaveLength(liveIds(rotating, "Widget__c").length);
    expect(lines.every((l) => ["SCHEMA", "RECORD", "STATE"].includes(l.type))).toBe(true);
    const afterSync = JSON.parse(readFileSync(path, "utf8")) as Config;
    expect(afterSync.credentials.refresh_token).toBe(rotating.credentials.refreshToken);
    expect(afterSync.credentials.refresh_token).not.toBe(afterDiscover.credentials.refresh_token);
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });
});
