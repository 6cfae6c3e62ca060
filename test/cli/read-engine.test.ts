// The sync engine (issue 11) through the built CLI against the fake Salesforce: streams read
// concurrently within `concurrency` and `max_bulk_jobs`, the REST probe (done / REST continuation /
// Bulk at bulk_threshold / bulk_threshold 0), Composite batching of probes, ties on the cursor across
// a REST page boundary, a 600-field object over REST, faults on REST paths, the per-sync allowance.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTiedStampsObject,
  buildWideObject,
  startFakeSalesforce,
  type FakeSalesforce,
} from "../fake-salesforce/index.js";
import { ofType, traceErrors, type CliRun } from "../helpers/cli.js";
import { expectWithinBounds } from "../helpers/activity.js";
import {
  baseConfig,
  configuredCatalog,
  liveIds,
  nextStateInput,
  readOnce,
  records,
  states,
  streamStatuses,
  widgetObject,
  type RecordData,
} from "../helpers/read-fixtures.js";

const SMALL = ["S01__c", "S02__c", "S03__c", "S04__c", "S05__c", "S06__c", "S07__c", "S08__c", "S09__c", "S10__c"];
let fake: FakeSalesforce;

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      ...SMALL.map((name, i) => widgetObject(100 + i * 20, name)),
      widgetObject(4500, "Mid__c"),
      widgetObject(6000, "Large__c"),
      { ...widgetObject(4500, "NoBulkMid__c"), bulkSupported: false },
    ],
  });
});
afterAll(() => fake.stop());

const incremental = (names: string[]) => Object.fromEntries(names.map((n) => [n, "incremental" as const]));

async function read(
  overrides: Record<string, unknown>,
  streams: Record<string, "incremental" | "full_refresh">,
  state?: unknown,
): Promise<CliRun> {
  const config = baseConfig(fake, { stream_slice_step: "P365D", ...overrides });
  return readOnce(config, await configuredCatalog(config, streams), state);
}

/** Records of one stream, in emission order, without emitted_at. */
const idsOf = (run: CliRun, stream: string): string[] => records(run, stream).map((r) => r.Id as string);
const sortedRecords = (run: CliRun, stream: string): RecordData[] =>
  records(run, stream).sort((a, b) => String(a.Id).localeCompare(String(b.Id)));
const stateCursors = (run: CliRun, stream: string): string[] =>
  states(run)
    .filter((s) => s.stream.stream_descriptor.name === stream)
    .map((s) => s.stream.stream_state.SystemModstamp!);
/** The Composite requests that carried query subrequests, with their query count. */
function compositeQueryCounts(f: FakeSalesforce): number[] {
  return f.requests
    .filter((r) => r.kind === "composite")
    .map((r) => (JSON.parse(r.body) as { compositeRequest: Array<{ url: string }> }).compositeRequest)
    .map((subs) => subs.filter((s) => /\/query(All)?\?q=/.test(s.url)).length)
    .filter((n) => n > 0);
}

/**
 * STATE never comes before its records: once a stream's STATE says cursor c, none of its later
 * records has a cursor below c (an ordered REST page ends at its last record's cursor; a Bulk window
 * at its end).
 */
function expectNoRecordBehindItsState(run: CliRun): void {
  const saved = new Map<string, number>();
  for (const m of run.messages) {
    if (m.type === "STATE") {
      const s = (m.state as { stream: { stream_descriptor: { name: string }; stream_state: Record<string, string> } })
        .stream;
      saved.set(s.stream_descriptor.name, Date.parse(s.stream_state.SystemModstamp!));
    } else if (m.type === "RECORD") {
      const r = m.record as { stream: string; data: RecordData };
      const at = Date.parse(r.data.SystemModstamp as string);
      expect(at, `${r.stream} record ${String(r.data.Id)} after its STATE`).toBeGreaterThanOrEqual(
        saved.get(r.stream) ?? -Infinity,
      );
    }
  }
}

