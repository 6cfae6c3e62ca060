// Issue 15, through the built CLI: what a SystemModstamp cursor misses. Formula fields (formula_refresh),
// hard deletes (hard_deletes, the deleted-records resource), ContentDocumentLink (a child of
// ContentDocument, 200 document Ids per query). Each test counts the API calls its option adds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildContentDocuments,
  buildFormulaObject,
  startFakeSalesforce,
  type FakeSalesforce,
} from "../fake-salesforce/index.js";
import { ofType, traceErrors, type CliRun } from "../helpers/cli.js";
import {
  baseConfig,
  configuredCatalog,
  expectEachOnce,
  liveIds,
  nextStateInput,
  readOnce,
  records,
  states,
  widgetObject,
} from "../helpers/read-fixtures.js";

let fake: FakeSalesforce;
/** Timestamps the fake gives mutations; undefined = real time. */
let clock: number | undefined;

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      buildFormulaObject({ rows: 200 }),
      { ...widgetObject(300, "Gizmo__c") },
      ...buildContentDocuments({ documents: 500, linksPerDocument: 2 }),
    ],
    now: () => (clock === undefined ? new Date() : new Date(clock++)),
  });
});
afterAll(() => fake.stop());

function logs(run: CliRun, level: string): string[] {
  return ofType(run, "LOG")
    .map((m) => m.log as { level: string; message: string })
    .filter((l) => l.level === level)
    .map((l) => l.message);
}

async function discovered(config: Record<string, unknown>): Promise<Map<string, Record<string, unknown>>> {
  const { runCli, writeTempFiles } = await import("../helpers/cli.js");
  const files = writeTempFiles({ "config.json": config });
  const run = await runCli(["discover", "--config", files["config.json"]!]);
  const streams = (ofType(run, "CATALOG")[0]!.catalog as { streams: Array<Record<string, unknown>> }).streams;
  return new Map(streams.map((s) => [s.name as string, s]));
}

const properties = (stream: Record<string, unknown> | undefined): Record<string, Record<string, unknown>> =>
  (stream?.json_schema as { properties: Record<string, Record<string, unknown>> }).properties;

describe("discover", () => {
  it("marks formula fields, adds _ab_cdc_deleted_at with hard_deletes, lists ContentDocumentLink as a child", async () => {
    const plain = await discovered(baseConfig(fake));
    const deal = properties(plain.get("Deal__c"));
    expect(deal.Discounted__c!.description).toMatch(
      /^Formula field: .*Formula: Amount__c \* \(1 - Account__r\.Discount__c\)$/,
    );
    expect(deal.Age_Days__c!.description).toContain("TODAY() - DATEVALUE(CreatedDate)");
    expect(deal.Amount__c!.description).toBeUndefined();
    expect(deal._ab_cdc_deleted_at).toBeUndefined();

    const withDeletes = await discovered(baseConfig(fake, { hard_deletes: true }));
    expect(properties(withDeletes.get("Gizmo__c"))._ab_cdc_deleted_at).toMatchObject({
      type: ["null", "string"],
      format: "date-time",
    });
    // ContentDocument is in the org, so ContentDocumentLink is readable through it: full refresh only.
    const links = withDeletes.get("ContentDocumentLink");
    expect(links?.supported_sync_modes).toEqual(["full_refresh"]);
    expect(properties(links)._ab_cdc_deleted_at).toBeUndefined();
  });
});

