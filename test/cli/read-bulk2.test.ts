import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, secretLeaks, traceErrors, type CliRun } from "../helpers/cli.js";
import { invalidMessages, officialProtocolAvailable } from "../helpers/protocol.js";
import {
  baseConfig,
  configuredCatalog,
  nextStateInput,
  readOnce,
  records,
  states,
  widgetObject,
  expectRefusedBeforeAnyJob,
  expectEachOnce,
  liveIds as fixtureLiveIds,
  type RecordData,
} from "../helpers/read-fixtures.js";

let fake: FakeSalesforce;
/** Timestamps the fake gives mutations; undefined = real time. */
let clock: number | undefined;
const allRuns: CliRun[] = [];

/** Session tokens the fake issued, gathered after each run (resetCounts clears the request log). */
const sessionTokens = new Set<string>();

async function read(config: unknown, catalog: unknown, state?: unknown): Promise<CliRun> {
  const run = await readOnce(config, catalog, state);
  allRuns.push(run);
  for (const r of fake.requests) {
    const token = String(r.headers.authorization ?? "").replace(/^Bearer /, "");
    if (token) sessionTokens.add(token);
  }
  return run;
}

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      widgetObject(3000),
      widgetObject(25_000, "Big__c"),
      { ...widgetObject(300, "NoBulk__c"), bulkSupported: false },
    ],
    now: () => (clock === undefined ? new Date() : new Date(clock++)),
  });
});
afterAll(() => fake.stop());

const ids = (rows: RecordData[]) => rows.map((r) => r.Id as string);
const liveIds = (object: string): string[] => fixtureLiveIds(fake, object);

function streamStatuses(run: CliRun, stream: string): string[] {
  return ofType(run, "TRACE")
    .map((m) => m.trace as { type: string; stream_status?: { stream_descriptor: { name: string }; status: string } })
    .filter((t) => t.type === "STREAM_STATUS" && t.stream_status!.stream_descriptor.name === stream)
    .map((t) => t.stream_status!.status);
}