describe("streams read concurrently", () => {
  it("deliver exactly what each stream read alone delivers, each Id once, STATE never before its records", async () => {
    const names = ["S01__c", "S02__c", "Mid__c", "Large__c"];
    const options = { bulk_threshold: 5000 };
    const together = await read(options, incremental(names));
    expect(traceErrors(together)).toEqual([]);
    expectNoRecordBehindItsState(together);
    for (const name of names) {
      const alone = await read(options, incremental([name]));
      expect(sortedRecords(together, name), name).toEqual(sortedRecords(alone, name));
      expect(new Set(idsOf(together, name)).size, name).toBe(liveIds(fake, name).length);
      expect(idsOf(together, name).length, name).toBe(liveIds(fake, name).length);
      // The same pages and windows end in the same cursors (the last one is each run's own end).
      expect(stateCursors(together, name).slice(0, -1), name).toEqual(stateCursors(alone, name).slice(0, -1));
      expect(streamStatuses(together, name), name).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    }
    // Concurrent, not one after another: every stream started before the first one completed.
    const statuses = ofType(together, "TRACE")
      .map((m) => (m.trace as { stream_status?: { status: string } }).stream_status?.status)
      .filter((status) => status !== undefined);
    expect(statuses.lastIndexOf("STARTED")).toBeLessThan(statuses.indexOf("COMPLETE"));
  });

  it("never exceed concurrency or max_bulk_jobs, and reach both (Bulk 2.0 and Bulk 1.0)", async () => {
    const busy = await startFakeSalesforce({
      extraObjects: ["B1__c", "B2__c", "B3__c", "B4__c", "B5__c"].map((n) => widgetObject(3000, n)),
      requestLatencyMs: 20,
      bulkJobLatencyMs: 300,
    });
    try {
      for (const bulk_api of [
        { version: "2.0", max_records: 500 },
        { version: "1.0", chunk_size: 1000 },
      ]) {
        const config = baseConfig(busy, {
          bulk_threshold: 0,
          concurrency: 3,
          max_bulk_jobs: 2,
          bulk_api,
          stream_slice_step: "P365D",
        });
        const catalog = await configuredCatalog(config, incremental(["B1__c", "B2__c", "B3__c", "B4__c", "B5__c"]));
        busy.resetCounts();
        const run = await readOnce(config, catalog);
        expect(traceErrors(run)).toEqual([]);
        expectWithinBounds(busy, { concurrency: 3, maxBulkJobs: 2, excludeLogins: true }, true);
        for (const n of ["B1__c", "B2__c", "B3__c", "B4__c", "B5__c"]) expect(new Set(idsOf(run, n)).size).toBe(3000);
      }
    } finally {
      await busy.stop();
    }
  });
});

