/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, V, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      { name: "Many__c", records: 4500 },
      { name: "Few__c", records: 30 },
    ],
  });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.clearFaults();
  fake.resetCounts();
});

const queryUrl = (soql: string, resource = "query"): string =>
  `/services/data/v${V}/${resource}?q=${encodeURIComponent(soql)}`;
const sub = (referenceId: string, url: string, extra: Record<string, unknown> = {}) => ({
  method: "GET",
  url,
  referenceId,
  ...extra,
});

async function composite(compositeRequest: unknown[], allOrNone?: boolean): Promise<{ status: number; body: any }> {
  const r = await a.post("/composite", { compositeRequest, ...(allOrNone === undefined ? {} : { allOrNone }) });
  return { status: r.status, body: await r.json() };
}

const byRef = (body: any): Record<string, any> =>
  Object.fromEntries(body.compositeResponse.map((x: { referenceId: string }) => [x.referenceId, x]));

describe("Composite query subrequests", () => {
  it("answer like REST query; nextRecordsUrl continues with a plain GET; Composite counts one call", async () => {
    const { status, body } = await composite([
      sub("many", queryUrl("SELECT Id, Name FROM Many__c ORDER BY Id")),
      sub("few", queryUrl("SELECT Id FROM Few__c")),
      sub("all", queryUrl("SELECT Id FROM Few__c", "queryAll")),
    ]);
    expect(status).toBe(200);
    const r = byRef(body);
    expect(r.many.httpStatusCode).toBe(200);
    expect(r.many.body.totalSize).toBe(4500);
    expect(r.many.body.done).toBe(false);
    expect(r.many.body.records).toHaveLength(2000);
    expect(r.many.body.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${V}/query/01g\\w{15}-2000$`));
    expect(r.few.body).toMatchObject({ totalSize: 30, done: true });
    expect(r.few.body.records).toHaveLength(30);
    expect(r.few.body.nextRecordsUrl).toBeUndefined();
    expect(r.all.body.totalSize).toBe(30);
    expect(fake.apiCallsCounted).toBe(1);

    const second = await a.json<any>(r.many.body.nextRecordsUrl);
    const third = await a.json<any>(second.nextRecordsUrl);
    expect(third.done).toBe(true);
    const ids = [...r.many.body.records, ...second.records, ...third.records].map((x: any) => x.Id);
    expect(new Set(ids).size).toBe(4500);
    expect(ids).toEqual([...ids].sort());
    expect(fake.count("query_more")).toBe(2);
    expect(fake.apiCallsCounted).toBe(3);
  });

  it("a subrequest's httpHeaders apply to it (Sforce-Query-Options batchSize)", async () => {
    const { body } = await composite([
      sub("small", queryUrl("SELECT Id FROM Many__c"), { httpHeaders: { "Sforce-Query-Options": "batchSize=500" } }),
      sub("default", queryUrl("SELECT Id FROM Many__c")),
    ]);
    const r = byRef(body);
    expect(r.small.body.records).toHaveLength(500);
    expect(r.small.body.nextRecordsUrl).toMatch(/-500$/);
    expect(r.default.body.records).toHaveLength(2000);
  });

  it("allows 5 query/queryAll subrequests among up to 25, and refuses a 6th with 400 LIMIT_EXCEEDED", async () => {
    const five = Array.from({ length: 5 }, (_, i) =>
      sub(`q${i}`, queryUrl("SELECT Id FROM Few__c", i % 2 ? "queryAll" : "query")),
    );
    const describes = Array.from({ length: 20 }, (_, i) =>
      sub(`d${i}`, `/services/data/v${V}/sobjects/Few__c/describe`),
    );
    const ok = await composite([...five, ...describes]);
    expect(ok.status).toBe(200);
    expect(ok.body.compositeResponse).toHaveLength(25);

    const six = await composite([...five, sub("q5", queryUrl("SELECT Id FROM Few__c"))]);
    expect(six.status).toBe(400);
    expect(six.body).toEqual([
      {
        errorCode: "LIMIT_EXCEEDED",
        message: "Exceeded max limit of query and sObject Collections subrequests : 5. Number of such subrequests : 6",
      },
    ]);
    // A query locator is the Query resource too.
    const withMore = await composite([...five, sub("more", `/services/data/v${V}/query/01g000000000000-2000`)]);
    expect(withMore.status).toBe(400);
    expect(fake.count("query")).toBe(0); // nothing ran
  });

  it("allOrNone false: a failing subrequest fails alone; allOrNone true halts the others", async () => {
    const request = [
      sub("good", queryUrl("SELECT Id FROM Few__c")),
      sub("bad", queryUrl("SELECT Nope__c FROM Few__c")),
      sub("also", queryUrl("SELECT Id FROM Many__c LIMIT 3")),
    ];
    const partial = byRef((await composite(request, false)).body);
    expect(partial.good.httpStatusCode).toBe(200);
    expect(partial.bad.httpStatusCode).toBe(400);
    expect(partial.bad.body[0].errorCode).toBe("INVALID_FIELD");
    expect(partial.also.body.records).toHaveLength(3);
    const halted = byRef((await composite(request, true)).body);
    expect(halted.good.httpStatusCode).toBe(400);
    expect(halted.good.body[0].errorCode).toBe("PROCESSING_HALTED");
  });
});

describe("composite_subrequest faults", () => {
  const three = (): unknown[] => [
    sub("a", queryUrl("SELECT Id FROM Few__c")),
    sub("b", queryUrl("SELECT Id FROM Many__c")),
    sub("c", `/services/data/v${V}/sobjects/Few__c/describe`),
  ];

  it("by url (substring or RegExp): only the matching subrequest fails, inside a 200 Composite response", async () => {
    fake.inject({ kind: "composite_subrequest", type: "http500", url: /FROM%20Many__c/ });
    fake.inject({ kind: "composite_subrequest", type: "http503", url: "sobjects/Few__c/describe" });
    const { status, body } = await composite(three());
    expect(status).toBe(200);
    const r = byRef(body);
    expect(r.a.httpStatusCode).toBe(200);
    expect(r.b.httpStatusCode).toBe(500);
    expect(r.b.body[0].errorCode).toBe("UNKNOWN_EXCEPTION");
    expect(r.c.httpStatusCode).toBe(503);
    // times defaults to 1.
    const again = byRef((await composite(three())).body);
    expect([again.a.httpStatusCode, again.b.httpStatusCode, again.c.httpStatusCode]).toEqual([200, 200, 200]);
    expect(fake.apiCallsCounted).toBe(2);
  });

  it("by index, with after/times, as MALFORMED_QUERY, QUERY_TIMEOUT or 503, with a custom message", async () => {
    fake.inject({ kind: "composite_subrequest", type: "malformed_query", index: 0, after: 1, times: 2 });
    const codes: Array<number> = [];
    for (let k = 0; k < 4; k++) codes.push(byRef((await composite(three())).body).a.httpStatusCode);
    expect(codes).toEqual([200, 400, 400, 200]);

    fake.inject({ kind: "composite_subrequest", type: "query_timeout", index: 1 });
    fake.inject({ kind: "composite_subrequest", type: "http503", index: 2, message: "Try later" });
    const r = byRef((await composite(three())).body);
    expect(r.b.body).toEqual([{ message: "Your query request was running for too long.", errorCode: "QUERY_TIMEOUT" }]);
    expect(r.c.httpStatusCode).toBe(503);
    expect(r.c.body).toEqual([{ message: "Try later", errorCode: "SERVER_UNAVAILABLE" }]);
  });

  it("top-level request faults do not reach subrequests; subrequest faults do not hit plain requests", async () => {
    fake.inject({ kind: "query", type: "http500", times: Infinity });
    const r = byRef((await composite(three())).body);
    expect(r.a.httpStatusCode).toBe(200);
    fake.clearFaults();
    fake.inject({ kind: "composite_subrequest", type: "http500" });
    expect((await a.get(queryUrl("SELECT Id FROM Few__c"))).status).toBe(200);
  });

  it("applies to Composite Batch subrequests too (each still counted)", async () => {
    fake.inject({ kind: "composite_subrequest", type: "http500", index: 1 });
    const res = await a.post("/composite/batch", {
      batchRequests: [
        { method: "GET", url: `v${V}/limits` },
        { method: "GET", url: `v${V}/sobjects/Few__c/describe` },
      ],
    });
    const body = (await res.json()) as any;
    expect(body.hasErrors).toBe(true);
    expect(body.results.map((x: { statusCode: number }) => x.statusCode)).toEqual([200, 500]);
    expect(fake.apiCallsCounted).toBe(2);
  });
});
