import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, repoRoot, runCli, traceErrors, writeTempFiles, type CliRun } from "../helpers/cli.js";
import { sfGet } from "../helpers/sf-http.js";
import { baseConfig } from "../helpers/read-fixtures.js";
import { invalidMessages, officialProtocolAvailable, officialProtocolPath } from "../helpers/protocol.js";
import { SALESFORCE_TYPE_SCHEMAS } from "../../src/salesforce/field-types.js";

// Every run of this file is kept: afterAll checks that no secret ever reached stdout or stderr.
const runs: CliRun[] = [];
const secrets = new Set<string>();
let fake: FakeSalesforce;

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli(args);
  runs.push(run);
  return run;
}

/** The shared fixture config (refresh-token login at the fake), with credentials or fields replaced. */
function oauthConfig(overrides: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}) {
  const base = baseConfig(fake, overrides);
  return { ...base, credentials: { ...(base.credentials as Record<string, unknown>), ...credentials } };
}

async function withConfig(command: "check" | "discover", config: unknown): Promise<CliRun> {
  for (const value of Object.values((config as { credentials?: Record<string, unknown> }).credentials ?? {})) {
    if (typeof value === "string" && !["oauth2_refresh_token", "username_password"].includes(value)) secrets.add(value);
  }
  const files = writeTempFiles({ "config.json": config });
  return cli([command, "--config", files["config.json"]!]);
}

const connectionStatus = (run: CliRun) =>
  ofType(run, "CONNECTION_STATUS").map((m) => m.connectionStatus as { status: string; message?: string });

beforeAll(async () => {
  fake = await startFakeSalesforce();
  for (const [key, value] of Object.entries(fake.credentials))
    if (key !== "username" && key !== "clientId") secrets.add(value);
});

afterAll(async () => {
  await fake.stop();
  for (const run of runs) {
    for (const secret of secrets) {
      expect(run.stdout.includes(secret), `secret leaked to stdout: ${run.stdout.slice(0, 300)}`).toBe(false);
      expect(run.stderr.includes(secret), `secret leaked to stderr: ${run.stderr.slice(0, 300)}`).toBe(false);
    }
  }
});

describe("spec", () => {
  it("prints spec.json byte-for-byte as the SPEC message, exit 0", async () => {
    const run = await cli(["spec"]);
    expect(run.code).toBe(0);
    expect(run.messages).toHaveLength(1);
    const spec = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8"));
    expect(run.messages[0]).toEqual({ type: "SPEC", spec });
    expect(run.stdout).toBe(JSON.stringify({ type: "SPEC", spec }) + "\n");
  });

  it("marks every secret field airbyte_secret", () => {
    const spec = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8"));
    const branches = spec.connectionSpecification.properties.credentials.oneOf as Array<{
      properties: Record<string, { airbyte_secret?: boolean }>;
    }>;
    for (const branch of branches) {
      for (const name of ["client_secret", "refresh_token", "password", "security_token"]) {
        if (branch.properties[name]) expect(branch.properties[name]!.airbyte_secret, name).toBe(true);
      }
    }
  });
});

