// Issue 13, points 7-10 and 12, through the built CLI against the fake: every config value the spec
// accepts works, or the connector refuses it with one config_error naming the field; check verifies
// api_version against the org and tries each object_filters condition; no secret in any output.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, runCli, secretLeaks, traceErrors, writeTempFiles, type CliRun } from "../helpers/cli.js";
import { baseConfig, configuredCatalog, readOnce, records, states, widgetObject } from "../helpers/read-fixtures.js";

const URL_PASSWORD = "Hunter2-url-password";
const runs: CliRun[] = [];
let fake: FakeSalesforce;
let catalog: unknown;

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli(args);
  runs.push(run);
  return run;
}

async function check(config: unknown): Promise<CliRun> {
  const files = writeTempFiles({ "config.json": config });
  return cli(["check", "--config", files["config.json"]!]);
}

async function read(config: unknown, state?: unknown): Promise<CliRun> {
  const run = await readOnce(config, catalog, state);
  runs.push(run);
  return run;
}

const status = (run: CliRun) =>
  ofType(run, "CONNECTION_STATUS").map((m) => m.connectionStatus as { status: string; message?: string });
const warnings = (run: CliRun): string[] =>
  ofType(run, "LOG")
    .map((m) => m.log as { level: string; message: string })
    .filter((l) => l.level === "WARN")
    .map((l) => l.message);

/** check answers FAILED (exit 0) with a message matching `message`. */
function expectFailed(run: CliRun, message: RegExp): string {
  expect(run.code).toBe(0);
  const [s] = status(run);
  expect(s?.status, run.stdout.slice(0, 500)).toBe("FAILED");
  expect(s!.message).toMatch(message);
  return s!.message!;
}

/** read (or discover) fails with one config_error TRACE matching `message`, exit 1, nothing read. */
function expectConfigError(run: CliRun, message: RegExp): void {
  expect(run.code).toBe(1);
  const errors = traceErrors(run);
  expect(errors).toHaveLength(1);
  expect(errors[0]!.failure_type).toBe("config_error");
  expect(errors[0]!.message).toMatch(message);
  expect(ofType(run, "RECORD")).toHaveLength(0);
  expect(ofType(run, "STATE")).toHaveLength(0);
}

const OBJECTS = ["Widget__c", "Gadget__c", "Gizmo__c", "Sprocket__c", "Cog__c", "Lever__c"];

beforeAll(async () => {
  fake = await startFakeSalesforce({ extraObjects: OBJECTS.map((name) => widgetObject(30, name)) });
  catalog = await configuredCatalog(baseConfig(fake), { Widget__c: "incremental" });
});

afterAll(async () => {
  await fake.stop();
  const c = fake.credentials;
  expect(secretLeaks(runs, [c.clientSecret, c.refreshToken, c.password, c.securityToken, URL_PASSWORD])).toEqual([]);
});

describe("api_version", () => {
  it.each(["10.0", "99.0"])("%s is refused by the spec, naming api_version", async (api_version) => {
    expectFailed(await check(baseConfig(fake, { api_version })), /api_version: must be an API version from 47\.0/);
    expectConfigError(await read(baseConfig(fake, { api_version })), /api_version/);
  });

  it("one the org does not serve: check FAILED naming api_version and the versions it serves, one versions call", async () => {
    fake.resetCounts();
    const message = expectFailed(await check(baseConfig(fake, { api_version: "70.0" })), /^api_version 70\.0/);
    expect(message).toContain("serves 31.0 to 64.0");
    expect(message).toContain("e.g. 64.0");
    expect(fake.requests.filter((r) => r.path.replace(/\/$/, "") === "/services/data")).toHaveLength(1);
    expect(fake.count("limits")).toBe(0); // nothing else was asked of a version the org does not serve
  });

  it("one it serves: check SUCCEEDED with one versions call", async () => {
    fake.resetCounts();
    const run = await check(baseConfig(fake, { api_version: "47.0" }));
    expect(status(run)).toEqual([{ status: "SUCCEEDED" }]);
    expect(fake.requests.filter((r) => r.path.replace(/\/$/, "") === "/services/data")).toHaveLength(1);
  });
});

