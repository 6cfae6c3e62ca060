// `read` takes the configured catalogs and states Airbyte's platform and its acceptance tests (CAT)
// send: pydantic writes every optional field, unset ones as null, and models carry unknown extra
// keys. What is wrong is still refused. Full-refresh streams end with one STATE marking them
// complete, and time values come out as times without zone, from Bulk and REST alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { traceErrors } from "../helpers/cli.js";
import {
  baseConfig,
  configuredCatalog,
  readOnce,
  records,
  states,
  widgetObject,
  expectRefusedBeforeAnyJob,
  liveIds,
} from "../helpers/read-fixtures.js";

let fake: FakeSalesforce;

/** Widget__c with a time field, once through Bulk and once (NoBulkTime__c) through REST only. */
const withTime = (name: string) => {
  const spec = widgetObject(30, name);
  return { ...spec, fields: [...(spec.fields ?? []), { name: "Starts__c", type: "time" as const }] };
};

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [withTime("Widget__c"), { ...withTime("NoBulkTime__c"), bulkSupported: false }],
  });
});
afterAll(() => fake.stop());

type Catalog = { streams: Array<Record<string, unknown> & { stream: Record<string, unknown> }> };

/** The catalog as CAT's ConfiguredAirbyteCatalog.json() writes it: every unset optional field null, plus extra keys. */
function asPydanticWritesIt(catalog: Catalog): Catalog {
  return {
    streams: catalog.streams.map(({ stream, ...configured }) => ({
      stream: {
        namespace: null,
        source_defined_cursor: null,
        default_cursor_field: null,
        source_defined_primary_key: null,
        is_resumable: null,
        is_file_based: null,
        ...stream,
        future_stream_field: { anything: 1 },
      },
      cursor_field: null,
      destination_object_name: null,
      primary_key: null,
      generation_id: null,
      minimum_generation_id: null,
      sync_id: null,
      include_files: null,
      ...configured,
      future_configured_field: "x",
    })),
    future_catalog_field: [],
  } as Catalog;
}

describe("catalogs as Airbyte writes them", () => {
  it("reads a catalog whose unset optional fields are null and that carries unknown keys", async () => {
    const config = baseConfig(fake);
    const catalog = asPydanticWritesIt(
      (await configuredCatalog(config, { Widget__c: "incremental", NoBulkTime__c: "full_refresh" })) as Catalog,
    );
    // cursor_field null on an incremental stream: the stream's default cursor applies.
    catalog.streams[0]!.cursor_field = null;
    const run = await readOnce(config, catalog);
    expect(traceErrors(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(records(run, "Widget__c").length).toBe(liveIds(fake, "Widget__c").length);
    expect(records(run, "NoBulkTime__c").length).toBe(liveIds(fake, "NoBulkTime__c").length);
    expect(states(run).some((s) => s.stream.stream_state.SystemModstamp !== undefined)).toBe(true);
  });

  async function expectRefused(
    mutate: (stream: Record<string, unknown> & { stream: Record<string, unknown> }) => void,
    pattern: RegExp,
  ) {
    const config = baseConfig(fake);
    const catalog = asPydanticWritesIt((await configuredCatalog(config, { Widget__c: "full_refresh" })) as Catalog);
    mutate(catalog.streams[0]!);
    fake.resetCounts();
    const run = await readOnce(config, catalog);
    expectRefusedBeforeAnyJob(fake, run, pattern);
  }

  it("still refuses a null stream name", () =>
    expectRefused(
      (s) => (s.stream.name = null),
      /configured catalog is not valid: streams\.0\.stream\.name: must be string/,
    ));

  it("still refuses a null sync_mode", () =>
    expectRefused((s) => (s.sync_mode = null), /configured catalog is not valid: streams\.0\.sync_mode/));

  it("still refuses the invalid stream CAT's test_airbyte_trace_message_on_failure sends", () =>
    expectRefused((s) => {
      s.stream = {
        name: "__AIRBYTE__stream_that_does_not_exist",
        json_schema: { type: "object", properties: { f1: { type: "string" } } },
        supported_sync_modes: ["full_refresh"],
        namespace: null,
      };
      s.sync_mode = "INVALID";
      s.destination_sync_mode = "INVALID";
    }, /configured catalog is not valid: streams\.0\.sync_mode: must be equal to one of the allowed values/));
});

describe("states as Airbyte writes them", () => {
  it("resumes from a STREAM state with null optional fields and unknown keys", async () => {
    const config = baseConfig(fake);
    const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
    const all = records(await readOnce(config, catalog), "Widget__c");
    const cutoff = all.map((r) => r.SystemModstamp as string).sort()[Math.floor(all.length / 2)]!;
    const state = [
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "Widget__c", namespace: null }, stream_state: { SystemModstamp: cutoff } },
        global: null,
        data: null,
        sourceStats: null,
        destinationStats: null,
        future_state_field: 1,
      },
    ];
    const run = await readOnce(config, catalog, state);
    expect(traceErrors(run)).toEqual([]);
    const rows = records(run, "Widget__c");
    const floor = Date.parse(cutoff) - 10 * 60_000; // the default lookback_window
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(all.length);
    for (const row of rows) expect(Date.parse(row.SystemModstamp as string)).toBeGreaterThanOrEqual(floor);
  });
});