describe("full refresh through Bulk 2.0", () => {
  it("returns each live Id exactly once with typed values, with statuses and an estimate", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { Widget__c: "full_refresh" });
    const run = await read(config, catalog);
    expect(traceErrors(run)).toEqual([]);
    expect(run.code).toBe(0);
    const rows = records(run, "Widget__c");
    expectEachOnce(rows, liveIds("Widget__c"));
    const byId = new Map([...fake.records("Widget__c")].map((r) => [r.Id, r]));
    for (const row of rows) {
      const source = byId.get(row.Id)!;
      expect(row).toEqual(Object.fromEntries(Object.keys(row).map((k) => [k, source[k] ?? null])));
    }
    expect(rows.some((r) => typeof r.Quantity__c === "number" && typeof r.Active__c === "boolean")).toBe(true);
    // One STATE after the last record marks the stream complete (the Python CDK's marker), with its count.
    expect(states(run)).toEqual([
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "Widget__c" }, stream_state: { __ab_no_cursor_state_message: true } },
        sourceStats: { recordCount: rows.length },
      },
    ]);
    const kinds = run.messages.map((m) => (m.type === "TRACE" ? (m.trace as { type: string }).type : m.type));
    expect(kinds.lastIndexOf("RECORD")).toBeLessThan(kinds.indexOf("STATE"));
    expect(kinds.indexOf("STATE")).toBeLessThan(kinds.lastIndexOf("STREAM_STATUS"));
    expect(streamStatuses(run, "Widget__c")).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    const estimate = ofType(run, "TRACE").find((m) => (m.trace as { type: string }).type === "ESTIMATE");
    expect((estimate?.trace as { estimate: { row_estimate: number } }).estimate.row_estimate).toBe(rows.length);
  });

  it("selects only the catalog's fields and asks for gzip", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = (await configuredCatalog(config, { Widget__c: "full_refresh" })) as {
      streams: Array<{ stream: { json_schema: { properties: Record<string, unknown> } } }>;
    };
    const props = catalog.streams[0]!.stream.json_schema.properties;
    for (const key of Object.keys(props)) if (!["Id", "Name", "SystemModstamp"].includes(key)) delete props[key];
    fake.resetCounts();
    const run = await read(config, catalog);
    expect(run.code).toBe(0);
    const create = fake.requests.find((r) => r.kind === "bulk2_create")!;
    expect(create.soql).toBe("SELECT Id, Name, SystemModstamp FROM Widget__c");
    expect(Object.keys(records(run)[0]!)).toEqual(["Id", "Name", "SystemModstamp"]);
    const results = fake.requests.filter((r) => r.kind === "bulk2_results");
    expect(results.every((r) => /gzip/.test(String(r.headers["accept-encoding"])))).toBe(true);
    expect(fake.count("bulk2_delete")).toBe(1);
  });

  it("pages 25,000 rows by maxRecords=1000 and locator, each page's header handled", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, bulk_api: { version: "2.0", max_records: 1000 } });
    const catalog = await configuredCatalog(config, { Big__c: "full_refresh" });
    fake.resetCounts();
    const run = await read(config, catalog);
    expect(run.code).toBe(0);
    expectEachOnce(records(run, "Big__c"), liveIds("Big__c"));
    const pages = fake.requests.filter((r) => r.kind === "bulk2_results");
    expect(pages).toHaveLength(25);
    expect(pages.every((r) => r.query.maxRecords === "1000")).toBe(true);
    expect(pages[0]!.query.locator).toBeUndefined();
    expect(pages.slice(1).every((r) => typeof r.query.locator === "string")).toBe(true);
  });

  it("keeps quoted multiline text intact", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { Widget__c: "full_refresh" });
    const run = await read(config, catalog);
    const byId = new Map([...fake.records("Widget__c")].map((r) => [r.Id, r]));
    const tricky = records(run).filter((r) => typeof r.Notes__c === "string" && /[\n",]/.test(r.Notes__c));
    expect(tricky.length).toBeGreaterThan(10);
    for (const row of tricky) expect(row.Notes__c).toBe(byId.get(row.Id)!.Notes__c);
  });
});

describe("incremental through Bulk 2.0", () => {
  it("sync 2 after 50 updates, 10 inserts and 5 deletes returns exactly those (deletes under query_all)", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, stream_slice_step: "P365D", source_action: "query_all" });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    const first = await read(config, catalog);
    expect(first.code).toBe(0);
    expectEachOnce(records(first), liveIds("Widget__c"));
    const firstStates = states(first);
    expect(firstStates.length).toBeGreaterThan(3);
    const cursors = firstStates.map((s) => s.stream.stream_state.SystemModstamp!);
    expect(cursors.slice().sort()).toEqual(cursors); // never backwards
    const saved = Date.parse(cursors.at(-1)!);

    // Changes committed just after the saved cursor, as happens while a sync runs.
    clock = saved + 1;
    const existing = liveIds("Widget__c");
    const updated = existing.slice(0, 50);
    fake.update("Widget__c", updated, { Name: "changed" });
    const inserted = fake.insert(
      "Widget__c",
      Array.from({ length: 10 }, (_, i) => ({ Name: `new ${i}` })),
    );
    const deleted = existing.slice(100, 105);
    fake.delete("Widget__c", deleted);
    clock = undefined;

    const second = await read(config, catalog, nextStateInput(first));
    expect(second.code).toBe(0);
    const rows = records(second);
    expectEachOnce(rows, [...updated, ...inserted, ...deleted]);
    expect(
      rows
        .filter((r) => r.IsDeleted === true)
        .map((r) => r.Id)
        .sort(),
    ).toEqual(deleted.slice().sort());
    const lookbackFloor = saved - 10 * 60_000;
    expect(rows.every((r) => Date.parse(r.SystemModstamp as string) >= lookbackFloor)).toBe(true);
    const query = fake.requests.filter((r) => r.kind === "bulk2_create").at(-1)!;
    expect(JSON.parse(query.body).operation).toBe("queryAll");
  });

  it("without query_all, deleted records are not returned", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, stream_slice_step: "P365D" });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    const run = await read(config, catalog);
    expect(records(run).some((r) => r.IsDeleted === true)).toBe(false);
    expectEachOnce(records(run), liveIds("Widget__c"));
  });

  it("a state far in the future returns no records and keeps that state", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    const future = "2099-01-01T00:00:00.000Z";
    const state = [
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "Widget__c" }, stream_state: { SystemModstamp: future } },
      },
    ];
    fake.resetCounts();
    const run = await read(config, catalog, state);
    expect(run.code).toBe(0);
    expect(records(run)).toEqual([]);
    expect(states(run).map((s) => s.stream.stream_state.SystemModstamp)).toEqual([future]);
    expect(fake.count("bulk2_create")).toBe(0);
  });

  it("accepts a LEGACY state object keyed by stream name", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    const run = await read(config, catalog, { Widget__c: { SystemModstamp: "2099-01-01T00:00:00Z" } });
    expect(run.code).toBe(0);
    expect(records(run)).toEqual([]);
  });
});

