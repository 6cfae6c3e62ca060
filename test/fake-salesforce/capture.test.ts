/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
// What a SystemModstamp cursor misses (issue 15): formula fields, the deleted-records resource,
// ContentDocumentLink's mandatory filter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildContentDocuments, buildFormulaObject, startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, V, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
/** Timestamps the fake gives mutations; undefined = real time. */
let clock: number | undefined;
beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      buildFormulaObject({ rows: 20 }),
      ...buildContentDocuments({ documents: 500 }),
      { name: "Old__c", records: 5 },
    ],
    now: () => (clock === undefined ? new Date() : new Date(clock++)),
  });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});

const q = (soql: string, all = false): Promise<Response> =>
  a.get(`/${all ? "queryAll" : "query"}?q=${encodeURIComponent(soql)}`);
const j = (r: Response): Promise<any> => r.json() as Promise<any>;
const iso = (ms: number): string => new Date(ms).toISOString();
const deleted = (object: string, start: number, end: number): Promise<Response> =>
  a.get(`/sobjects/${object}/deleted/?start=${encodeURIComponent(iso(start))}&end=${encodeURIComponent(iso(end))}`);

describe("formula fields", () => {
  it("are calculated: true with their formula in describe", async () => {
    const describe = await a.json(`/sobjects/Deal__c/describe`);
    const byName = Object.fromEntries(describe.fields.map((f: any) => [f.name, f]));
    expect(byName.Discounted__c).toMatchObject({ calculated: true, calculatedFormula: expect.stringContaining("*") });
    expect(byName.Amount__c).toMatchObject({ calculated: false, calculatedFormula: null });
  });

  it("take new values without moving SystemModstamp", async () => {
    const [before] = [...fake.records("Deal__c")];
    fake.recalculate("Deal__c", [before!.Id as string], { Discounted__c: 1.5 });
    const page = await j(
      await q(`SELECT Id, Discounted__c, SystemModstamp FROM Deal__c WHERE Id = '${String(before!.Id)}'`),
    );
    expect(page.records[0].Discounted__c).toBe(1.5);
    expect(Date.parse(page.records[0].SystemModstamp.replace("+0000", "Z"))).toBe(
      Date.parse(String(before!.SystemModstamp)),
    );
    expect(() => fake.recalculate("Deal__c", [before!.Id as string], { Amount__c: 1 })).toThrow(/not a formula field/);
  });
});