describe("check", () => {
  it("succeeds with an OAuth refresh token", async () => {
    const run = await withConfig("check", oauthConfig());
    expect(run.code).toBe(0);
    expect(connectionStatus(run)).toEqual([{ status: "SUCCEEDED" }]);
  });

  it("succeeds with username/password through the OAuth password flow", async () => {
    const c = fake.credentials;
    const run = await withConfig("check", {
      credentials: {
        auth_type: "username_password",
        username: c.username,
        password: c.password,
        security_token: c.securityToken,
        client_id: c.clientId,
        client_secret: c.clientSecret,
      },
      login_url: fake.url,
    });
    expect(connectionStatus(run)).toEqual([{ status: "SUCCEEDED" }]);
    expect(fake.requests.some((r) => r.kind === "oauth_token" && /grant_type=password/.test(r.body ?? ""))).toBe(true);
  });

  it("succeeds with username/password through SOAP login when no client id is given", async () => {
    const c = fake.credentials;
    const before = fake.count("soap_login");
    const run = await withConfig("check", {
      credentials: {
        auth_type: "username_password",
        username: c.username,
        password: c.password,
        security_token: c.securityToken,
      },
      login_url: fake.url,
    });
    expect(connectionStatus(run)).toEqual([{ status: "SUCCEEDED" }]);
    expect(fake.count("soap_login")).toBe(before + 1);
  });

  it("fails clearly for a wrong client secret", async () => {
    const run = await withConfig("check", oauthConfig({}, { client_secret: "wrong-secret-1f9a7c" }));
    expect(run.code).toBe(0);
    const [status] = connectionStatus(run);
    expect(status?.status).toBe("FAILED");
    expect(status?.message).toMatch(/client_id and client_secret/);
  });

  it("fails clearly for an expired refresh token", async () => {
    const run = await withConfig("check", oauthConfig({}, { refresh_token: "wrong-refresh-7d2e" }));
    const [status] = connectionStatus(run);
    expect(status?.status).toBe("FAILED");
    expect(status?.message).toMatch(/invalid_grant/);
    expect(status?.message).toMatch(/refresh token/);
  });

  it("fails clearly for a wrong password (SOAP INVALID_LOGIN)", async () => {
    const run = await withConfig("check", {
      credentials: { auth_type: "username_password", username: fake.credentials.username, password: "wrong-pass-88c1" },
      login_url: fake.url,
    });
    const [status] = connectionStatus(run);
    expect(status?.status).toBe("FAILED");
    expect(status?.message).toMatch(/Invalid username, password, security token/);
  });

  it("fails clearly for a login URL that is not Salesforce", async () => {
    const server: Server = createServer((_req, res) =>
      res.writeHead(404, { "content-type": "text/html" }).end("<html>nope</html>"),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = await withConfig("check", oauthConfig({ login_url: url }));
      const [status] = connectionStatus(run);
      expect(status?.status).toBe("FAILED");
      expect(status?.message).toContain(`${url} did not answer as a Salesforce login endpoint`);
      expect(status?.message).toMatch(/login_url/);
    } finally {
      server.close();
    }
  });

  it("fails clearly for an unreachable host", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now
    const run = await withConfig("check", oauthConfig({ login_url: `http://127.0.0.1:${port}` }));
    const [status] = connectionStatus(run);
    expect(status?.status).toBe("FAILED");
    expect(status?.message).toMatch(/Cannot reach the Salesforce login URL http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it("fails clearly when the API is disabled for the org", async () => {
    fake.setApiDisabled(true);
    try {
      const run = await withConfig("check", oauthConfig());
      const [status] = connectionStatus(run);
      expect(status?.status).toBe("FAILED");
      expect(status?.message).toMatch(/API access is not enabled/);
      expect(status?.message).toMatch(/API Enabled/);
    } finally {
      fake.setApiDisabled(false);
    }
  });
});

describe("invalid config", () => {
  const cases: Array<[string, (base: Record<string, unknown>) => unknown, RegExp]> = [
    ["missing credentials", ({ credentials: _c, ...rest }) => rest, /credentials: is required/],
    [
      "unknown auth_type",
      (base) => ({ ...base, credentials: { auth_type: "magic" } }),
      /credentials\.auth_type: must be one of "oauth2_refresh_token", "username_password"/,
    ],
    [
      "refresh token flow without refresh_token",
      (base) => ({
        ...base,
        credentials: { auth_type: "oauth2_refresh_token", client_id: "cid-x1f", client_secret: "csecret-z9q" },
      }),
      /credentials\.refresh_token: is required/,
    ],
    [
      "http login_url to a public host",
      (base) => ({ ...base, login_url: "http://acme.my.salesforce.com" }),
      /login_url: must use https:\/\//,
    ],
    [
      "start_date not a date",
      (base) => ({ ...base, start_date: "2024-02-30" }),
      /start_date: 2024-02-30 is not a real date/,
    ],
    [
      "start_date wrong format",
      (base) => ({ ...base, start_date: "01/02/2024" }),
      /start_date: must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ/,
    ],
    [
      "chunk_size too large",
      (base) => ({ ...base, bulk_api: { version: "1.0", chunk_size: 250001 } }),
      /bulk_api\.chunk_size: must be <= 250000/,
    ],
    [
      "bulk version unknown",
      (base) => ({ ...base, bulk_api: { version: "3.0" } }),
      /bulk_api\.version: must be one of "2.0", "1.0"/,
    ],
    [
      "source_action unknown",
      (base) => ({ ...base, source_action: "delete" }),
      /source_action: must be equal to one of the allowed values \("query", "query_all"\)/,
    ],
    [
      "stream_slice_step not a duration",
      (base) => ({ ...base, stream_slice_step: "30 days" }),
      /stream_slice_step: must be ISO-8601 duration/,
    ],
    [
      "criteria unknown",
      (base) => ({ ...base, streams_criteria: [{ criteria: "like", value: "x" }] }),
      /streams_criteria\.0\.criteria/,
    ],
    [
      "query stream names clash",
      (base) => ({
        ...base,
        query_streams: [
          { name: "Q", query: "SELECT Id FROM Account" },
          { name: "q", query: "SELECT Id FROM Contact" },
        ],
      }),
      /query_streams\.1\.name: 'q' is used twice/,
    ],
  ];
  for (const [title, mutate, expected] of cases) {
    it(`${title}: one config_error naming the field, exit 1`, async () => {
      const run = await withConfig("discover", mutate(oauthConfig()));
      expect(run.code).toBe(1);
      const errors = traceErrors(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.failure_type).toBe("config_error");
      expect(errors[0]!.message).toMatch(expected);
    });
  }

  it("lists every violation at once", async () => {
    const run = await withConfig("discover", oauthConfig({ concurrency: 0, api_quota_percent: 120 }));
    const [error] = traceErrors(run);
    expect(error?.message).toMatch(/concurrency: must be >= 1/);
    expect(error?.message).toMatch(/api_quota_percent: must be <= 100/);
  });

  it("a config file that is not JSON is a config_error that does not quote the file", async () => {
    const files = writeTempFiles({ "config.json": '{"credentials": {"password": "hunter2-secret-value"' });
    secrets.add("hunter2-secret-value");
    const run = await cli(["discover", "--config", files["config.json"]!]);
    expect(run.code).toBe(1);
    expect(traceErrors(run)[0]?.message).toMatch(/is not valid JSON/);
  });
});

describe("discover", () => {
  let run: CliRun;
  let streams: Array<{
    name: string;
    json_schema: { properties: Record<string, unknown> };
    supported_sync_modes: string[];
    source_defined_primary_key?: string[][];
    default_cursor_field?: string[];
  }>;

  beforeAll(async () => {
    run = await withConfig("discover", oauthConfig());
    streams = (ofType(run, "CATALOG")[0]?.catalog as { streams: typeof streams } | undefined)?.streams ?? [];
  });

  it("prints one valid CATALOG and exits 0", () => {
    expect(run.code).toBe(0);
    expect(ofType(run, "CATALOG")).toHaveLength(1);
    expect(streams.length).toBeGreaterThan(3);
  });

  it("maps every field type of AllTypes__c by the one table", async () => {
    const allTypes = streams.find((s) => s.name === "AllTypes__c");
    expect(allTypes).toBeDefined();
    const describe = (
      await sfGet<{ fields: Array<{ name: string; type: string }> }>(fake, "/sobjects/AllTypes__c/describe")
    ).fields;
    const seenTypes = new Set<string>();
    for (const field of describe) {
      seenTypes.add(field.type);
      const expected = SALESFORCE_TYPE_SCHEMAS[field.type as keyof typeof SALESFORCE_TYPE_SCHEMAS];
      expect(expected, `type ${field.type} in the table`).toBeDefined();
      expect(allTypes!.json_schema.properties[field.name], `${field.name} (${field.type})`).toEqual(expected);
    }
    expect([...seenTypes].sort()).toEqual(Object.keys(SALESFORCE_TYPE_SCHEMAS).sort());
  });

  it("gives Account primary key Id, cursor SystemModstamp, both sync modes", () => {
    const account = streams.find((s) => s.name === "Account")!;
    expect(account.source_defined_primary_key).toEqual([["Id"]]);
    expect(account.default_cursor_field).toEqual(["SystemModstamp"]);
    expect(account.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
  });

  it("leaves out change events and objects that are not queryable", async () => {
    const names = streams.map((s) => s.name);
    expect(names.some((n) => n.endsWith("ChangeEvent"))).toBe(false);
    const global = await sfGet<{ sobjects: Array<{ name: string; queryable: boolean }> }>(fake, "/sobjects");
    const nonQueryable = global.sobjects.filter((o) => !o.queryable).map((o) => o.name);
    expect(nonQueryable.length).toBeGreaterThan(0);
    for (const name of nonQueryable) expect(names).not.toContain(name);
  });

  it("applies streams_criteria", async () => {
    const filtered = await withConfig(
      "discover",
      oauthConfig({
        streams_criteria: [
          { criteria: "exacts", value: "account" },
          { criteria: "ends with", value: "__C" },
        ],
      }),
    );
    const names = (ofType(filtered, "CATALOG")[0]?.catalog as { streams: Array<{ name: string }> }).streams.map(
      (s) => s.name,
    );
    expect(names).toContain("Account");
    expect(names).not.toContain("Contact");
    expect(names.every((n) => n === "Account" || n.toLowerCase().endsWith("__c"))).toBe(true);
  });

  it.skipIf(!officialProtocolAvailable)(
    `every message validates against the official protocol schema (${officialProtocolPath})`,
    () => {
      for (const r of runs) expect(invalidMessages(r.messages)).toEqual([]);
    },
  );
});

describe("discover cost and resilience", () => {
  it("discovers an org of 300 objects in at most 1 + 12 API calls", async () => {
    const big = await startFakeSalesforce({
      objects: Array.from({ length: 300 }, (_, i) => ({
        name: `Obj${String(i).padStart(3, "0")}__c`,
        fields: [
          { name: "Id", type: "id" },
          { name: "Name", type: "string" },
          { name: "SystemModstamp", type: "datetime" },
        ],
      })),
    });
    try {
      const files = writeTempFiles({ "config.json": baseConfig(big) });
      const run = await cli(["discover", "--config", files["config.json"]!]);
      expect(run.code).toBe(0);
      expect((ofType(run, "CATALOG")[0]?.catalog as { streams: unknown[] }).streams).toHaveLength(300);
      expect(big.apiCallsCounted).toBeLessThanOrEqual(13);
      expect(big.count("composite")).toBe(12);
      expect(big.count("describe")).toBe(0);
    } finally {
      await big.stop();
    }
  });

  it("skips an object that fails to describe, with a warning, and keeps the rest", async () => {
    const broken = await startFakeSalesforce({
      extraObjects: [{ name: "Broken__c", describeFails: true, fields: [{ name: "Id", type: "id" }] }],
    });
    try {
      const files = writeTempFiles({ "config.json": baseConfig(broken) });
      const run = await cli(["discover", "--config", files["config.json"]!]);
      expect(run.code).toBe(0);
      const names = (ofType(run, "CATALOG")[0]?.catalog as { streams: Array<{ name: string }> }).streams.map(
        (s) => s.name,
      );
      expect(names).toContain("Account");
      expect(names).not.toContain("Broken__c");
      const warnings = ofType(run, "LOG")
        .map((m) => m.log as { level: string; message: string })
        .filter((l) => l.level === "WARN");
      expect(warnings.some((w) => /Skipping Broken__c/.test(w.message))).toBe(true);
    } finally {
      await broken.stop();
    }
  });
});
