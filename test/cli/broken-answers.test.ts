// Issue 13: broken answers and bad input, through the built CLI against the fake's faults. Whatever
// Salesforce (or a proxy in front of it) answers, no record is lost with exit 0, no STATE passes data
// not delivered, nothing hangs, and a failure is one TRACE error that says what to do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, runCli, traceErrors, secretLeaks, writeTempFiles, type CliRun } from "../helpers/cli.js";
import {
  baseConfig,
  configuredCatalog,
  expectEachOnce,
  liveIds,
  readOnce,
  records,
  states,
  widgetObject,
} from "../helpers/read-fixtures.js";

type Fault = Parameters<FakeSalesforce["inject"]>[0];

/** 119 rows: Bulk 2.0 pages of 50 (50, 50, 19), Bulk 1.0 result files of 50, REST pages of 15 (39 rows). */
const ROWS = 119;
const REST_ROWS = 39;
const HOSTILE_FIELD = "Status__c, (SELECT Id FROM User)";

let fake: FakeSalesforce;
const allRuns: CliRun[] = [];
/** Session tokens the fake was sent, gathered after each run: none may reach any output. */
const sessionTokens = new Set<string>();
function gatherTokens(): void {
  for (const r of fake.requests) {
    const token = String(r.headers.authorization ?? r.headers["x-sfdc-session"] ?? "").replace(/^Bearer /, "");
    if (token) sessionTokens.add(token);
  }
}

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      widgetObject(ROWS, "Item__c"),
      { ...widgetObject(REST_ROWS, "RestOnly__c"), bulkSupported: false },
      widgetObject(REST_ROWS, "Nul__c"),
      {
        name: "Hostile__c",
        records: 3,
        fields: [
          { name: "Id", type: "id" },
          { name: "Name", type: "string" },
          { name: HOSTILE_FIELD, type: "string" },
          { name: "SystemModstamp", type: "datetime" },
        ],
      },
      { ...widgetObject(3, "Fieldless__c"), describeOmitsFields: true },
      { ...widgetObject(REST_ROWS, "NulRest__c"), bulkSupported: false },
      {
        name: "Place__c",
        records: REST_ROWS,
        fields: [
          { name: "Id", type: "id" },
          { name: "Name", type: "string" },
          { name: "Amount__c", type: "currency" },
          { name: "Geo__Latitude__s", type: "double", scale: 15, precision: 18, compoundFieldName: "Geo__c" },
          { name: "Geo__Longitude__s", type: "double", scale: 15, precision: 18, compoundFieldName: "Geo__c" },
          { name: "Geo__c", type: "location" },
          { name: "IsDeleted", type: "boolean" },
          { name: "CreatedDate", type: "datetime" },
          { name: "SystemModstamp", type: "datetime" },
        ],
      },
    ],
    bulk1ResultFileRows: 50,
    restBatchSize: 15,
  });
});
afterAll(() => fake.stop());

const BULK2 = { version: "2.0", max_records: 50 };
const BULK1 = { version: "1.0", pk_chunking: false };

/**
 * Reads one stream with the faults injected (cleared afterwards); one window (P100Y) per read.
 * bulk_threshold 0: what Bulk can serve is read through Bulk (these objects are far below the
 * default threshold, which would read them through the REST probe).
 */
async function readWith(
  object: string,
  faults: Fault[],
  options: { bulk?: unknown; mode?: "full_refresh" | "incremental"; config?: Record<string, unknown> } = {},
): Promise<CliRun> {
  const config = baseConfig(fake, {
    bulk_api: options.bulk ?? BULK2,
    bulk_threshold: 0,
    stream_slice_step: "P100Y",
    ...options.config,
  });
  const catalog = await configuredCatalog(config, { [object]: options.mode ?? "incremental" });
  for (const fault of faults) fake.inject(fault);
  try {
    const run = await readOnce(config, catalog);
    allRuns.push(run);
    gatherTokens();
    return run;
  } finally {
    fake.clearFaults();
  }
}

/** The broken answer was asked for again and the read ended well: every record exactly once, STATE, exit 0. */
function expectRecovered(run: CliRun, object: string): void {
  expect(traceErrors(run)).toEqual([]);
  expect(run.code).toBe(0);
  expectEachOnce(records(run, object), liveIds(fake, object));
  expect(states(run).length).toBeGreaterThan(0);
}