describe("durations", () => {
  it.each([
    ["stream_slice_step", "P1000000Y", "P100Y"],
    ["lookback_window", "P1000000Y", "P1Y"],
    ["job_timeout", "P8D", "P7D"],
    ["stream_slice_step", "P36501D", "P100Y"],
  ])("%s %s: config_error naming the field and its maximum", async (field, value, maximum) => {
    expectFailed(await check(baseConfig(fake, { [field]: value })), new RegExp(`${field}: must be at most ${maximum}`));
    expectConfigError(await read(baseConfig(fake, { [field]: value })), new RegExp(`${field}: must be at most`));
  });

  it("at their maximums a read works: every record once, STATE after the window", async () => {
    const run = await read(
      baseConfig(fake, { stream_slice_step: "P100Y", lookback_window: "P1Y", job_timeout: "P7D" }),
    );
    expect(run.code, run.stdout.slice(-800)).toBe(0);
    expect(records(run, "Widget__c")).toHaveLength(30);
    expect(states(run).length).toBeGreaterThan(0);
    // and again from that state, a year of lookback before it
    const again = await read(baseConfig(fake, { lookback_window: "P1Y" }), [states(run).at(-1)]);
    expect(again.code, again.stdout.slice(-800)).toBe(0);
  });
});

describe("bulk_api.max_records", () => {
  it("1e21 is refused naming bulk_api.max_records", async () => {
    const config = baseConfig(fake, { bulk_api: { version: "2.0", max_records: 1e21 } });
    expectFailed(await check(config), /bulk_api\.max_records: must be <= 2147483647/);
    expectConfigError(await read(config), /bulk_api\.max_records/);
  });

  it("2147483647 works and is sent as digits", async () => {
    fake.resetCounts();
    const run = await read(
      baseConfig(fake, { bulk_threshold: 0, bulk_api: { version: "2.0", max_records: 2_147_483_647 } }),
    );
    expect(run.code).toBe(0);
    expect(records(run, "Widget__c")).toHaveLength(30);
    const pages = fake.requests.filter((r) => r.kind === "bulk2_results");
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(page.query.maxRecords).toBe("2147483647");
  });
});

describe("login_url", () => {
  it.each([
    ["a user and password", (url: string) => url.replace("http://", `http://admin:${URL_PASSWORD}@`)],
    ["a password only", (url: string) => url.replace("http://", `http://:${URL_PASSWORD}@`)],
  ])("with %s is refused naming login_url; the password appears nowhere", async (_, withUserinfo) => {
    const config = { ...baseConfig(fake), login_url: withUserinfo(fake.url) };
    const message = expectFailed(await check(config), /login_url: must not contain a user name or password/);
    expect(message).not.toContain(URL_PASSWORD);
    expectConfigError(await read(config), /login_url: must not contain a user name or password/);
  });

  it("a URL that does not parse is quoted without its password", async () => {
    const config = { ...baseConfig(fake), login_url: `https://admin:${URL_PASSWORD}@acme my salesforce` };
    const message = expectFailed(await check(config), /login_url: 'https:\/\/acme my salesforce' is not a URL/);
    expect(message).not.toContain("admin");
  });

  it("20 MB is refused by its length and never echoed whole", async () => {
    const login_url = `https://acme my.salesforce.com/${"a".repeat(20 * 1024 * 1024)}`;
    const config = { ...baseConfig(fake), login_url };
    const run = await check(config);
    expectFailed(run, /login_url: must NOT have more than 2048 characters/);
    expect(run.stdout.length).toBeLessThan(10_000);
    const r = await read(config);
    expectConfigError(r, /login_url: must NOT have more than 2048 characters/);
    expect(r.stdout.length + r.stderr.length).toBeLessThan(10_000);
  });
});