describe("full refresh ends with a STATE", () => {
  it("marks the stream complete, and a read given that STATE reads everything again", async () => {
    const config = baseConfig(fake);
    const catalog = await configuredCatalog(config, { Widget__c: "full_refresh" });
    const first = await readOnce(config, catalog);
    const rows = records(first, "Widget__c");
    expect(states(first)).toEqual([
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "Widget__c" }, stream_state: { __ab_no_cursor_state_message: true } },
        sourceStats: { recordCount: rows.length },
      },
    ]);
    const again = await readOnce(config, catalog, states(first));
    expect(traceErrors(again)).toEqual([]);
    expect(records(again, "Widget__c").length).toBe(rows.length);
  });

  it.each(["__ab_no_cursor_state_message", "__ab_full_refresh_sync_complete"])(
    "an incremental stream given a completed full refresh's state {%s: true} reads from the start date",
    async (marker) => {
      const config = baseConfig(fake);
      const catalog = await configuredCatalog(config, { Widget__c: "incremental" });
      const state = [
        { type: "STREAM", stream: { stream_descriptor: { name: "Widget__c" }, stream_state: { [marker]: true } } },
      ];
      const run = await readOnce(config, catalog, state);
      expect(traceErrors(run)).toEqual([]);
      expect(records(run, "Widget__c").length).toBe(liveIds(fake, "Widget__c").length);
    },
  );
});

describe("time values", () => {
  it("are times without zone (HH:mm:ss, .sss only for real milliseconds), from Bulk and REST alike", async () => {
    const config = baseConfig(fake);
    const catalog = await configuredCatalog(config, { Widget__c: "full_refresh", NoBulkTime__c: "full_refresh" });
    const run = await readOnce(config, catalog);
    expect(traceErrors(run)).toEqual([]);
    for (const object of ["Widget__c", "NoBulkTime__c"]) {
      // The fake serves Salesforce's form, HH:mm:ss.SSSZ.
      const stored = new Map([...fake.records(object)].map((r) => [r.Id, r.Starts__c]));
      expect(
        [...stored.values()]
          .filter((v) => typeof v === "string")
          .every((v) => /^\d\d:\d\d:\d\d\.\d{3}Z$/.test(v as string)),
      ).toBe(true);
      const rows = records(run, object);
      expect(rows.filter((r) => r.Starts__c !== null).length, object).toBeGreaterThan(0);
      for (const row of rows) {
        const source = stored.get(row.Id) as string | null;
        expect(row.Starts__c, object).toBe(source === null ? null : source.replace(/\.000Z$|Z$/, ""));
      }
    }
  });
});