/**
 * A broken answer that persists: one transient_error TRACE matching `pattern`, exit 1, no STATE that
 * moves the cursor (a resumable read's checkpoints may name the job and the page to continue at,
 * with the cursor left at the window's start), no duplicate.
 */
function expectFailedWithoutState(run: CliRun, object: string, pattern: RegExp): void {
  expect(run.code).toBe(1);
  const errors = traceErrors(run);
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.every((e) => e.failure_type === "transient_error")).toBe(true);
  expect(errors[0]!.message).toMatch(pattern);
  for (const state of states(run)) {
    const blob = state.stream.stream_state as { SystemModstamp?: string; __resume?: { window?: { from: string } } };
    expect(blob.__resume, "only checkpoints, no finished window").toBeDefined();
    if (blob.__resume?.window) expect(blob.SystemModstamp).toBe(blob.__resume.window.from);
  }
  const ids = records(run, object).map((r) => r.Id);
  expect(new Set(ids).size, "no record twice").toBe(ids.length);
  expect(ids.length).toBeLessThan(ROWS);
}

describe("Bulk 2.0 results pages (issue 13 points 1-3)", () => {
  it.each([
    ["an HTML page with status 200 as page 1", { type: "html_page", after: 0 }],
    ["an HTML page with status 200 as page 3", { type: "html_page", after: 2 }],
    [
      "a quote-free HTML page (parses as CSV) as page 2",
      { type: "html_page", after: 1, body: "<html>\n<p>down</p>\n</html>\n" },
    ],
    ["a CSV page 2 under another header", { type: "wrong_header", after: 1 }],
    ["page 2 without Sforce-Locator", { type: "no_locator", after: 1 }],
    ["page 2 cut at a row boundary without Sforce-NumberOfRecords", { type: "short_page", after: 1 }],
    ["page 1 without Sforce-NumberOfRecords", { type: "no_record_count", after: 0 }],
    ["page 2's Sforce-Locator pointing at itself", { type: "self_locator", after: 1 }],
  ] as const)("%s once: asked again, every record once, exit 0", async (_name, fault) => {
    const run = await readWith("Item__c", [{ kind: "bulk2_results", ...fault } as Fault]);
    expectRecovered(run, "Item__c");
  });

  it("page 1's Sforce-Locator pointing back at page 1 (a real locator of page 1): the repeat is refused, exit 1", async () => {
    const run = await readWith("Item__c", [{ kind: "bulk2_results", type: "self_locator", after: 0 }]);
    expectFailedWithoutState(run, "Item__c", /repeats a page already read/);
  }, 30_000);

  it.each([
    ["an HTML page as page 2", { type: "html_page", after: 1 }, /not text\/csv/],
    [
      "page 2 under another header",
      { type: "wrong_header", after: 1 },
      /header row \(Unexpected__c,.*\) is not the query's fields/,
    ],
    ["no Sforce-Locator on page 2", { type: "no_locator", after: 1 }, /Sforce-Locator/],
    ["page 2 always short", { type: "short_page", after: 1 }, /Sforce-NumberOfRecords/],
    ["no Sforce-NumberOfRecords on page 1", { type: "no_record_count", after: 0 }, /Sforce-NumberOfRecords/],
    ["a self-locator on page 2", { type: "self_locator", after: 1 }, /Sforce-Locator points back/],
    ["a locator back to page 1", { type: "self_locator", after: 0 }, /Sforce-Locator points back|repeats a page/],
  ] as const)(
    "%s every time: transient_error, exit 1, no STATE, no hang",
    async (_name, fault, pattern) => {
      const run = await readWith("Item__c", [{ kind: "bulk2_results", times: Infinity, ...fault } as Fault]);
      expectFailedWithoutState(run, "Item__c", pattern);
    },
    30_000,
  );
});