describe("the REST probe", () => {
  it("done: a small range is read by its probe, one API call, STATE at the range's end", async () => {
    fake.resetCounts();
    const run = await read({}, incremental(["S01__c"]));
    expect(traceErrors(run)).toEqual([]);
    expect(idsOf(run, "S01__c").sort()).toEqual(liveIds(fake, "S01__c").sort());
    // Alone, the probe is a plain GET (a Composite of one would cost the same call).
    expect(fake.count("query")).toBe(1);
    expect(fake.count("query_more") + fake.count("bulk2_create")).toBe(0);
    expect(stateCursors(run, "S01__c")).toHaveLength(1);
    expect(ofType(run, "LOG").map((m) => (m.log as { message: string }).message)).toContain(
      "Stream 'S01__c': reading S01__c through REST (100 rows, under bulk_threshold 10000), incremental.",
    );
  });

  it("below bulk_threshold: REST continues by nextRecordsUrl, ordered, a STATE after each page", async () => {
    fake.resetCounts();
    const run = await read({}, incremental(["Mid__c"]));
    expect(traceErrors(run)).toEqual([]);
    expect(fake.count("query_more")).toBe(2);
    expect(fake.count("bulk2_create")).toBe(0);
    const rows = records(run, "Mid__c");
    expect(new Set(rows.map((r) => r.Id)).size).toBe(4500);
    const stamps = rows.map((r) => r.SystemModstamp as string);
    expect(stamps).toEqual([...stamps].sort());
    // Pages end at records 2,000 and 4,000: their cursors, then the range's end.
    const cursors = stateCursors(run, "Mid__c");
    expect(cursors.slice(0, 2)).toEqual([stamps[1999], stamps[3999]]);
    expect(cursors).toHaveLength(3);
    expectNoRecordBehindItsState(run);
  });

  it("at bulk_threshold: the probe's rows are dropped and Bulk windows start at its first record", async () => {
    fake.resetCounts();
    const run = await read({ bulk_threshold: 4500 }, incremental(["Mid__c"]));
    expect(traceErrors(run)).toEqual([]);
    expect(fake.count("query_more")).toBe(0);
    const creates = fake.requests.filter((r) => r.kind === "bulk2_create");
    expect(creates.length).toBeGreaterThan(0);
    const rows = records(run, "Mid__c");
    expect(rows.map((r) => r.Id).sort()).toEqual(liveIds(fake, "Mid__c").sort());
    const earliest = rows.map((r) => r.SystemModstamp as string).sort()[0]!;
    expect(creates[0]!.soql).toContain(`SystemModstamp >= ${earliest}`);
    // One below: REST.
    fake.resetCounts();
    const below = await read({ bulk_threshold: 4501 }, incremental(["Mid__c"]));
    expect(traceErrors(below)).toEqual([]);
    expect(fake.count("bulk2_create")).toBe(0);
    expect(idsOf(below, "Mid__c")).toHaveLength(4500);
  });

  it("at bulk_threshold, an object Bulk cannot serve reads REST windows from the probe's first record", async () => {
    fake.resetCounts();
    const run = await read({ bulk_threshold: 3000 }, incremental(["NoBulkMid__c"]));
    expect(traceErrors(run)).toEqual([]);
    const rows = records(run, "NoBulkMid__c");
    expect(rows.map((r) => r.Id).sort()).toEqual(liveIds(fake, "NoBulkMid__c").sort());
    // (The catalog does not say Bulk cannot serve it: the first window's Bulk job is refused, and the
    // stream reads REST from then on.)
    const windowed = fake.requests.filter((r) => r.kind === "query" && / AND SystemModstamp < \S+$/.test(r.soql!));
    expect(windowed.length).toBeGreaterThanOrEqual(3);
    const earliest = rows.map((r) => r.SystemModstamp as string).sort()[0]!;
    expect(windowed[0]!.soql).toContain(`SystemModstamp >= ${earliest}`);
    // A STATE at each window's end, none before its records.
    expect(stateCursors(run, "NoBulkMid__c").length).toBe(windowed.length);
    expectNoRecordBehindItsState(run);
  });

  it("bulk_threshold 0: no probe, Bulk windows after the first-change lookup, as before the engine", async () => {
    fake.resetCounts();
    const run = await read({ bulk_threshold: 0 }, incremental(["S01__c", "S02__c"]));
    expect(traceErrors(run)).toEqual([]);
    expect(compositeQueryCounts(fake)).toEqual([]);
    expect(fake.requests.filter((r) => r.kind === "query").every((r) => /LIMIT 1$/.test(r.soql!))).toBe(true);
    expect(fake.count("bulk2_create")).toBeGreaterThanOrEqual(2);
    expect(idsOf(run, "S02__c").sort()).toEqual(liveIds(fake, "S02__c").sort());
  });

  it("a state far in the past (0001-01-01) walks no empty window: Bulk starts at the probe's first record", async () => {
    const state = [
      {
        type: "STREAM",
        stream: {
          stream_descriptor: { name: "Mid__c" },
          stream_state: { SystemModstamp: "0001-01-01T00:00:00.000Z" },
        },
      },
    ];
    fake.resetCounts();
    const run = await read({ bulk_threshold: 3000, stream_slice_step: "P30D" }, incremental(["Mid__c"]), state);
    expect(traceErrors(run)).toEqual([]);
    expect(idsOf(run, "Mid__c")).toHaveLength(4500);
    // The data spans 2023-2026: about 48 windows of 30 days, not 24,000 from year 1.
    expect(fake.count("bulk2_create")).toBeLessThanOrEqual(50);
  });
});

