// Issue 15's modules one by one: the deleted-records client against the fake (real HTTP), the
// hard-delete records, the formula refresh decision, the child query.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { baseConfig, liveIds, widgetObject } from "../helpers/read-fixtures.js";
import { parseConfig } from "../../src/config.js";
import { connect } from "../../src/salesforce/connect.js";
import type { SalesforceClient } from "../../src/salesforce/client.js";
import { CompositeQueryBatcher } from "../../src/salesforce/composite-query.js";
import {
  DELETE_LOG_KEEPS_MS,
  deletedRecordsPath,
  deletedRecordsRange,
  deletedRecordsSubrequest,
  getDeletedRecords,
  parseDeletedRecords,
} from "../../src/salesforce/deleted-records.js";
import { emitHardDeletes, hardDeleteRecord } from "../../src/read/hard-deletes.js";
import {
  FULL_READ_KEY,
  formulaRefreshDue,
  planFullRead,
  REFRESH_PROGRESS_KEY,
} from "../../src/read/formula-refresh.js";
import { childStreamQuery } from "../../src/read/query.js";
import type { RecordSink } from "../../src/read/extractor.js";
import type { StreamCursor } from "../../src/read/state.js";

let fake: FakeSalesforce;
let client: SalesforceClient;
let clock: number | undefined;
const HOUR = 3_600_000;

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [widgetObject(100, "Gone__c")],
    deletedIdLimit: 30,
    now: () => (clock === undefined ? new Date() : new Date(clock++)),
  });
  const config = parseConfig(baseConfig(fake));
  client = await connect(config, { warn: () => {}, info: () => {}, configChanged: async () => {} });
});
afterAll(() => fake.stop());

class CollectingSink implements RecordSink {
  readonly rows: Array<Record<string, unknown>> = [];
  readonly warnings: string[] = [];
  readonly log = { warn: (message: string) => void this.warnings.push(message), info: () => {} };
  async records(dataJson: string[]): Promise<void> {
    for (const json of dataJson) this.rows.push(JSON.parse(json) as Record<string, unknown>);
  }
  async estimate(): Promise<void> {}
}

describe("deleted-records client", () => {
  it("clips a range to the 15 days Salesforce keeps and widens one under two minutes", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    const old = deletedRecordsRange({ from: new Date("2026-10-01T00:00:00Z"), to: now }, now);
    expect(old.clipped).toBe(true);
    expect(old.from.getTime()).toBe(now.getTime() - DELETE_LOG_KEEPS_MS);
    const short = deletedRecordsRange({ from: new Date(now.getTime() - 30_000), to: now }, now);
    expect(short).toEqual({ from: new Date(now.getTime() - 120_000), to: now, clipped: false });
  });

  it("reads soft and hard deletions; more than the Id limit is asked in halves", async () => {
    const ids = liveIds(fake, "Gone__c");
    // 40 deletions over 40 minutes, 2 hours ago: more than the fake's limit of 30 in one answer.
    for (let i = 0; i < 40; i++) {
      clock = Date.now() - 2 * HOUR + i * 60_000;
      if (i % 2 === 0) fake.delete("Gone__c", [ids[i]!]);
      else fake.hardDelete("Gone__c", [ids[i]!]);
    }
    clock = undefined;
    fake.resetCounts();
    const answer = await getDeletedRecords(client, "Gone__c", {
      from: new Date(Date.now() - 3 * HOUR),
      to: new Date(Date.now() - HOUR),
    });
    expect(answer.deleted.map((d) => d.id).sort()).toEqual(ids.slice(0, 40).sort());
    // Refused whole (EXCEEDED_ID_LIMIT), then halves until each answer fits.
    expect(fake.count("get_deleted")).toBeGreaterThanOrEqual(3);
    expect(answer.earliestDateAvailable!.getTime()).toBeLessThan(Date.now() - 14 * 24 * HOUR);
  });

  it("refuses an answer that is not the documented shape, naming the object", () => {
    expect(() => parseDeletedRecords("Gone__c", { records: [] })).toThrow(/deleted Gone__c/);
    expect(() => parseDeletedRecords("Gone__c", { deletedRecords: [{ id: "x" }] })).toThrow(/not \{id, deletedDate\}/);
  });

  it("builds a Composite subrequest the fake answers inside one API call", async () => {
    const sub = deletedRecordsSubrequest(
      client,
      "Gone__c",
      { from: new Date(Date.now() - 2 * HOUR - 5 * 60_000), to: new Date(Date.now() - 110 * 60_000) },
      "d",
    );
    fake.resetCounts();
    const response = await client.json<{ compositeResponse: Array<{ httpStatusCode: number; body: unknown }> }>(
      "/composite",
      { method: "POST", json: { compositeRequest: [sub] } },
    );
    expect(response.compositeResponse[0]!.httpStatusCode).toBe(200);
    expect(parseDeletedRecords("Gone__c", response.compositeResponse[0]!.body).deleted.length).toBeGreaterThan(0);
    expect(fake.apiCallsCounted).toBe(1);
  });
});

