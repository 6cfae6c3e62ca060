import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeObjectSpec, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, runCli, traceErrors, writeTempFiles, type CliRun } from "../helpers/cli.js";
import { baseConfig, nextStateInput, readOnce, records, states } from "../helpers/read-fixtures.js";

/** Deals with a custom lookup to User, a lookup to Account (whose Owner is a User) and a polymorphic lookup. */
function dealObject(bulkSupported = true): FakeObjectSpec {
  return {
    name: "Deal__c",
    records: 1500,
    bulkSupported,
    fields: [
      { name: "Id", type: "id" },
      { name: "Name", type: "string" },
      { name: "Amount__c", type: "currency" },
      { name: "Sales_User__c", type: "reference", referenceTo: ["User"], relationshipName: "Sales_User__r" },
      { name: "Account__c", type: "reference", referenceTo: ["Account"], relationshipName: "Account__r" },
      {
        name: "Related__c",
        type: "reference",
        referenceTo: ["Account", "Contact"],
        relationshipName: "Related__r",
        polymorphicForeignKey: true,
      },
      { name: "IsDeleted", type: "boolean" },
      { name: "CreatedDate", type: "datetime" },
      { name: "LastModifiedDate", type: "datetime" },
      { name: "SystemModstamp", type: "datetime" },
    ],
  };
}

const DEALS =
  "SELECT Id, Name, Amount__c, Sales_User__r.Id, Sales_User__r.Name, Account__r.Owner.Name, Related__r.Name, SystemModstamp FROM Deal__c WHERE Amount__c > 100";
const SEED = "SELECT CreatedDate, Id, Sales_User__r.Id, Sales_User__r.Name FROM Deal__c";
const NO_CURSOR = "SELECT Id, Name FROM Deal__c ORDER BY Name LIMIT 50";

let bulkFake: FakeSalesforce;
let restFake: FakeSalesforce;

beforeAll(async () => {
  // Two orgs with the same generated data: one whose Bulk API serves Deal__c, one whose does not (REST).
  bulkFake = await startFakeSalesforce({ extraObjects: [dealObject(true)] });
  restFake = await startFakeSalesforce({ extraObjects: [dealObject(false)] });
});
afterAll(async () => {
  await bulkFake.stop();
  await restFake.stop();
});

const queryConfig = (fake: FakeSalesforce, extra: Record<string, unknown> = {}) =>
  baseConfig(fake, {
    query_streams: [
      { name: "deals", query: DEALS },
      { name: "seed_example", query: SEED },
      { name: "top_deals", query: NO_CURSOR },
    ],
    streams_criteria: [{ criteria: "exacts", value: "Deal__c" }],
    ...extra,
  });

interface Stream {
  name: string;
  json_schema: {
    properties: Record<
      string,
      { type: unknown; properties?: Record<string, { type: unknown; properties?: Record<string, unknown> }> }
    >;
  };
  supported_sync_modes: string[];
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
}

async function discover(config: unknown): Promise<{ run: CliRun; streams: Stream[] }> {
  const files = writeTempFiles({ "config.json": config });
  const run = await runCli(["discover", "--config", files["config.json"]!]);
  const streams = (ofType(run, "CATALOG")[0]?.catalog as { streams: Stream[] } | undefined)?.streams ?? [];
  return { run, streams };
}

function catalogFor(streams: Stream[], selection: Record<string, "full_refresh" | "incremental">) {
  return {
    streams: Object.entries(selection).map(([name, mode]) => ({
      stream: streams.find((s) => s.name === name)!,
      sync_mode: mode,
      destination_sync_mode: "append",
    })),
  };
}