describe("deleted records resource", () => {
  it("lists soft and hard deletes with their dates; hard deletes are gone from queryAll", async () => {
    const ids = [...fake.records("Deal__c")].map((r) => r.Id as string);
    // Deleted five minutes ago: the resource covers whole minutes up to the current one.
    const before = Date.now() - 300_000;
    clock = before;
    fake.delete("Deal__c", ids.slice(0, 2));
    fake.hardDelete("Deal__c", ids.slice(2, 4));
    fake.hardDelete("Deal__c", ids.slice(0, 1)); // the recycle bin emptied for one soft delete
    clock = undefined;
    const all = await j(await q("SELECT Id, IsDeleted FROM Deal__c", true));
    const seen = new Map(all.records.map((r: any) => [r.Id, r.IsDeleted]));
    expect(seen.has(ids[0])).toBe(false);
    expect(seen.get(ids[1])).toBe(true);
    expect(seen.has(ids[2]) || seen.has(ids[3])).toBe(false);
    expect([...fake.records("Deal__c")].map((r) => r.Id)).not.toContain(ids[2]);

    const r = await deleted("Deal__c", before - 120_000, Date.now() + 120_000);
    expect(r.status).toBe(200);
    const body = await j(r);
    expect(body.deletedRecords.map((d: any) => d.id).sort()).toEqual(ids.slice(0, 4).sort());
    for (const d of body.deletedRecords) {
      expect(d.deletedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
      expect(Date.parse(d.deletedDate.replace("+0000", "Z"))).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    }
    // 15 days kept; latestDateCovered is at most end (and now), to the minute.
    expect(Date.parse(body.earliestDateAvailable.replace("+0000", "Z"))).toBeGreaterThan(
      Date.now() - 15 * 86_400_000 - 120_000,
    );
    expect(Date.parse(body.latestDateCovered.replace("+0000", "Z"))).toBeLessThanOrEqual(Date.now());
    // A range that ended before the deletions lists none of them; deletions this minute are not covered yet.
    const earlier = await j(await deleted("Deal__c", before - 3_600_000, before - 120_000));
    expect(earlier.deletedRecords).toEqual([]);
    fake.delete("Deal__c", ids.slice(5, 6));
    const current = await j(await deleted("Deal__c", before - 120_000, Date.now() + 120_000));
    expect(current.deletedRecords.map((d: any) => d.id)).not.toContain(ids[5]);
  });

  it("keeps 15 days: an older deletion is not listed, and earliestDateAvailable says where the log begins", async () => {
    // Old__c has no mutation before: stamps rise per object, so these dates hold.
    const [oldest, recent] = [...fake.records("Old__c")].map((r) => r.Id as string);
    const day = 86_400_000;
    clock = Date.now() - 20 * day;
    fake.hardDelete("Old__c", [oldest!]);
    clock = Date.now() - 10 * day;
    fake.hardDelete("Old__c", [recent!]);
    clock = undefined;
    const body = await j(await deleted("Old__c", Date.now() - 21 * day, Date.now()));
    expect(body.deletedRecords.map((d: any) => d.id)).toEqual([recent]);
    const earliest = Date.parse(body.earliestDateAvailable.replace("+0000", "Z"));
    expect(Math.abs(earliest - (Date.now() - 15 * day))).toBeLessThan(120_000);
  });

  it("refuses a range of a minute or less, a missing bound and unknown objects", async () => {
    const now = Date.now();
    const short = await deleted("Deal__c", now - 30_000, now);
    expect(short.status).toBe(400);
    expect((await j(short))[0].errorCode).toBe("INVALID_REPLICATION_DATE");
    const missing = await a.get(`/sobjects/Deal__c/deleted/?start=${encodeURIComponent(iso(now - 3_600_000))}`);
    expect(missing.status).toBe(400);
    expect((await deleted("Nope__c", now - 3_600_000, now)).status).toBe(404);
  });

  it("is a Composite subrequest (one API call with a query beside it)", async () => {
    fake.resetCounts();
    const now = Date.now();
    const r = await a.post("/composite", {
      compositeRequest: [
        {
          method: "GET",
          referenceId: "deleted",
          url: `/services/data/v${V}/sobjects/Deal__c/deleted/?start=${encodeURIComponent(iso(now - 3_600_000))}&end=${encodeURIComponent(iso(now + 60_000))}`,
        },
        {
          method: "GET",
          referenceId: "q",
          url: `/services/data/v${V}/query?q=${encodeURIComponent("SELECT Id FROM Deal__c")}`,
        },
      ],
    });
    const body = await j(r);
    expect(body.compositeResponse[0].httpStatusCode).toBe(200);
    expect(body.compositeResponse[0].body.deletedRecords.length).toBe(4);
    expect(fake.apiCallsCounted).toBe(1);
  });
});

describe("ContentDocumentLink", () => {
  it("refuses a query without a filter on ContentDocumentId or LinkedEntityId, with Salesforce's text", async () => {
    const r = await q("SELECT Id FROM ContentDocumentLink");
    expect(r.status).toBe(400);
    const [error] = await j(r);
    expect(error.errorCode).toBe("MALFORMED_QUERY");
    expect(error.message).toContain(
      "ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId",
    );
  });

  it("answers IN (...) on ContentDocumentId: 500 documents, 2 links each", async () => {
    const documents = [...fake.records("ContentDocument")].map((r) => r.Id as string);
    expect(documents).toHaveLength(500);
    const list = documents
      .slice(0, 200)
      .map((id) => `'${id}'`)
      .join(", ");
    const page = await j(
      await q(
        `SELECT Id, ContentDocumentId, LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId IN (${list})`,
      ),
    );
    expect(page.totalSize).toBe(400);
    expect(new Set(page.records.map((r: any) => r.ContentDocumentId)).size).toBe(200);
  });
});