describe("hard-delete records", () => {
  it("are {Id, cursor: deletedDate, IsDeleted: true, _ab_cdc_deleted_at: deletedDate}", () => {
    const at = new Date("2026-11-30T10:00:00.000Z");
    expect(JSON.parse(hardDeleteRecord("LastModifiedDate", { id: "001000000000001AAA", deletedDate: at }))).toEqual({
      Id: "001000000000001AAA",
      LastModifiedDate: "2026-11-30T10:00:00.000Z",
      IsDeleted: true,
      _ab_cdc_deleted_at: "2026-11-30T10:00:00.000Z",
    });
  });

  it("through the Composite batcher, more than the Id limit still comes whole (asked in halves)", async () => {
    const sink = new CollectingSink();
    const batcher = new CompositeQueryBatcher(client);
    const emitted = await emitHardDeletes({
      client,
      stream: "Gone__c",
      object: "Gone__c",
      cursorField: "SystemModstamp",
      window: { from: new Date(Date.now() - 3 * HOUR), to: new Date(Date.now() - HOUR) },
      now: new Date(),
      sink,
      log: sink.log,
      fetch: async (range) =>
        parseDeletedRecords("Gone__c", await batcher.resource(deletedRecordsPath("Gone__c", range))),
    });
    expect(emitted).toBe(40); // the 40 deletions of the test above, over the fake's limit of 30
    expect(new Set(sink.rows.map((r) => r.Id)).size).toBe(40);
    expect(sink.warnings).toEqual([]);
  });

  it("an object the resource refuses is a WARN and no record, not a failed stream", async () => {
    const sink = new CollectingSink();
    const emitted = await emitHardDeletes({
      client,
      stream: "Nope__c",
      object: "Nope__c",
      cursorField: "SystemModstamp",
      window: { from: new Date(Date.now() - HOUR), to: new Date() },
      now: new Date(),
      sink,
      log: sink.log,
    });
    expect(emitted).toBe(0);
    expect(sink.warnings).toEqual([expect.stringMatching(/^Stream 'Nope__c': hard_deletes could not read/)]);
  });
});