describe("discover query streams", () => {
  it("types relationship paths of depth 1 and 2 and a polymorphic one through the parents' describes", async () => {
    const { run, streams } = await discover(queryConfig(bulkFake));
    expect(traceErrors(run)).toEqual([]);
    const deals = streams.find((s) => s.name === "deals")!;
    const props = deals.json_schema.properties;
    expect(Object.keys(props)).toEqual([
      "Id",
      "Name",
      "Amount__c",
      "Sales_User__r",
      "Account__r",
      "Related__r",
      "SystemModstamp",
    ]);
    expect(props.Amount__c!.type).toEqual(["null", "number"]);
    expect(props.Sales_User__r!.type).toEqual(["null", "object"]);
    expect(Object.keys(props.Sales_User__r!.properties!)).toEqual(["Id", "Name"]);
    expect(props.Account__r!.properties!.Owner!.properties!.Name).toEqual({ type: ["null", "string"] });
    expect(props.Related__r!.properties!.Name).toEqual({ type: ["null", "string"] });
    expect(deals.source_defined_primary_key).toEqual([["Id"]]);
    expect(deals.default_cursor_field).toEqual(["SystemModstamp"]);
    expect(deals.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
  });

  it("a seed-style query with CreatedDate is incremental on CreatedDate; one with LIMIT and no cursor is full refresh only", async () => {
    const { streams } = await discover(queryConfig(bulkFake));
    expect(streams.find((s) => s.name === "seed_example")!.default_cursor_field).toEqual(["CreatedDate"]);
    const top = streams.find((s) => s.name === "top_deals")!;
    expect(top.supported_sync_modes).toEqual(["full_refresh"]);
    expect(top.default_cursor_field).toBeUndefined();
  });

  it("a polymorphic field only some targets have is a string, with a warning saying why", async () => {
    const config = baseConfig(bulkFake, {
      query_streams: [{ name: "poly", query: "SELECT Id, Related__r.AnnualRevenue FROM Deal__c" }],
      streams_criteria: [{ criteria: "exacts", value: "Deal__c" }],
    });
    const { run, streams } = await discover(config);
    const poly = streams.find((s) => s.name === "poly")!;
    expect(poly.json_schema.properties.Related__r!.properties!.AnnualRevenue).toEqual({ type: ["null", "string"] });
    const warnings = ofType(run, "LOG").map((m) => (m.log as { message: string }).message);
    expect(
      warnings.some((w) =>
        /poly.*Related__r\.AnnualRevenue differs.*Account: currency.*Contact: absent.*typed as string/.test(w),
      ),
    ).toBe(true);
  });

  it("a misspelled parent field fails discover naming the stream and the path", async () => {
    const config = baseConfig(bulkFake, {
      query_streams: [{ name: "typo", query: "SELECT Id, Sales_User__r.Nmae FROM Deal__c" }],
    });
    const { run } = await discover(config);
    expect(run.code).toBe(1);
    const [error] = traceErrors(run);
    expect(error?.failure_type).toBe("config_error");
    expect(error?.message).toContain("query stream 'typo': Deal__c has no field Sales_User__r.Nmae");
  });

  it("a syntax error fails discover with the stream name and the position", async () => {
    const config = baseConfig(bulkFake, { query_streams: [{ name: "broken", query: "SELECT Id Name FROM Deal__c" }] });
    const { run } = await discover(config);
    const [error] = traceErrors(run);
    expect(error?.message).toMatch(/query stream 'broken'.*column 11/);
  });

  it("check names every bad query", async () => {
    const config = baseConfig(bulkFake, {
      query_streams: [
        { name: "good", query: SEED },
        { name: "agg", query: "SELECT COUNT(Id) FROM Deal__c" },
        { name: "typo", query: "SELECT Id, Nmae FROM Deal__c" },
      ],
    });
    const files = writeTempFiles({ "config.json": config });
    const run = await runCli(["check", "--config", files["config.json"]!]);
    const status = ofType(run, "CONNECTION_STATUS")[0]!.connectionStatus as { status: string; message: string };
    expect(status.status).toBe("FAILED");
    expect(status.message).toMatch(/query stream 'agg'.*COUNT/);
    expect(status.message).toMatch(/query stream 'typo': Deal__c has no field Nmae/);
    expect(status.message).not.toMatch(/'good'/);
  });
});

describe("read query streams", () => {
  async function readDeals(
    fake: FakeSalesforce,
    extra: Record<string, unknown>,
    mode: "full_refresh" | "incremental",
    state?: unknown,
  ) {
    // These compare the Bulk paths: bulk_threshold 0 reads everything Bulk can serve through Bulk.
    const config = queryConfig(fake, { bulk_threshold: 0, ...extra });
    const { streams } = await discover(config);
    return readOnce(config, catalogFor(streams, { deals: mode }), state);
  }

  const withoutEmittedAt = (run: CliRun) =>
    records(run, "deals").sort((a, b) => String(a.Id).localeCompare(String(b.Id)));

  it("Bulk 2.0 and REST produce identical records for the same data, nested parents included", async () => {
    const bulk = await readDeals(bulkFake, {}, "full_refresh");
    const rest = await readDeals(restFake, {}, "full_refresh");
    expect(traceErrors(bulk)).toEqual([]);
    expect(traceErrors(rest)).toEqual([]);
    expect(restFake.count("query")).toBeGreaterThan(0);
    const bulkRows = withoutEmittedAt(bulk);
    expect(bulkRows.length).toBeGreaterThan(100);
    expect(bulkRows.every((r) => (r.Amount__c as number) > 100)).toBe(true);
    expect(withoutEmittedAt(rest)).toEqual(bulkRows);
    const withOwner = bulkRows.find((r) => r.Account__r !== null) as
      { Account__r: { Owner: { Name: unknown } } } | undefined;
    expect(typeof withOwner?.Account__r.Owner.Name).toBe("string");
    expect(bulkRows.some((r) => r.Sales_User__r === null || typeof r.Sales_User__r === "object")).toBe(true);
  });

  it("Bulk 1.0 (PK-chunked) gives the same records as Bulk 2.0", async () => {
    const v2 = withoutEmittedAt(await readDeals(bulkFake, {}, "full_refresh"));
    bulkFake.resetCounts();
    const v1 = await readDeals(bulkFake, { bulk_api: { version: "1.0", chunk_size: 500 } }, "full_refresh");
    expect(traceErrors(v1)).toEqual([]);
    expect(bulkFake.requests.find((r) => r.kind === "bulk1_create_job")!.headers["sforce-enable-pkchunking"]).toBe(
      "chunkSize=500",
    );
    expect(withoutEmittedAt(v1)).toEqual(v2);
  });

  it("incremental reads through Bulk 2.0, Bulk 1.0 and REST give identical records and states", async () => {
    const options = { stream_slice_step: "P365D" };
    const v2 = await readDeals(bulkFake, options, "incremental");
    const v1 = await readDeals(bulkFake, { ...options, bulk_api: { version: "1.0", chunk_size: 500 } }, "incremental");
    const rest = await readDeals(restFake, options, "incremental");
    for (const run of [v2, v1, rest]) expect(traceErrors(run)).toEqual([]);
    expect(withoutEmittedAt(v1)).toEqual(withoutEmittedAt(v2));
    expect(withoutEmittedAt(rest)).toEqual(withoutEmittedAt(v2));
    // The same windows end in the same cursors (the last one depends on each run's start time).
    // Checkpoints of a Bulk job under way (`__resume`) depend on the API and are left out.
    const cursors = (run: CliRun) =>
      states(run)
        .filter((s) => !("__resume" in s.stream.stream_state))
        .slice(0, -1)
        .map((s) => s.stream.stream_state.SystemModstamp);
    expect(cursors(v1)).toEqual(cursors(v2));
    expect(cursors(rest)).toEqual(cursors(v2));
  });

  it("incremental: the window is AND-ed into the user's WHERE, state saved, the next sync resumes", async () => {
    bulkFake.resetCounts();
    const first = await readDeals(bulkFake, { stream_slice_step: "P365D" }, "incremental");
    expect(first.code).toBe(0);
    const soql = bulkFake.requests.filter((r) => r.kind === "bulk2_create").map((r) => r.soql!);
    expect(soql.length).toBeGreaterThan(1);
    for (const q of soql)
      expect(q).toMatch(/FROM Deal__c WHERE \(?Amount__c > 100\)? AND SystemModstamp >= \S+ AND SystemModstamp < \S+$/);
    const full = withoutEmittedAt(await readDeals(bulkFake, {}, "full_refresh"));
    expect(withoutEmittedAt(first)).toEqual(full);
    expect(states(first).length).toBeGreaterThan(1);

    const second = await readDeals(bulkFake, {}, "incremental", nextStateInput(first));
    expect(second.code).toBe(0);
    expect(records(second, "deals")).toEqual([]);
  });

  it("source_action query_all runs the query stream with queryAll", async () => {
    bulkFake.resetCounts();
    const run = await readDeals(bulkFake, { source_action: "query_all" }, "full_refresh");
    expect(run.code).toBe(0);
    const create = bulkFake.requests.find((r) => r.kind === "bulk2_create")!;
    expect(JSON.parse(create.body).operation).toBe("queryAll");
  });

  it("incremental on a query stream without a cursor is a config_error", async () => {
    const config = queryConfig(bulkFake);
    const { streams } = await discover(config);
    const catalog = catalogFor(streams, { top_deals: "full_refresh" });
    (catalog.streams[0]!.stream as { supported_sync_modes: string[] }).supported_sync_modes = [
      "full_refresh",
      "incremental",
    ];
    catalog.streams[0]!.sync_mode = "incremental";
    const run = await readOnce(config, catalog);
    const [error] = traceErrors(run);
    expect(error?.failure_type).toBe("config_error");
    expect(error?.message).toMatch(/Query stream 'top_deals' selects no SystemModstamp/);
  });
});