describe("formula_refresh", () => {
  const FORMULA_CHANGES = 50;

  async function firstThenRecalculated(config: Record<string, unknown>) {
    const catalog = await configuredCatalog(config, { Deal__c: "incremental" });
    fake.resetCounts();
    const first = await readOnce(config, catalog);
    const firstCalls = fake.apiCallsCounted;
    expect(traceErrors(first)).toEqual([]);
    expectEachOnce(records(first), liveIds(fake, "Deal__c"));
    const ids = liveIds(fake, "Deal__c").slice(0, FORMULA_CHANGES);
    const value = 1000 + Math.floor(Math.random() * 1000);
    fake.recalculate("Deal__c", ids, { Discounted__c: value });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // formula_refresh PT1S has passed
    fake.resetCounts();
    const second = await readOnce(config, catalog, nextStateInput(first));
    expect(traceErrors(second)).toEqual([]);
    return { first, second, ids, value, firstCalls, secondCalls: fake.apiCallsCounted };
  }

  it("PT1S: the next sync reads the stream in full again and delivers the 50 changed formula values", async () => {
    const { first, second, ids, value, firstCalls, secondCalls } = await firstThenRecalculated(
      baseConfig(fake, { formula_refresh: "PT1S", stream_slice_step: "P3650D" }),
    );
    const firstState = states(first).at(-1)!.stream.stream_state;
    expect(Date.parse(firstState.last_full_read_at!)).toBeLessThanOrEqual(Date.now());
    const rows = records(second, "Deal__c");
    expectEachOnce(rows, liveIds(fake, "Deal__c"));
    const changed = rows.filter((r) => r.Discounted__c === value).map((r) => r.Id);
    expect(changed.sort()).toEqual(ids.slice().sort());
    const secondState = states(second).at(-1)!.stream.stream_state;
    expect(Date.parse(secondState.last_full_read_at!)).toBeGreaterThan(Date.parse(firstState.last_full_read_at!));
    expect(secondState.SystemModstamp! >= firstState.SystemModstamp!).toBe(true);
    // Cost: what a first sync of the stream costs: here the describe and the probe, whose one REST page
    // holds the 200 rows (2 calls); the incremental sync it replaces also costs 2 (its probe finds
    // nothing). Above bulk_threshold the refresh reads Bulk windows, as a first sync does.
    expect(secondCalls).toBe(firstCalls);
    expect(fake.count("query")).toBe(1);
    expect(logs(second, "INFO").some((m) => m.includes("reading it in full again for its formula fields"))).toBe(true);
  });

  it("PT1S through Bulk (bulk_threshold 0): the refresh is Bulk windows from start_date", async () => {
    const { second, ids, value } = await firstThenRecalculated(
      baseConfig(fake, { formula_refresh: "PT1S", stream_slice_step: "P3650D", bulk_threshold: 0 }),
    );
    const rows = records(second, "Deal__c");
    expectEachOnce(rows, liveIds(fake, "Deal__c"));
    expect(
      rows
        .filter((r) => r.Discounted__c === value)
        .map((r) => r.Id)
        .sort(),
    ).toEqual(ids.slice().sort());
    expect(fake.count("bulk2_create")).toBe(1);
    expect(fake.count("query")).toBe(1); // the first-change lookup of a read from start_date
  });

  it("an interrupted refresh resumes where its last STATE got to, not at start_date", async () => {
    const config = baseConfig(fake, { formula_refresh: "PT1S", stream_slice_step: "P2D", bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { Deal__c: "incremental" });
    const first = await readOnce(config, catalog);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refresh = await readOnce(config, catalog, nextStateInput(first));
    expect(traceErrors(refresh)).toEqual([]);
    const refreshStates = states(refresh).map((s) => s.stream.stream_state);
    expect(refreshStates.length).toBeGreaterThan(3);
    // Every piece but the last says how far the refresh got; the last records the full read.
    for (const state of refreshStates.slice(0, -1)) expect(state.formula_refresh_reached).toBeDefined();
    expect(refreshStates.at(-1)!.formula_refresh_reached).toBeUndefined();
    const stamps = refreshStates.map((s) => s.SystemModstamp!);
    expect(stamps.slice().sort()).toEqual(stamps); // never backwards
    // Interrupted after its third piece: the next sync reads from there minus lookback only.
    const cut = states(refresh)[2]!;
    const reached = Date.parse(cut.stream.stream_state.formula_refresh_reached!);
    const resumed = await readOnce(config, catalog, [cut]);
    expect(traceErrors(resumed)).toEqual([]);
    const rows = records(resumed, "Deal__c");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => Date.parse(r.SystemModstamp as string) >= reached - 10 * 60_000)).toBe(true);
    expect(rows.length).toBeLessThan(liveIds(fake, "Deal__c").length);
    const last = states(resumed).at(-1)!.stream.stream_state;
    expect(last.last_full_read_at).toBe(cut.stream.stream_state.formula_refresh_started_at);
    expect(last.formula_refresh_reached).toBeUndefined();
  });

  it("without it, that sync delivers nothing", async () => {
    const { second, firstCalls, secondCalls } = await firstThenRecalculated(
      baseConfig(fake, { stream_slice_step: "P3650D" }),
    );
    expect(records(second, "Deal__c")).toEqual([]);
    expect(secondCalls).toBe(firstCalls); // the same probe, of a range without records
    expect(states(second).at(-1)!.stream.stream_state.last_full_read_at).toBeUndefined();
  });
});