describe("formula refresh decision", () => {
  const state = (raw: Record<string, unknown>): StreamCursor => ({
    cursorField: "SystemModstamp",
    cursor: new Date("2026-11-30T00:00:00Z"),
    raw,
  });
  const now = new Date("2026-12-01T00:00:00Z");
  const due = (formulaRefreshMs: number | undefined, raw: Record<string, unknown> | undefined, fields = ["F__c"]) =>
    formulaRefreshDue({ formulaRefreshMs, formulaFields: fields, state: raw && state(raw), syncStartedAt: now });

  it("is due once formula_refresh has passed since the last full read, or when the state does not say", () => {
    expect(due(24 * HOUR, { [FULL_READ_KEY]: "2026-11-30T00:00:00.000Z" })).toBe(true);
    expect(due(24 * HOUR, { [FULL_READ_KEY]: "2026-11-30T00:00:01.000Z" })).toBe(false);
    expect(due(24 * HOUR, {})).toBe(true);
    const future = { cursorField: "SystemModstamp", cursor: new Date("2099-01-01T00:00:00Z"), raw: {} };
    expect(
      formulaRefreshDue({ formulaRefreshMs: HOUR, formulaFields: ["F__c"], state: future, syncStartedAt: now }),
    ).toBe(false);
  });

  it("never without formula_refresh, formula fields or a state (a first sync reads in full anyway)", () => {
    expect(due(undefined, {})).toBe(false);
    expect(due(24 * HOUR, {}, [])).toBe(false);
    expect(due(24 * HOUR, undefined)).toBe(false);
  });

  const plan = (raw: Record<string, unknown> | undefined) =>
    planFullRead({
      formulaRefreshMs: 24 * HOUR,
      formulaFields: ["F__c"],
      state: raw && state(raw),
      syncStartedAt: now,
      startDate: new Date("2020-01-01T00:00:00Z"),
      lookbackMs: 600_000,
    });

  it("a due refresh reads from start_date; its pieces say how far it got, its end when it started", () => {
    const due = plan({ [FULL_READ_KEY]: "2026-11-01T00:00:00.000Z", other: 1 });
    expect(due.refresh).toBe(true);
    expect(due.rangeFrom).toEqual(new Date("2020-01-01T00:00:00Z"));
    const reached = new Date("2024-05-01T00:00:00Z");
    expect(due.keys!(reached, false)).toEqual({
      other: 1,
      [FULL_READ_KEY]: "2026-11-01T00:00:00.000Z",
      [REFRESH_PROGRESS_KEY]: "2024-05-01T00:00:00.000Z",
      formula_refresh_started_at: "2026-12-01T00:00:00.000Z",
    });
    expect(due.keys!(now, true)).toEqual({ other: 1, [FULL_READ_KEY]: "2026-12-01T00:00:00.000Z" });
  });

  it("an interrupted refresh resumes where it got to (minus lookback), keeping its first start", () => {
    const resumed = plan({
      [FULL_READ_KEY]: "2026-11-30T23:00:00.000Z", // recent, but a refresh is under way
      [REFRESH_PROGRESS_KEY]: "2024-05-01T00:00:00.000Z",
      formula_refresh_started_at: "2026-11-30T20:00:00.000Z",
    });
    expect(resumed.refresh).toBe(true);
    expect(resumed.rangeFrom).toEqual(new Date("2024-04-30T23:50:00Z"));
    expect(resumed.keys!(now, true)).toEqual({ [FULL_READ_KEY]: "2026-11-30T20:00:00.000Z" });
  });

  it("a first sync records its full read; an incremental sync keeps the input's keys; off: nothing", () => {
    const first = plan(undefined);
    expect(first.refresh).toBe(false);
    expect(first.rangeFrom).toBeUndefined();
    expect(first.keys!(now, true)).toEqual({ [FULL_READ_KEY]: "2026-12-01T00:00:00.000Z" });
    expect(plan({ [FULL_READ_KEY]: "2026-11-30T12:00:00.000Z" }).keys).toBeUndefined();
    const off = planFullRead({
      formulaRefreshMs: undefined,
      formulaFields: ["F__c"],
      state: state({}),
      syncStartedAt: now,
      startDate: new Date("2020-01-01T00:00:00Z"),
      lookbackMs: 0,
    });
    expect(off).toEqual({ refresh: false, rangeFrom: undefined, keys: undefined });
  });
});

describe("child query", () => {
  it("selects the children of a group of parent Ids, with both objects' filters", () => {
    const query = childStreamQuery("ContentDocumentLink", ["Id", "LinkedEntityId"], "ShareType = 'V'", {
      parent: "ContentDocument",
      field: "ContentDocumentId",
      parentFilter: "FileType = 'PDF'",
    });
    expect(query.parentIds()).toBe("SELECT Id FROM ContentDocument WHERE (FileType = 'PDF')");
    expect(query.children(["069000000000001AAA", "069000000000002"])).toBe(
      "SELECT Id, LinkedEntityId FROM ContentDocumentLink WHERE (ShareType = 'V') AND ContentDocumentId IN ('069000000000001AAA', '069000000000002')",
    );
    expect(() => query.children(["069' OR Id != '"])).toThrow(/not a record Id/);
  });
});
