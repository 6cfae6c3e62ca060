// The Bulk API 1.0 retry ladder, driven in-process against the fake Salesforce (real HTTP on
// loopback): PK chunking Salesforce refuses -> one batch; a batch too big -> PK chunking -> the
// window halved, at most six times; a failed chunk -> its Id range run again as its own job.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { baseConfig, liveIds, widgetObject } from "../helpers/read-fixtures.js";
import { parseConfig } from "../../src/config.js";
import { ConnectorError } from "../../src/errors.js";
import { connect } from "../../src/salesforce/connect.js";
import { discover } from "../../src/catalog/discover.js";
import { planStreams, type StreamPlan } from "../../src/read/plan.js";
import { extractBulk1 } from "../../src/read/extract-bulk1.js";
import type { RecordSink } from "../../src/read/extractor.js";
import type { Window } from "../../src/util/datetime.js";

let fake: FakeSalesforce;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // Poll and retry in milliseconds, as the CLI tests do through the same variables.
  process.env.SOURCE_SALESFORCE_POLL_BASE_MS = "5";
  process.env.SOURCE_SALESFORCE_RETRY_BASE_MS = "10";
  fake = await startFakeSalesforce({
    extraObjects: [
      widgetObject(3000, "Chunky__c"),
      // Custom, so the connector asks for PK chunking; this org refuses it.
      { ...widgetObject(800, "Stubborn__c"), pkChunkingSupported: false },
      // Not custom and not on Salesforce's list: never PK-chunked.
      widgetObject(600, "Gadget"),
    ],
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await fake?.stop();
});

/** Every record, estimate and warning the extractor hands over. */
class CollectingSink implements RecordSink {
  readonly ids: string[] = [];
  readonly estimates: number[] = [];
  readonly warnings: string[] = [];
  readonly log = { warn: (message: string) => void this.warnings.push(message), info: () => {} };
  async records(dataJson: string[]): Promise<void> {
    for (const json of dataJson) this.ids.push((JSON.parse(json) as { Id: string }).Id);
  }
  async estimate(rows: number): Promise<void> {
    this.estimates.push(rows);
  }
}

async function run(object: string, bulk: Record<string, unknown>, window?: Window) {
  const config = parseConfig(
    baseConfig(fake, {
      bulk_api: { version: "1.0", ...bulk },
      streams_criteria: [{ criteria: "exacts", value: object }],
    }),
  );
  const sink = new CollectingSink();
  const client = await connect(config, { ...sink.log, configChanged: async () => {} });
  const catalog = await discover(client, config, sink.log.warn);
  const [plan] = (await planStreams(
    client,
    config,
    { streams: [{ stream: catalog.streams[0]!, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }] },
    sink.log.warn,
  )) as [StreamPlan];
  fake.resetCounts();
  let error: unknown;
  await extractBulk1(client, config, plan, window, sink).catch((caught: unknown) => (error = caught));
  const jobs = fake.requests.filter((r) => r.kind === "bulk1_create_job");
  return {
    sink,
    error,
    chunkHeaders: jobs.map((job) => job.headers["sforce-enable-pkchunking"]),
    batchQueries: fake.requests.filter((r) => r.kind === "bulk1_create_batch").map((r) => r.soql ?? ""),
  };
}

async function withFaults<T>(faults: Array<Parameters<FakeSalesforce["inject"]>[0]>, action: () => Promise<T>) {
  for (const fault of faults) fake.inject(fault);
  try {
    return await action();
  } finally {
    fake.clearFaults();
  }
}

const expectEachOnce = (ids: string[], object: string): void => {
  expect(new Set(ids).size, "no duplicates").toBe(ids.length);
  expect([...ids].sort()).toEqual(liveIds(fake, object).sort());
};

/** The [from, to) a batch's SOQL reads, as ISO strings. */
const windowOf = (soql: string): string[] => [...soql.matchAll(/SystemModstamp [<>]=? (\S+)/g)].map((m) => m[1]!);

const THREE_YEARS: Window = { from: new Date("2023-01-01T00:00:00Z"), to: new Date("2026-01-01T00:00:00Z") };

