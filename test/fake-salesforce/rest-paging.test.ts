/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
// What REST paging faults look like, for the engine's "faults on REST paths lose nothing" tests:
// ties on the cursor across a page boundary, token expiry mid-paging, 5xx on query and queryMore,
// and the daily quota running out between pages.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildTiedStampsObject, startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, login, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
const ordered = "SELECT Id, SystemModstamp FROM Tied__c ORDER BY SystemModstamp, Id";
const q = (soql: string): string => `/query?q=${encodeURIComponent(soql)}`;

beforeAll(async () => {
  fake = await startFakeSalesforce({ extraObjects: [buildTiedStampsObject()] });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(async () => {
  fake.clearFaults();
  fake.resetCounts();
  a = await api(fake);
});

describe("REST paging", () => {
  it("tied SystemModstamps straddle the first 2,000-row page; ORDER BY SystemModstamp, Id pages them in Id order", async () => {
    const first = await a.json<any>(q(ordered));
    const second = await a.json<any>(first.nextRecordsUrl);
    expect(first.totalSize).toBe(2500);
    const last = first.records.at(-1);
    const tiedOnPage2 = second.records.filter((r: any) => r.SystemModstamp === last.SystemModstamp);
    expect(first.records.filter((r: any) => r.SystemModstamp === last.SystemModstamp)).toHaveLength(10);
    expect(tiedOnPage2).toHaveLength(11);
    const ids = [...first.records, ...second.records].map((r: any) => r.Id);
    expect(ids).toEqual([...ids].sort());
    // Resuming with "> last cursor" would lose the 11; ">= last cursor" re-reads 10 and loses none.
    const strict = await a.json<any>(
      q(`SELECT Id FROM Tied__c WHERE SystemModstamp > ${last.SystemModstamp.replace("+0000", "Z")}`),
    );
    expect(strict.totalSize).toBe(500 - 11);
  });

  it("token expiry mid-paging: queryMore answers 401; after a new login the same locator continues", async () => {
    const first = await a.json<any>(q(ordered));
    fake.expireSessions();
    const expired = await a.get(first.nextRecordsUrl);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as any)[0].errorCode).toBe("INVALID_SESSION_ID");
    const b = await api(fake, await login(fake));
    const second = await b.json<any>(first.nextRecordsUrl);
    expect(second.done).toBe(true);
    expect(first.records.length + second.records.length).toBe(2500);
    // The same through an injected invalid_session on query_more.
    const again = await b.json<any>(q(ordered));
    fake.inject({ kind: "query_more", type: "invalid_session" });
    expect((await b.get(again.nextRecordsUrl)).status).toBe(401);
    const c = await api(fake, await login(fake));
    expect((await c.json<any>(again.nextRecordsUrl)).records).toHaveLength(500);
  });

  it("5xx on query and on queryMore; a retry of the same request (or locator) succeeds; faults are not counted", async () => {
    fake.inject({ kind: "query", type: "http500" });
    expect((await a.get(q(ordered))).status).toBe(500);
    const first = await a.json<any>(q(ordered));
    fake.inject({ kind: "query_more", type: "http503", times: 2 });
    expect((await a.get(first.nextRecordsUrl)).status).toBe(503);
    expect((await a.get(first.nextRecordsUrl)).status).toBe(503);
    expect((await a.json<any>(first.nextRecordsUrl)).records).toHaveLength(500);
    expect(fake.apiCallsCounted).toBe(2);
  });

  it("the daily quota running out between pages answers 403 REQUEST_LIMIT_EXCEEDED on queryMore", async () => {
    const small = await startFakeSalesforce({
      extraObjects: [buildTiedStampsObject({ rows: 4500 })],
      dailyApiMax: 102,
      dailyApiUsed: 100,
    });
    try {
      const b = await api(small);
      const first = await b.json<any>(q(ordered));
      const second = await b.json<any>(first.nextRecordsUrl);
      const refused = await b.get(second.nextRecordsUrl);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual([
        { message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" },
      ]);
      const limits = await fetch(`${small.url}/services/data/v62.0/limits`, {
        headers: { authorization: `Bearer ${b.token}` },
      });
      expect(limits.status).toBe(403);
    } finally {
      await small.stop();
    }
    // Or injected on one request kind (e.g. queryMore, or the Composite that carries the probes).
    fake.inject({ kind: "composite", type: "request_limit" });
    const refused = await a.post("/composite", {
      compositeRequest: [{ method: "GET", url: `/services/data/v62.0${q(ordered)}`, referenceId: "x" }],
    });
    expect(refused.status).toBe(403);
  });
});