describe("planning", () => {
  it("describes the configured objects through one Composite call and drops a field deleted since discovery with a WARN", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = (await configuredCatalog(config, { Widget__c: "full_refresh", Big__c: "full_refresh" })) as {
      streams: Array<{ stream: { json_schema: { properties: Record<string, unknown> } } }>;
    };
    catalog.streams[0]!.stream.json_schema.properties.Gone__c = { type: ["null", "string"] };
    fake.resetCounts();
    const run = await read(config, catalog);
    expect(run.code).toBe(0);
    expect(fake.count("composite")).toBe(1);
    expect(fake.count("describe")).toBe(0);
    const warnings = ofType(run, "LOG")
      .map((m) => m.log as { level: string; message: string })
      .filter((l) => l.level === "WARN");
    expect(warnings.some((w) => /Widget__c.*Gone__c no longer exists/.test(w.message))).toBe(true);
    expect(fake.requests.filter((r) => r.kind === "bulk2_create").every((r) => !/Gone__c/.test(r.soql ?? ""))).toBe(
      true,
    );
    expect(records(run, "Widget__c").length).toBe(liveIds("Widget__c").length);
    expect(records(run, "Big__c").length).toBe(liveIds("Big__c").length);
  });

  it("an interrupted sync resumes at its last finished window and together they deliver every record", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, stream_slice_step: "P90D" });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    fake.inject({ kind: "bulk2_results", type: "http503", after: 5, times: Infinity });
    let first: CliRun;
    try {
      first = await read(config, catalog);
    } finally {
      fake.clearFaults();
    }
    expect(first.code).toBe(1);
    expect(states(first).length).toBe(5);
    const second = await read(config, catalog, nextStateInput(first));
    expect(second.code).toBe(0);
    const union = new Set([...ids(records(first)), ...ids(records(second))]);
    expect([...union].sort()).toEqual(liveIds("Widget__c").sort());
    // The resumed sync starts at the saved window end minus the lookback, not from the beginning.
    const saved = Date.parse(states(first).at(-1)!.stream.stream_state.SystemModstamp!);
    expect(records(second).every((r) => Date.parse(r.SystemModstamp as string) >= saved - 10 * 60_000)).toBe(true);
  });
});