describe("no STATE past the last verified window", () => {
  it.each([
    ["Bulk 2.0", BULK2, "bulk2_results"],
    ["Bulk 1.0", BULK1, "bulk1_result"],
  ] as const)(
    "%s: window 3's answer is HTML every time; STATE covers windows 1-2, every record before it was delivered",
    async (_api, bulk, kind) => {
      const run = await readWith("Item__c", [{ kind, type: "html_page", after: 2, times: Infinity }], {
        bulk,
        config: { stream_slice_step: "P365D" },
      });
      expect(run.code).toBe(1);
      expect(new Set(traceErrors(run).map((e) => e.failure_type))).toEqual(new Set(["transient_error"]));
      const cursors = states(run).map((s) => s.stream.stream_state.SystemModstamp!);
      expect(cursors).toHaveLength(2);
      const last = cursors.at(-1)!;
      const delivered = new Set(records(run, "Item__c").map((r) => r.Id));
      const before = [...fake.records("Item__c")].filter(
        (r) => r.IsDeleted !== true && String(r.SystemModstamp) < last,
      );
      expect(before.length).toBeGreaterThan(0);
      expect(before.filter((r) => !delivered.has(r.Id as string))).toEqual([]);
      expect(delivered.size).toBe(before.length);
    },
  );
});

describe("Bulk 1.0 result files (point 1)", () => {
  it.each([
    ["an HTML page with status 200 as file 2", { type: "html_page", after: 1 }],
    ["file 2 cut at a row boundary", { type: "short_page", after: 1 }],
    ["an HTML page with status 200 as the batch list", { kind: "bulk1_batch_list", type: "html_page" }],
    ["an HTML page with status 200 as the result list", { kind: "bulk1_result_list", type: "html_page" }],
  ] as const)("%s once: read again, every record once, exit 0", async (_name, fault) => {
    const run = await readWith("Item__c", [{ kind: "bulk1_result", ...fault } as Fault], { bulk: BULK1 });
    expectRecovered(run, "Item__c");
  });

  it.each([
    ["an HTML page as file 2", { type: "html_page", after: 1 }, /not text\/csv/],
    ["file 2 always short", { type: "short_page", after: 1 }, /numberRecordsProcessed 119/],
  ] as const)(
    "%s every time: transient_error, exit 1, no STATE",
    async (_name, fault, pattern) => {
      const run = await readWith("Item__c", [{ kind: "bulk1_result", times: Infinity, ...fault } as Fault], {
        bulk: BULK1,
      });
      expectFailedWithoutState(run, "Item__c", pattern);
    },
    30_000,
  );
});

describe("REST query pages (points 1-2)", () => {
  it.each([
    ["page 2 done: false without nextRecordsUrl", { kind: "query_more", type: "no_next_records_url" }],
    ["page 1 done: false without nextRecordsUrl", { kind: "query", type: "no_next_records_url" }],
    ["an HTML page with status 200 as page 2", { kind: "query_more", type: "html_page" }],
    ["page 1 cut short, well framed", { kind: "query", type: "truncated_json" }],
  ] as const)("%s once: asked again, every record once, exit 0", async (_name, fault) => {
    const run = await readWith("RestOnly__c", [fault as Fault], { mode: "full_refresh" });
    expectRecovered(run, "RestOnly__c");
  });

  it("done: false without nextRecordsUrl every time: transient_error, exit 1, no STATE", async () => {
    const run = await readWith("RestOnly__c", [{ kind: "query_more", type: "no_next_records_url", times: Infinity }], {
      mode: "full_refresh",
    });
    expectFailedWithoutState(run, "RestOnly__c", /nextRecordsUrl/);
  }, 30_000);
});

const warnings = (run: CliRun): string[] =>
  ofType(run, "LOG")
    .map((m) => m.log as { level: string; message: string })
    .filter((l) => l.level === "WARN")
    .map((l) => l.message);

describe("a value that does not fit its type: null and one WARN per stream and field (point 5)", () => {
  it.each([
    ["Bulk 2.0", BULK2, "bulk2_results"],
    ["Bulk 1.0", BULK1, "bulk1_result"],
  ] as const)(
    "%s: a number cell `12 5 EUR` on every page of every window: exit 0, null, one WARN",
    async (_api, bulk, kind) => {
      const run = await readWith(
        "Item__c",
        [{ kind, type: "rewrite_value", field: "Amount__c", value: "12 5 EUR", times: Infinity }],
        {
          bulk,
          config: { stream_slice_step: "P365D" },
        },
      );
      expectRecovered(run, "Item__c");
      const rows = records(run, "Item__c");
      expect(rows.filter((r) => r.Amount__c === null).length).toBeGreaterThan(1);
      const about = warnings(run).filter((w) => w.includes("Amount__c"));
      expect(about).toHaveLength(1);
      expect(about[0]).toMatch(/not a valid number; it is emitted as null/);
      expect(about[0]).not.toContain("12 5 EUR");
    },
  );

  it("REST: a latitude `n/a` inside the compound Geo__c and a number `12 5 EUR`: nulls, one WARN each", async () => {
    const run = await readWith(
      "Place__c",
      [
        { kind: "query", type: "rewrite_value", field: "Geo__c.latitude", value: "n/a", times: Infinity },
        { kind: "query_more", type: "rewrite_value", field: "Amount__c", value: "12 5 EUR", times: Infinity },
      ],
      { mode: "full_refresh" },
    );
    expectRecovered(run, "Place__c");
    const rows = records(run, "Place__c");
    const geo = rows[0]!.Geo__c as Record<string, unknown>;
    expect(geo).toEqual({ latitude: null, longitude: expect.any(Number) });
    // Row 0 of pages 2 and 3 (of 15 rows) is null, whatever the source holds.
    expect(rows[15]!.Amount__c).toBeNull();
    expect(rows[30]!.Amount__c).toBeNull();
    expect(warnings(run).filter((w) => w.includes("Geo__c.latitude"))).toHaveLength(1);
    expect(warnings(run).filter((w) => w.includes("Amount__c"))).toHaveLength(1);
  });
});