describe("Composite batching of probes", () => {
  it("probes of 10 streams share Composite requests of at most 5 queries", async () => {
    fake.resetCounts();
    const run = await read({}, incremental(SMALL));
    expect(traceErrors(run)).toEqual([]);
    const counts = compositeQueryCounts(fake);
    expect(counts.every((n) => n <= 5)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(SMALL.length);
    expect(counts).toHaveLength(2);
    expect(fake.count("query")).toBe(0);
    for (const name of SMALL) expect(idsOf(run, name).sort()).toEqual(liveIds(fake, name).sort());
  });

  it("a failing subrequest is asked again as a plain REST query; a persistent failure fails only its stream", async () => {
    fake.resetCounts();
    fake.inject({ kind: "composite_subrequest", type: "http500", url: "FROM%20S03__c" });
    const retried = await read({}, incremental(SMALL.slice(0, 5)));
    expect(traceErrors(retried)).toEqual([]);
    expect(fake.requests.filter((r) => r.kind === "query").map((r) => r.soql)).toEqual([
      expect.stringContaining("FROM S03__c"),
    ]);
    expect(idsOf(retried, "S03__c").sort()).toEqual(liveIds(fake, "S03__c").sort());

    fake.clearFaults();
    fake.inject({ kind: "composite_subrequest", type: "malformed_query", url: "FROM%20S03__c" });
    fake.inject({ kind: "query", type: "http500", times: Infinity });
    const failed = await read({}, incremental(SMALL.slice(0, 5)), undefined);
    fake.clearFaults();
    expect(failed.code).toBe(1);
    expect(streamStatuses(failed, "S03__c").at(-1)).toBe("INCOMPLETE");
    expect(stateCursors(failed, "S03__c")).toEqual([]);
    for (const name of ["S01__c", "S02__c", "S04__c", "S05__c"]) {
      expect(streamStatuses(failed, name).at(-1), name).toBe("COMPLETE");
      expect(idsOf(failed, name).sort(), name).toEqual(liveIds(fake, name).sort());
    }
  });
});

describe("ties and wide objects on REST", () => {
  it("ties on the cursor across a REST page boundary lose nothing when the sync resumes there", async () => {
    const tied = await startFakeSalesforce({ extraObjects: [buildTiedStampsObject({ now: Date.now() - 120_000 })] });
    try {
      const config = baseConfig(tied, { lookback_window: "PT0S" });
      const catalog = await configuredCatalog(config, incremental(["Tied__c"]));
      // The first sync stops after page 1 (queryMore keeps failing): its STATE is page 1's last cursor.
      tied.inject({ kind: "query_more", type: "http500", times: Infinity });
      const first = await readOnce(config, catalog);
      tied.clearFaults();
      expect(first.code).toBe(1);
      const firstIds = idsOf(first, "Tied__c");
      expect(firstIds).toHaveLength(2000);
      const second = await readOnce(config, catalog, nextStateInput(first));
      expect(traceErrors(second)).toEqual([]);
      expect(new Set([...firstIds, ...idsOf(second, "Tied__c")]).size).toBe(2500);
    } finally {
      await tied.stop();
    }
  });

  it("a 600-field object reads over REST without a 414, Bulk-capable or not", async () => {
    const wide = await startFakeSalesforce({
      extraObjects: [buildWideObject(), { ...buildWideObject("WideNoBulk__c"), bulkSupported: false }],
    });
    try {
      for (const [name, mode] of [
        ["Wide__c", "incremental"],
        ["WideNoBulk__c", "full_refresh"],
      ] as const) {
        const config = baseConfig(wide);
        const catalog = await configuredCatalog(config, { [name]: mode });
        wide.resetCounts();
        const run = await readOnce(config, catalog);
        expect(traceErrors(run), name).toEqual([]);
        const rows = records(run, name);
        expect(rows, name).toHaveLength(50);
        expect(
          Object.keys(rows[0]!).filter((k) => k.startsWith("Customer_Attribute_")),
          name,
        ).toHaveLength(600);
        expect(wide.count("bulk2_create"), name).toBe(0);
        expect(compositeQueryCounts(wide), name).toEqual([1]);
      }
    } finally {
      await wide.stop();
    }
  });
});

describe("faults on REST paths lose nothing", () => {
  const cases = [
    { kind: "query", type: "http500" },
    { kind: "query", type: "drop_mid_body" },
    { kind: "query_more", type: "http503" },
    { kind: "query_more", type: "drop" },
    { kind: "query_more", type: "drop_mid_body" },
    { kind: "query_more", type: "invalid_session" },
  ] as const;
  it.each(cases)("$type on $kind is retried; every record once", async (fault) => {
    fake.inject({ ...fault, after: fault.kind === "query_more" ? 1 : 0 });
    const run = await read({}, incremental(["Mid__c"]), undefined);
    fake.clearFaults();
    expect(traceErrors(run)).toEqual([]);
    const ids = idsOf(run, "Mid__c");
    expect(ids.length).toBe(4500);
    expect(new Set(ids).size).toBe(4500);
  });

  it("the daily limit mid-paging stops with state up to the last page; the next sync delivers the rest", async () => {
    fake.inject({ kind: "query_more", type: "request_limit", after: 1, times: Infinity });
    const first = await read({}, incremental(["Mid__c"]));
    fake.clearFaults();
    expect(first.code).toBe(1);
    expect(traceErrors(first)[0]?.message).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    expect(idsOf(first, "Mid__c")).toHaveLength(4000);
    expectNoRecordBehindItsState(first);
    const second = await read({}, incremental(["Mid__c"]), nextStateInput(first));
    expect(traceErrors(second)).toEqual([]);
    expect(new Set([...idsOf(first, "Mid__c"), ...idsOf(second, "Mid__c")]).size).toBe(4500);
  });
});

describe("api_quota_percent_per_sync and the summary", () => {
  it("stops cleanly once this sync made its share of the daily allowance, with state", async () => {
    const metered = await startFakeSalesforce({
      extraObjects: [widgetObject(6000, "Metered__c")],
      dailyApiMax: 1000,
      dailyApiUsed: 100,
    });
    try {
      // 1.2% of 1,000: 12 calls; each Bulk window of 365 days costs about 5.
      const config = baseConfig(metered, {
        bulk_threshold: 0,
        api_quota_percent_per_sync: 1.2,
        stream_slice_step: "P365D",
      });
      const catalog = await configuredCatalog(config, incremental(["Metered__c"]));
      metered.resetCounts();
      const run = await readOnce(config, catalog);
      expect(run.code).toBe(1);
      const [error] = traceErrors(run);
      expect(error?.failure_type).toBe("transient_error");
      expect(error?.message).toMatch(/api_quota_percent_per_sync=1.2/);
      expect(metered.apiCallsCounted).toBeLessThanOrEqual(12);
      expect(states(run).length).toBeGreaterThan(0);
      expectNoRecordBehindItsState(run);
    } finally {
      await metered.stop();
    }
  });

  it("ends with one summary LOG line: per API requests, calls, records, seconds", async () => {
    const run = await read({}, incremental(["S01__c", "S02__c"]));
    const summaries = ofType(run, "LOG")
      .map((m) => (m.log as { message: string }).message)
      .filter((m) => m.startsWith("Sent "));
    expect(summaries).toHaveLength(1);
    // The describe and the two probes: 2 Composite requests, 1 call each.
    expect(summaries[0]).toMatch(
      /^Sent 2 Salesforce API requests \(2 API calls as Salesforce counts them\), 220 records in [\d.]+ s; the org has used \d+ of \d+ today\. By API: REST 0 requests, 0 calls, 220 records, [\d.]+ s; Composite 2 requests, 2 calls, 0 records, [\d.]+ s\.$/,
    );
  });
});