describe("first sync", () => {
  it("starts at the first change after start_date instead of reading empty windows", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, start_date: "2000-01-01", stream_slice_step: "P30D" });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    fake.resetCounts();
    const run = await read(config, catalog);
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Widget__c"));
    const first = fake.requests.find((r) => r.kind === "query")!;
    expect(first.soql).toMatch(
      /^SELECT SystemModstamp FROM Widget__c WHERE SystemModstamp >= 2000-01-01T00:00:00.000Z AND .* ORDER BY SystemModstamp ASC LIMIT 1$/,
    );
    const earliest = Math.min(...[...fake.records("Widget__c")].map((r) => Date.parse(r.SystemModstamp as string)));
    const firstJob = fake.requests.find((r) => r.kind === "bulk2_create")!;
    expect(firstJob.soql).toContain(`SystemModstamp >= ${new Date(earliest).toISOString()}`);
    // ~26 years of 30-day windows would be ~320 jobs; from the first change it is the data's ~3 years.
    expect(fake.count("bulk2_create")).toBeLessThan(50);
  });

  it("an object with no change since start_date costs one call and saves the sync's end as state", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, start_date: "2026-06-01" }); // Big__c's rows all changed before 2026
    const catalog = await configuredCatalog(config, { Big__c: "incremental" });
    fake.resetCounts();
    const before = Date.now();
    const run = await read(config, catalog);
    expect(run.code).toBe(0);
    expect(fake.count("bulk2_create")).toBe(0);
    const saved = Date.parse(states(run)[0]!.stream.stream_state.SystemModstamp!);
    expect(saved).toBeGreaterThan(before - 2 * 60_000);
    expect(saved).toBeLessThanOrEqual(Date.now());
  });
});

describe("faults", () => {
  async function fullRefreshWith(
    fault: Parameters<FakeSalesforce["inject"]>[0],
    options: Record<string, unknown> = {},
  ): Promise<CliRun> {
    const config = baseConfig(fake, { bulk_threshold: 0, bulk_api: { version: "2.0", max_records: 500 }, ...options });
    const catalog = await configuredCatalog(config, { Widget__c: "full_refresh" });
    fake.resetCounts();
    fake.inject(fault);
    try {
      return await read(config, catalog);
    } finally {
      fake.clearFaults();
    }
  }

  it("a 5xx on a poll is retried", async () => {
    const run = await fullRefreshWith({ kind: "bulk2_status", type: "http500", times: 2 });
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Widget__c"));
  });

  it("a socket cut mid-page restarts that page without emitting a row twice", async () => {
    const run = await fullRefreshWith({ kind: "bulk2_results", type: "drop_mid_body", after: 2 });
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Widget__c"));
    expect(fake.count("bulk2_results")).toBe(Math.ceil(liveIds("Widget__c").length / 500) + 1);
  });

  it("an expired session mid-sync is refreshed and the page asked again", async () => {
    const run = await fullRefreshWith({ kind: "bulk2_results", type: "invalid_session", after: 1 });
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Widget__c"));
    expect(fake.count("oauth_token")).toBe(2);
  });

  it("a job that ends Failed is run again once as a new job", async () => {
    const run = await fullRefreshWith({ kind: "bulk2_create", type: "job_failed" });
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Widget__c"));
    expect(fake.count("bulk2_create")).toBe(2);
  });

  it("a job that fails twice fails the stream with Salesforce's message", async () => {
    const run = await fullRefreshWith({ kind: "bulk2_create", type: "job_failed", times: 2 });
    expect(run.code).toBe(1);
    expect(records(run)).toEqual([]);
    const [error] = traceErrors(run);
    expect(error?.message).toMatch(/Widget__c/);
    expect(error?.message).toMatch(/InternalServerError/);
    expect(streamStatuses(run, "Widget__c")).toEqual(["STARTED", "INCOMPLETE"]);
  });

  it("a persistent fault ends in a TRACE error with no STATE past the last complete window", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, stream_slice_step: "P90D" });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    fake.resetCounts();
    fake.inject({ kind: "bulk2_results", type: "http503", after: 4, times: Infinity });
    let run: CliRun;
    try {
      run = await read(config, catalog);
    } finally {
      fake.clearFaults();
    }
    expect(run.code).toBe(1);
    const [error] = traceErrors(run);
    expect(error?.failure_type).toBe("transient_error");
    const emitted = states(run);
    expect(emitted).toHaveLength(4);
    // Every record at or after the last state's cursor belongs to the failed window: none was emitted.
    const last = Date.parse(emitted.at(-1)!.stream.stream_state.SystemModstamp!);
    expect(records(run).every((r) => Date.parse(r.SystemModstamp as string) < last)).toBe(true);
    // What was emitted is exactly what the finished windows hold.
    const expected = [...fake.records("Widget__c")]
      .filter((r) => Date.parse(r.SystemModstamp as string) < last)
      .map((r) => r.Id as string);
    expectEachOnce(records(run), expected);
  });
});