describe("hard_deletes", () => {
  it("after 10 soft and 10 hard deletes, the next sync emits each of the 20 Ids with _ab_cdc_deleted_at", async () => {
    const config = baseConfig(fake, { hard_deletes: true, stream_slice_step: "P3650D" });
    const catalog = await configuredCatalog(config, { Gizmo__c: "incremental" });
    const first = await readOnce(config, catalog);
    expect(traceErrors(first)).toEqual([]);
    expect(fake.count("get_deleted")).toBe(0); // a first sync has nothing to delete: no call
    const rowsBefore = records(first, "Gizmo__c");
    expect(rowsBefore.every((r) => r._ab_cdc_deleted_at === undefined)).toBe(true);
    const saved = Date.parse(states(first).at(-1)!.stream.stream_state.SystemModstamp!);

    // Deleted while the first sync ran (before its state): two minutes before the saved cursor.
    const ids = liveIds(fake, "Gizmo__c");
    const soft = ids.slice(0, 10);
    const hard = ids.slice(10, 20);
    const deletedFrom = saved - 120_000;
    clock = deletedFrom;
    fake.delete("Gizmo__c", soft);
    fake.hardDelete("Gizmo__c", hard);
    clock = undefined;

    fake.resetCounts();
    const second = await readOnce(config, catalog, nextStateInput(first));
    expect(traceErrors(second)).toEqual([]);
    const rows = records(second, "Gizmo__c");
    const deletions = rows.filter((r) => r._ab_cdc_deleted_at != null);
    expect(deletions.map((r) => r.Id).sort()).toEqual([...soft, ...hard].sort());
    for (const row of deletions) {
      expect(Date.parse(row._ab_cdc_deleted_at as string)).toBeGreaterThanOrEqual(deletedFrom);
      expect(row.SystemModstamp).toBe(row._ab_cdc_deleted_at);
      expect(row.IsDeleted).toBe(true);
    }
    const live = new Set(liveIds(fake, "Gizmo__c"));
    expect(deletions.some((r) => live.has(r.Id as string))).toBe(false);
    // Cost: no call of its own: the deleted-records request rides in the probe's Composite request.
    expect(fake.count("get_deleted")).toBe(0);
    const composites = fake.requests.filter((r) => r.kind === "composite" && r.body.includes("/deleted/"));
    expect(composites).toHaveLength(1);
    expect(composites[0]!.body).toContain("/query?q=");
    expect(fake.apiCallsCounted).toBe(2); // the describe and the probe with the deletions
    expect(logs(second, "WARN")).toEqual([]);
  });

  it("under query_all, recycle-bin records read by the query are marked deleted too", async () => {
    const config = baseConfig(fake, { hard_deletes: true, source_action: "query_all", stream_slice_step: "P3650D" });
    const catalog = await configuredCatalog(config, { Gizmo__c: "incremental" });
    const first = await readOnce(config, catalog);
    const saved = Date.parse(states(first).at(-1)!.stream.stream_state.SystemModstamp!);
    const soft = liveIds(fake, "Gizmo__c").slice(0, 4);
    clock = saved - 60_000;
    fake.delete("Gizmo__c", soft);
    clock = undefined;
    const second = await readOnce(config, catalog, nextStateInput(first));
    expect(traceErrors(second)).toEqual([]);
    const rows = records(second, "Gizmo__c");
    // Each soft delete twice (the query's row and the deletion record), both marked, same cursor.
    for (const id of soft) {
      const copies = rows.filter((r) => r.Id === id);
      expect(copies.length).toBeGreaterThanOrEqual(2);
      expect(copies.every((r) => r._ab_cdc_deleted_at === r.SystemModstamp && r.IsDeleted === true)).toBe(true);
    }
    expect(rows.filter((r) => r.IsDeleted !== true).every((r) => r._ab_cdc_deleted_at == null)).toBe(true);
  });

  it("without a probe (bulk_threshold 0) the deletions cost one plain call", async () => {
    const config = baseConfig(fake, { hard_deletes: true, stream_slice_step: "P3650D", bulk_threshold: 0 });
    const catalog = await configuredCatalog(config, { Gizmo__c: "incremental" });
    const first = await readOnce(config, catalog);
    const saved = Date.parse(states(first).at(-1)!.stream.stream_state.SystemModstamp!);
    const gone = liveIds(fake, "Gizmo__c").slice(0, 2);
    clock = saved - 60_000;
    fake.hardDelete("Gizmo__c", gone);
    clock = undefined;
    fake.resetCounts();
    const second = await readOnce(config, catalog, nextStateInput(first));
    expect(traceErrors(second)).toEqual([]);
    const deleted = records(second, "Gizmo__c").filter((r) => r._ab_cdc_deleted_at != null);
    expect(deleted.map((r) => r.Id)).toEqual(expect.arrayContaining(gone));
    expect(fake.count("get_deleted")).toBe(1);
    expect(fake.count("bulk2_create")).toBe(1);
  });

  it("a deleted-records resource that keeps failing (5xx) fails the stream: transient, no STATE past the input", async () => {
    const config = baseConfig(fake, { hard_deletes: true, stream_slice_step: "P3650D" });
    const catalog = await configuredCatalog(config, { Gizmo__c: "incremental" });
    const first = await readOnce(config, catalog);
    fake.inject({ kind: "composite_subrequest", type: "http500", url: "/deleted/", times: Infinity });
    fake.inject({ kind: "get_deleted", type: "http500", times: Infinity });
    try {
      const second = await readOnce(config, catalog, nextStateInput(first));
      expect(second.code).toBe(1);
      // The stream's error and the sync's, both transient (run again), naming the resource.
      const errors = traceErrors(second);
      expect(errors.map((e) => e.failure_type)).toEqual(["transient_error", "transient_error"]);
      expect(errors[0]!.message).toContain("/sobjects/Gizmo__c/deleted/");
      expect(states(second)).toEqual([]);
      expect(records(second, "Gizmo__c")).toEqual([]);
    } finally {
      fake.clearFaults();
    }
  });

  it("a state older than the 15 days the resource keeps: one WARN, the state still moves on", async () => {
    const config = baseConfig(fake, { hard_deletes: true, stream_slice_step: "P3650D" });
    const catalog = await configuredCatalog(config, { Gizmo__c: "incremental" });
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const state = [
      { type: "STREAM", stream: { stream_descriptor: { name: "Gizmo__c" }, stream_state: { SystemModstamp: old } } },
    ];
    const run = await readOnce(config, catalog, state);
    expect(traceErrors(run)).toEqual([]);
    const warnings = logs(run, "WARN").filter((m) => m.includes("hard_deletes"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Salesforce keeps the last 15 days");
    expect(Date.parse(states(run).at(-1)!.stream.stream_state.SystemModstamp!)).toBeGreaterThan(Date.parse(old));
  });
});

describe("ContentDocumentLink", () => {
  it("reads the links of 500 documents in 3 queries (200 document Ids each), every link once", async () => {
    const config = baseConfig(fake);
    const catalog = await configuredCatalog(config, { ContentDocumentLink: "full_refresh" });
    fake.resetCounts();
    const run = await readOnce(config, catalog);
    expect(traceErrors(run)).toEqual([]);
    expectEachOnce(records(run, "ContentDocumentLink"), liveIds(fake, "ContentDocumentLink"));
    const queries = fake.requests.filter((r) => r.kind === "query").map((r) => r.soql ?? "");
    const childQueries = queries.filter((q) => q.includes("FROM ContentDocumentLink"));
    expect(childQueries).toHaveLength(3);
    expect(childQueries.map((q) => q.split("', '").length)).toEqual([200, 200, 100]);
    // Cost: one query for the document Ids (2,000 per call), one per 200 documents.
    expect(queries.filter((q) => q === "SELECT Id FROM ContentDocument")).toHaveLength(1);
    expect(fake.count("bulk2_create")).toBe(0);
  });
});

describe("Singer mode", () => {
  type Entry = {
    tap_stream_id: string;
    schema: { properties: Record<string, unknown> };
    metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }>;
  };

  it("offers both options and emits hard deletes with _ab_cdc_deleted_at, validated against its SCHEMA", async () => {
    const { runTap, singerLines, invalidSingerMessages } = await import("../helpers/singer.js");
    const { writeTempFiles } = await import("../helpers/cli.js");
    const about = JSON.parse((await runTap(["--about", "--format", "json"])).stdout) as {
      settings: { properties: Record<string, { type: string }> };
    };
    expect(about.settings.properties.formula_refresh!.type).toBe("string");
    expect(about.settings.properties.hard_deletes!.type).toBe("boolean");

    const config = baseConfig(fake, { hard_deletes: true, formula_refresh: "P7D", stream_slice_step: "P3650D" });
    const files = writeTempFiles({ "config.json": config });
    const discoveredRun = await runTap(["--config", files["config.json"]!, "--discover"]);
    const catalog = JSON.parse(discoveredRun.stdout) as { streams: Entry[] };
    catalog.streams = catalog.streams.filter((s) => s.tap_stream_id === "Gizmo__c");
    expect(catalog.streams[0]!.schema.properties._ab_cdc_deleted_at).toBeDefined();
    const marker = catalog.streams[0]!.metadata.find((m) => m.breadcrumb[1] === "_ab_cdc_deleted_at");
    expect(marker?.metadata.inclusion).toBe("automatic");
    // As Meltano's `select: [Gizmo__c.Name]` would: the stream and one field; automatic ones come too.
    for (const { breadcrumb, metadata } of catalog.streams[0]!.metadata)
      metadata.selected = breadcrumb.length === 0 || breadcrumb[1] === "Name";
    const sync = async (state?: unknown) => {
      const paths = writeTempFiles({ "config.json": config, "catalog.json": catalog, "state.json": state ?? {} });
      const args = ["--config", paths["config.json"]!, "--catalog", paths["catalog.json"]!];
      const run = await runTap(state === undefined ? args : [...args, "--state", paths["state.json"]!]);
      expect(run.code, run.stderr).toBe(0);
      const lines = singerLines(run);
      expect(invalidSingerMessages(lines)).toEqual([]);
      return lines;
    };
    const first = await sync();
    const schema = first.find((l) => l.type === "SCHEMA")!.schema as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties).sort()).toEqual(["Id", "Name", "SystemModstamp", "_ab_cdc_deleted_at"]);
    const lastState = first.filter((l) => l.type === "STATE").at(-1)!.value as {
      bookmarks: Record<string, Record<string, string>>;
    };
    const saved = Date.parse(lastState.bookmarks.Gizmo__c!.SystemModstamp!);
    const gone = liveIds(fake, "Gizmo__c").slice(0, 3);
    clock = saved - 120_000;
    fake.hardDelete("Gizmo__c", gone);
    clock = undefined;
    const second = await sync(lastState);
    const deleted = second
      .filter((l) => l.type === "RECORD")
      .map((l) => l.record as Record<string, unknown>)
      .filter((r) => r._ab_cdc_deleted_at != null);
    // The range since the state (minus lookback) also holds the deletions of the tests before.
    expect(deleted.map((r) => r.Id)).toEqual(expect.arrayContaining(gone));
    const live = new Set(liveIds(fake, "Gizmo__c"));
    expect(deleted.some((r) => live.has(r.Id as string))).toBe(false);
  });
});
