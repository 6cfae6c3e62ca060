// CompositeQueryBatcher against the fake Salesforce (real HTTP on loopback): first pages of queries
// asked together share Composite requests of at most 5 queries (the fake refuses 6, as Salesforce
// does), a failing subrequest is asked again alone and fails only its own query, and the pages after
// the first follow nextRecordsUrl.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { baseConfig, widgetObject } from "../helpers/read-fixtures.js";
import { parseConfig } from "../../src/config.js";
import { connect } from "../../src/salesforce/connect.js";
import type { SalesforceClient } from "../../src/salesforce/client.js";
import { SalesforceApiError } from "../../src/salesforce/api-error.js";
import { CompositeQueryBatcher, fitsInRestGet, nextPages } from "../../src/salesforce/composite-query.js";

const OBJECTS = ["A__c", "B__c", "C__c", "D__c", "E__c", "F__c", "G__c"];
let fake: FakeSalesforce;
let client: SalesforceClient;
const savedEnv = { ...process.env };

beforeAll(async () => {
  process.env.SOURCE_SALESFORCE_RETRY_BASE_MS = "10";
  fake = await startFakeSalesforce({
    extraObjects: [...OBJECTS.map((name, i) => widgetObject(10 + i, name)), widgetObject(4500, "Big__c")],
  });
  const config = parseConfig(baseConfig(fake));
  client = await connect(config, { warn: () => {}, info: () => {}, configChanged: async () => {} });
});
afterAll(async () => {
  process.env = savedEnv;
  await fake?.stop();
});
beforeEach(() => {
  fake.clearFaults();
  fake.resetCounts();
});

const soqlOf = (object: string): string => `SELECT Id, Name FROM ${object}`;

describe("CompositeQueryBatcher", () => {
  it("sends 7 queries asked together as 2 Composite requests (5 + 2), one API call each", async () => {
    const batcher = new CompositeQueryBatcher(client);
    const pages = await Promise.all(OBJECTS.map((object) => batcher.firstPage(soqlOf(object), "query")));
    expect(pages.map((p) => p.totalSize)).toEqual(OBJECTS.map((_, i) => 10 + i));
    expect(pages.every((p) => p.done && p.records.length === p.totalSize)).toBe(true);
    expect(fake.count("composite")).toBe(2);
    expect(fake.count("query")).toBe(0);
    expect(fake.apiCallsCounted).toBe(2);
  });

  it("carries other GET resources beside the queries: 5 queries and 3 resources in one call", async () => {
    const batcher = new CompositeQueryBatcher(client);
    const now = Date.now();
    const deleted = (object: string) =>
      `/sobjects/${object}/deleted/?start=${encodeURIComponent(new Date(now - 3_600_000).toISOString())}&end=${encodeURIComponent(new Date(now).toISOString())}`;
    const resources = OBJECTS.slice(0, 3).map((object) => batcher.resource(deleted(object)));
    const pages = OBJECTS.slice(0, 6).map((object) => batcher.firstPage(soqlOf(object), "query"));
    const bodies = (await Promise.all(resources)) as Array<{ deletedRecords: unknown[] }>;
    expect(bodies.every((b) => Array.isArray(b.deletedRecords))).toBe(true);
    expect((await Promise.all(pages)).map((p) => p.totalSize)).toEqual(OBJECTS.slice(0, 6).map((_, i) => 10 + i));
    // The first Composite holds the 3 resources and 5 queries; the 6th query goes alone.
    expect(fake.count("composite")).toBe(1);
    expect(fake.count("query")).toBe(1);
    expect(fake.count("get_deleted")).toBe(0);
    expect(fake.apiCallsCounted).toBe(2);
  });

  it("sends a query asked alone as a plain GET", async () => {
    const batcher = new CompositeQueryBatcher(client);
    const page = await batcher.firstPage(soqlOf("A__c"), "queryAll");
    expect(page.totalSize).toBe(10);
    expect(fake.count("composite")).toBe(0);
    expect(fake.count("query_all")).toBe(1);
  });

  it("asks a failing subrequest again alone; the others keep their Composite answers", async () => {
    fake.inject({ kind: "composite_subrequest", type: "http503", url: "B__c", times: 1 });
    const batcher = new CompositeQueryBatcher(client);
    const pages = await Promise.all(OBJECTS.slice(0, 5).map((o) => batcher.firstPage(soqlOf(o), "query")));
    expect(pages.map((p) => p.totalSize)).toEqual([10, 11, 12, 13, 14]);
    expect(fake.count("composite")).toBe(1);
    expect(fake.count("query")).toBe(1);
  });

  it("fails only the query Salesforce refuses", async () => {
    const batcher = new CompositeQueryBatcher(client);
    const outcomes = await Promise.allSettled([
      batcher.firstPage(soqlOf("A__c"), "query"),
      batcher.firstPage("SELECT Id, NoSuchField__c FROM B__c", "query"),
      batcher.firstPage(soqlOf("C__c"), "query"),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const reason = (outcomes[1] as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(SalesforceApiError);
    expect((reason as SalesforceApiError).errorCode).toBe("INVALID_FIELD");
  });

  it("follows nextRecordsUrl after a first page (2,000 records a page)", async () => {
    const batcher = new CompositeQueryBatcher(client);
    const [first] = await Promise.all([
      batcher.firstPage(soqlOf("Big__c"), "query"),
      batcher.firstPage(soqlOf("A__c"), "query"),
    ]);
    expect(first!.done).toBe(false);
    const ids = new Set(first!.records.map((r) => r.Id));
    for await (const page of nextPages(client, first!)) for (const r of page.records) ids.add(r.Id);
    expect(ids.size).toBe(4500);
    expect(fake.count("query_more")).toBe(2);
  });

  it("says whether a query fits in a REST GET (16,384 bytes of URI)", () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `Field_${i}__c`).join(", ");
    expect(fitsInRestGet(client, `SELECT ${fields(10)} FROM A__c`, "query")).toBe(true);
    expect(fitsInRestGet(client, `SELECT ${fields(2000)} FROM A__c`, "query")).toBe(false);
  });
});