describe("REST where Bulk cannot serve", () => {
  it("falls back to REST when Salesforce says the object is not supported by the Bulk API", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { NoBulk__c: "full_refresh" });
    fake.resetCounts();
    const run = await read(config, catalog);
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("NoBulk__c"));
    expect(records(run).every((r) => !("attributes" in r))).toBe(true);
    expect(fake.count("query")).toBeGreaterThan(0);
    const logs = ofType(run, "LOG").map((m) => (m.log as { message: string }).message);
    expect(logs.some((l) => /reading it through REST instead/.test(l))).toBe(true);
  });

  it("reads a stream selecting a compound address field through REST, as the log says", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { Account: "incremental" });
    fake.resetCounts();
    const run = await read(config, catalog);
    expect(traceErrors(run)).toEqual([]);
    expect(fake.count("bulk2_create")).toBe(0);
    expectEachOnce(records(run), liveIds("Account"));
    const logs = ofType(run, "LOG").map((m) => (m.log as { message: string }).message);
    expect(logs.some((l) => /Account.*through REST.*BillingAddress/.test(l))).toBe(true);
    expect(records(run).some((r) => r.BillingAddress !== null && typeof r.BillingAddress === "object")).toBe(true);
  });
});

describe("bad input fails before any Bulk job", () => {
  interface EditableCatalog {
    streams: Array<{
      stream: { name: string; json_schema: { properties: Record<string, unknown> }; supported_sync_modes: string[] };
      sync_mode?: string;
    }>;
  }
  async function expectConfigError(mutate: (catalog: EditableCatalog) => void, pattern: RegExp, state?: unknown) {
    const config = baseConfig(fake, { bulk_threshold: 0 });
    const catalog = (await configuredCatalog(config, { Widget__c: "incremental" })) as EditableCatalog;
    mutate(catalog);
    fake.resetCounts();
    const run = await read(config, catalog, state);
    expectRefusedBeforeAnyJob(fake, run, pattern);
  }

  it("an object the org does not have", () =>
    expectConfigError(
      (c) => (c.streams[0]!.stream.name = "Nope__c"),
      /'Nope__c', which this Salesforce org does not have/,
    ));

  it("a field that is not a Salesforce identifier", () =>
    expectConfigError(
      (c) => (c.streams[0]!.stream.json_schema.properties["Name FROM User--"] = { type: "string" }),
      /Widget__c.*'Name FROM User--'.*not a Salesforce field name/,
    ));

  it("a sync mode the stream does not support", () =>
    expectConfigError(
      (c) => (c.streams[0]!.stream.supported_sync_modes = ["full_refresh"]),
      /Widget__c.*incremental, which it does not support/,
    ));

  it("a state whose cursor is not a timestamp", () =>
    expectConfigError(() => {}, /Widget__c/, [
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "Widget__c" }, stream_state: { SystemModstamp: "yesterday" } },
      },
    ]));

  it("a state of an unknown shape", () => expectConfigError(() => {}, /state/i, "not a state"));

  it("a catalog that is not a ConfiguredAirbyteCatalog", () =>
    expectConfigError((c) => delete c.streams[0]!.sync_mode, /configured catalog is not valid.*sync_mode/));
});

describe("protocol", () => {
  it("no secret from the config or a session token reaches stdout or stderr", () => {
    const c = fake.credentials;
    const tokens = [...sessionTokens];
    expect(tokens.length).toBeGreaterThan(1);
    expect(secretLeaks(allRuns, [c.clientSecret, c.refreshToken, c.password, c.securityToken, ...tokens])).toEqual([]);
  });

  it.skipIf(!officialProtocolAvailable)("every message of every read validates against the official schema", () => {
    expect(allRuns.length).toBeGreaterThan(10);
    for (const run of allRuns) expect(invalidMessages(run.messages)).toEqual([]);
  });
});