describe("Bulk 1.0 retry ladder", () => {
  it("PK chunking that Salesforce cannot do: the window runs again as one batch", async () => {
    const { sink, error, chunkHeaders } = await run("Stubborn__c", { chunk_size: 500 });
    expect(error).toBeUndefined();
    expect(chunkHeaders).toEqual(["chunkSize=500", undefined]);
    expect(sink.warnings.some((w) => /could not PK-chunk the query .*; running it as one batch/.test(w))).toBe(true);
    expectEachOnce(sink.ids, "Stubborn__c");
  });

  it("a batch too big for Salesforce runs again with PK chunking", async () => {
    const { sink, error, chunkHeaders } = await withFaults([{ kind: "bulk1_batch", type: "query_timeout" }], () =>
      run("Chunky__c", { pk_chunking: false, chunk_size: 1000 }),
    );
    expect(error).toBeUndefined();
    expect(chunkHeaders).toEqual([undefined, "chunkSize=1000"]);
    expect(
      sink.warnings.some((w) => /too big for Salesforce .*QUERY_TIMEOUT.*running it again with PK chunking/.test(w)),
    ).toBe(true);
    expectEachOnce(sink.ids, "Chunky__c");
  });

  it("too big where PK chunking is impossible: the window is read in two halves", async () => {
    const { sink, error, chunkHeaders, batchQueries } = await withFaults(
      [{ kind: "bulk1_batch", type: "query_timeout" }],
      () => run("Gadget", {}, THREE_YEARS),
    );
    expect(error).toBeUndefined();
    expect(chunkHeaders).toEqual([undefined, undefined, undefined]);
    const middle = "2024-07-02T00:00:00.000Z";
    expect(batchQueries.map(windowOf)).toEqual([
      ["2023-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"],
      ["2023-01-01T00:00:00.000Z", middle],
      [middle, "2026-01-01T00:00:00.000Z"],
    ]);
    expect(sink.warnings.filter((w) => /reading the window in two halves/.test(w))).toHaveLength(1);
    expectEachOnce(sink.ids, "Gadget");
  });

  it("halves at most six times, then fails the stream with Salesforce's message", async () => {
    const { sink, error, batchQueries } = await withFaults(
      [{ kind: "bulk1_batch", type: "query_timeout", times: Infinity }],
      () => run("Gadget", {}, THREE_YEARS),
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect((error as ConnectorError).message).toMatch(/could not run the Bulk 1\.0 query for Gadget: .*QUERY_TIMEOUT/);
    // The whole window, then each first half down to 1/64 of it; the failure stops the ladder there.
    expect(batchQueries).toHaveLength(7);
    const spans = batchQueries.map(windowOf).map(([from, to]) => Date.parse(to!) - Date.parse(from!));
    expect(spans.map((span) => Math.round(spans[0]! / span))).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(sink.warnings.filter((w) => /reading the window in two halves/.test(w))).toHaveLength(6);
    expect(sink.ids).toEqual([]);
  });

  it("a window shorter than two minutes is not halved", async () => {
    const short: Window = { from: new Date("2024-01-01T00:00:00Z"), to: new Date("2024-01-01T00:01:30Z") };
    const { error, batchQueries } = await withFaults(
      [{ kind: "bulk1_batch", type: "query_timeout", times: Infinity }],
      () => run("Gadget", {}, short),
    );
    expect((error as ConnectorError).message).toMatch(/QUERY_TIMEOUT/);
    expect(batchQueries).toHaveLength(1);
  });

  it("a failed chunk is run again by its Id range as a job of its own; nothing lost or doubled", async () => {
    const { sink, error, chunkHeaders, batchQueries } = await withFaults(
      [{ kind: "bulk1_batch", type: "batch_failed", after: 2 }],
      () => run("Chunky__c", { chunk_size: 500 }),
    );
    expect(error).toBeUndefined();
    expect(chunkHeaders).toEqual(["chunkSize=500", undefined]);
    expect(fake.count("bulk1_batch_request")).toBe(1);
    expect(batchQueries[1]).toMatch(/Id >= '.+' AND Id < '.+'/);
    expect(sink.warnings.some((w) => /chunk batch .* failed .*; running its Id range again/.test(w))).toBe(true);
    // Salesforce's count comes from the chunked job only, once.
    expect(sink.estimates).toHaveLength(1);
    expectEachOnce(sink.ids, "Chunky__c");
  });

  it("a chunk that fails again fails the stream with both of Salesforce's messages", async () => {
    const { error } = await withFaults(
      [
        { kind: "bulk1_batch", type: "batch_failed", after: 2, times: 1 },
        { kind: "bulk1_batch", type: "query_timeout", times: Infinity },
      ],
      () => run("Chunky__c", { chunk_size: 500 }),
    );
    expect((error as ConnectorError).message).toMatch(/Failed to write query result\.; again: .*QUERY_TIMEOUT/);
  });
});