describe("NUL characters in text values: removed, counted, one WARN per stream (point 4)", () => {
  it.each([
    ["Bulk 2.0", BULK2, "Nul__c"],
    ["Bulk 1.0", BULK1, "Nul__c"],
    ["REST", BULK2, "NulRest__c"],
  ] as const)("%s", async (_api, bulk, object) => {
    const [a, b] = liveIds(fake, object);
    fake.update(object, [a!], { Notes__c: "one\u0000two\u0000" });
    fake.update(object, [b!], { Name: "\u0000x" });
    // Full refresh: the updates are stamped now, after an incremental read's end (one minute back).
    const run = await readWith(object, [], { bulk, mode: "full_refresh" });
    expectRecovered(run, object);
    expect(run.stdout).not.toContain("\\u0000");
    const byId = new Map(records(run, object).map((r) => [r.Id, r]));
    expect(byId.get(a)!.Notes__c).toBe("onetwo");
    expect(byId.get(b)!.Name).toBe("x");
    const about = warnings(run).filter((w) => w.includes("NUL"));
    expect(about).toEqual([
      expect.stringMatching(new RegExp(`^Stream '${object}': removed 3 NUL character\\(s\\) .* of Name, Notes__c;`)),
    ]);
  });
});

/** One TRACE error of `failureType` matching `pattern`, exit 1, no record, no STATE. */
function expectOneError(run: CliRun, failureType: string, pattern: RegExp): string {
  expect(run.code).toBe(1);
  const errors = traceErrors(run);
  expect(errors, run.stdout.slice(-1000)).toHaveLength(1);
  expect(errors[0]!.failure_type).toBe(failureType);
  expect(errors[0]!.message).toMatch(pattern);
  expect(run.stdout).not.toMatch(/Cannot read properties|Unexpected error/);
  expect(ofType(run, "RECORD")).toEqual([]);
  expect(ofType(run, "STATE")).toEqual([]);
  return errors[0]!.message;
}

async function cli(command: "check" | "discover", config: unknown): Promise<CliRun> {
  const files = writeTempFiles({ "config.json": config });
  const run = await runCli([command, "--config", files["config.json"]!]);
  allRuns.push(run);
  return run;
}

const connectionStatus = (run: CliRun) =>
  ofType(run, "CONNECTION_STATUS").map((m) => m.connectionStatus as { status: string; message?: string });

describe("`;` in object_filters (point 6)", () => {
  const where = "Name != null; DELETE FROM Item__c";

  it("read: one config_error naming object_filters.0.where and the object, before any query", async () => {
    const config = baseConfig(fake, { object_filters: [{ object: "Item__c", where }] });
    const catalog = await configuredCatalog(baseConfig(fake), { Item__c: "incremental" });
    fake.resetCounts();
    const run = await readOnce(config, catalog);
    allRuns.push(run);
    expectOneError(run, "config_error", /^object_filters\.0\.where for 'Item__c': a semicolon \(;\)/);
    expect(fake.requests.filter((r) => r.kind !== "oauth_token")).toEqual([]);
  });

  it("check: FAILED naming object_filters.0; a `;` inside a quoted string is a value and passes", async () => {
    const bad = await cli("check", baseConfig(fake, { object_filters: [{ object: "Item__c", where }] }));
    expect(connectionStatus(bad)).toEqual([
      { status: "FAILED", message: expect.stringMatching(/object_filters\.0 \(Item__c\): .*semicolon/) },
    ]);
    const quoted = await cli(
      "check",
      baseConfig(fake, { object_filters: [{ object: "Item__c", where: "Name != 'a;b'" }] }),
    );
    expect(connectionStatus(quoted)).toEqual([{ status: "SUCCEEDED" }]);
  });
});