describe("a UTF-8 byte order mark", () => {
  it("at the start of config, catalog and state files is accepted", async () => {
    const first = await read(baseConfig(fake));
    const state = [states(first).at(-1)];
    const files = writeTempFiles({ "config.json": "", "catalog.json": "", "state.json": "" });
    for (const [name, content] of [
      ["config.json", baseConfig(fake)],
      ["catalog.json", catalog],
      ["state.json", state],
    ] as const) {
      writeFileSync(files[name]!, `\uFEFF${JSON.stringify(content)}`);
    }
    const run = await cli([
      "read",
      "--config",
      files["config.json"]!,
      "--catalog",
      files["catalog.json"]!,
      "--state",
      files["state.json"]!,
    ]);
    expect(run.code, run.stdout.slice(-500)).toBe(0);
    expect(traceErrors(run)).toEqual([]);
    expect(states(run).length).toBeGreaterThan(0);
    const checked = await cli(["check", "--config", files["config.json"]!]);
    expect(status(checked)).toEqual([{ status: "SUCCEEDED" }]);
  });
});

describe("object_filters in check", () => {
  it("each bad condition is FAILED naming object_filters.i with Salesforce's reason; one Composite call for up to 5", async () => {
    fake.resetCounts();
    const config = baseConfig(fake, {
      object_filters: [
        { object: "Widget__c", where: "Active__c = true" },
        { object: "Gadget__c", where: "Nope__c = 1" },
        { object: "NoSuchObject__c", where: "Name != null" },
        { object: "Gizmo__c", where: "Quantity__c > 'x" },
      ],
    });
    const message = expectFailed(await check(config), /object_filters\.1 \(Gadget__c\)/);
    expect(message).toMatch(
      /object_filters\.1 \(Gadget__c\): Salesforce refused the condition: INVALID_FIELD: [\s\S]*Nope__c/,
    );
    expect(message).toMatch(/object_filters\.2 \(NoSuchObject__c\): Salesforce refused the condition: INVALID_TYPE/);
    expect(message).toMatch(/object_filters\.3 \(Gizmo__c\)/);
    expect(message).not.toMatch(/object_filters\.0/);
    expect(fake.count("composite")).toBe(1);
    expect(fake.count("query")).toBe(0); // the probes travel inside the Composite request
  });

  it("six good conditions: SUCCEEDED with two Composite calls (Salesforce allows 5 query subrequests in one)", async () => {
    fake.resetCounts();
    const config = baseConfig(fake, {
      object_filters: OBJECTS.map((object) => ({ object, where: "Name != null AND Quantity__c >= 0" })),
    });
    expect(status(await check(config))).toEqual([{ status: "SUCCEEDED" }]);
    expect(fake.count("composite")).toBe(2);
  });

  it("the same object twice is refused by the config, naming the second entry", async () => {
    const config = baseConfig(fake, {
      object_filters: [
        { object: "Widget__c", where: "Active__c = true" },
        { object: "widget__c", where: "Quantity__c > 1" },
      ],
    });
    expectFailed(
      await check(config),
      /object_filters\.1\.object: 'widget__c' already has a filter \(object_filters\.0\)/,
    );
  });
});

describe("a start_date in the future", () => {
  it("check SUCCEEDED with a WARN; read exits 0 with one WARN, no records and no STATE", async () => {
    const config = baseConfig(fake, { start_date: "2999-01-01" });
    const checked = await check(config);
    expect(status(checked)).toEqual([{ status: "SUCCEEDED" }]);
    expect(warnings(checked)).toEqual([expect.stringMatching(/start_date 2999-01-01 is in the future/)]);
    const run = await read(config);
    expect(run.code).toBe(0);
    expect(traceErrors(run)).toEqual([]);
    expect(warnings(run).filter((w) => w.includes("start_date"))).toEqual([
      "start_date 2999-01-01 is in the future: incremental streams without a saved state read no records until then.",
    ]);
    expect(ofType(run, "RECORD")).toHaveLength(0);
    expect(ofType(run, "STATE")).toHaveLength(0);
  });
});