describe("an api_version the org does not serve (point 8)", () => {
  it.each(["read", "discover"] as const)(
    "%s: one config_error naming api_version and what the org serves",
    async (command) => {
      const config = baseConfig(fake, { api_version: "70.0" });
      const run =
        command === "read"
          ? await readOnce(config, await configuredCatalog(baseConfig(fake), { Item__c: "incremental" }))
          : await cli("discover", config);
      allRuns.push(run);
      expectOneError(run, "config_error", /^api_version 70\.0 is not served by this org \(it serves 31\.0 to 64\.0\)/);
    },
  );
});

describe("the OAuth endpoint answering 200 HTML or cut JSON (point 11)", () => {
  it.each([
    ["an HTML page", "html_page", "config_error", /did not answer as a Salesforce login endpoint \(HTTP 200\)/],
    ["JSON cut short", "truncated_json", "transient_error", /login endpoint .* cut short/],
  ] as const)("%s: one clear error, the answer not echoed", async (_what, type, failureType, pattern) => {
    const catalog = await configuredCatalog(baseConfig(fake), { Item__c: "incremental" });
    fake.inject({ kind: "oauth_token", type, times: Infinity });
    try {
      const run = await readOnce(baseConfig(fake), catalog);
      allRuns.push(run);
      expectOneError(run, failureType, pattern);
      expect(run.stdout + run.stderr).not.toMatch(/access_token|instance_url|<html|DOCTYPE/i);
      const checked = await cli("check", baseConfig(fake));
      expect(connectionStatus(checked)).toEqual([{ status: "FAILED", message: expect.stringMatching(pattern) }]);
      expect(checked.stdout).not.toMatch(/access_token|instance_url|<html|DOCTYPE/i);
    } finally {
      fake.clearFaults();
    }
  });
});

describe("field names and describes Salesforce sends (point 13)", () => {
  it("discover leaves out a field whose name is not an identifier, with a WARN; the stream reads", async () => {
    const run = await cli("discover", baseConfig(fake));
    expect(run.code).toBe(0);
    const streams = (
      ofType(run, "CATALOG")[0]!.catalog as { streams: Array<{ name: string; json_schema: { properties: object } }> }
    ).streams;
    const hostile = streams.find((s) => s.name === "Hostile__c")!;
    expect(Object.keys(hostile.json_schema.properties).sort()).toEqual(["Id", "Name", "SystemModstamp"]);
    expect(warnings(run)).toContainEqual(
      expect.stringMatching(/^Object Hostile__c: left out 1 field\(s\) .*Status__c, \(SELECT/),
    );
    const read = await readWith("Hostile__c", [], { mode: "full_refresh" });
    expectRecovered(read, "Hostile__c");
  });

  it("a describe without fields: discover skips the object with a WARN naming it; read fails naming it", async () => {
    const run = await cli("discover", baseConfig(fake));
    expect(run.code).toBe(0);
    const names = (ofType(run, "CATALOG")[0]!.catalog as { streams: Array<{ name: string }> }).streams.map(
      (s) => s.name,
    );
    expect(names).not.toContain("Fieldless__c");
    expect(warnings(run)).toContainEqual(expect.stringMatching(/Fieldless__c.*no fields array/));
    // A catalog from before: the object as it was discovered then (Item__c's shape).
    const catalog = (await configuredCatalog(baseConfig(fake), { Item__c: "full_refresh" })) as {
      streams: Array<{ stream: { name: string } }>;
    };
    catalog.streams[0]!.stream.name = "Fieldless__c";
    const read = await readOnce(baseConfig(fake), catalog);
    allRuns.push(read);
    expectOneError(read, "transient_error", /'Fieldless__c' .*no fields array/);
  });
});

afterAll(() => {
  const c = fake.credentials;
  gatherTokens();
  expect(sessionTokens.size).toBeGreaterThan(0);
  expect(secretLeaks(allRuns, [c.clientSecret, c.refreshToken, ...sessionTokens])).toEqual([]);
});
