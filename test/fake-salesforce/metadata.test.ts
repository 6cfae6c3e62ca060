/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ALL_FIELD_TYPES, buildOrgWithObjects, startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { referenceDir } from "./reference.js";
import { api, V, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      { name: "Broken__c", describeFails: true, records: 1 },
      { name: "Hidden__c", globalAttributes: { queryable: false, retrieveable: false }, records: 1 },
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

describe("describeGlobal and describe", () => {
  it("lists every object in the real describeGlobal shape", async () => {
    const g = await a.json(`/sobjects`);
    expect(g.encoding).toBe("UTF-8");
    expect(g.maxBatchSize).toBe(200);
    const names = g.sobjects.map((s: { name: string }) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "Account",
        "Contact",
        "Custom__c",
        "User",
        "AllTypes__c",
        "AccountChangeEvent",
        "ContentDocumentLink",
        "IdeaComment",
        "Broken__c",
      ]),
    );
    const account = g.sobjects.find((s: { name: string }) => s.name === "Account");
    expect(Object.keys(account)).toHaveLength(28);
    expect(account.keyPrefix).toBe("001");
    expect(account.urls.describe).toBe(`/services/data/v${V}/sobjects/Account/describe`);
    const hidden = g.sobjects.find((s: { name: string }) => s.name === "Hidden__c");
    expect(hidden.queryable).toBe(false);
    const change = g.sobjects.find((s: { name: string }) => s.name === "AccountChangeEvent");
    expect(change.queryable).toBe(false);
    expect(fake.count("describe_global")).toBe(1);
  });

  it("uses the reference describes when the folder is present", async () => {
    const d = await a.json(`/sobjects/Account/describe`);
    if (existsSync(path.join(referenceDir, "account_describe.json"))) expect(d.fields).toHaveLength(68);
    expect(d.name).toBe("Account");
    expect(d.urls.describe).toBe(`/services/data/v${V}/sobjects/Account/describe`);
    const billing = d.fields.find((f: { name: string }) => f.name === "BillingAddress");
    expect(billing.type).toBe("address");
  });

  it("AllTypes__c has one field of every Partner WSDL type", async () => {
    const d = await a.json(`/sobjects/AllTypes__c/describe`);
    const types = new Set(d.fields.map((f: { type: string }) => f.type));
    for (const t of ALL_FIELD_TYPES) expect(types.has(t), t).toBe(true);
    const f = d.fields[0];
    expect(Object.keys(f).length).toBeGreaterThanOrEqual(50);
  });

  it("cursor-field variants exist", async () => {
    const names = async (o: string): Promise<string[]> =>
      (await a.json(`/sobjects/${o}/describe`)).fields.map((f: { name: string }) => f.name);
    const legacy = await names("Legacy_Record__c");
    expect(legacy).toContain("LastModifiedDate");
    expect(legacy).not.toContain("SystemModstamp");
    const history = await names("AccountHistory");
    expect(history).toContain("CreatedDate");
    expect(history).not.toContain("LastModifiedDate");
    expect(history).not.toContain("SystemModstamp");
  });

  it("unknown object -> 404 NOT_FOUND; failing describe -> 500", async () => {
    const r = await a.get(`/sobjects/Nope__c/describe`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual([{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    const b = await a.get(`/sobjects/Broken__c/describe`);
    expect(b.status).toBe(500);
    expect(((await b.json()) as any)[0].errorCode).toBe("UNKNOWN_EXCEPTION");
  });

  it("unknown path -> 404 and wrong method -> 405", async () => {
    const r = await a.get(`/nothing/here`);
    expect(r.status).toBe(404);
    const m = await a.del(`/sobjects`);
    expect(m.status).toBe(405);
  });
});

describe("composite", () => {
  it("runs describe, limits and query subrequests; one failure does not fail the others", async () => {
    const r = await a.post(`/composite`, {
      compositeRequest: [
        { method: "GET", url: `/services/data/v${V}/sobjects/Account/describe`, referenceId: "acc" },
        { method: "GET", url: `/services/data/v${V}/sobjects/Broken__c/describe`, referenceId: "broken" },
        { method: "GET", url: `/services/data/v${V}/limits`, referenceId: "lim" },
        { method: "GET", url: `/services/data/v${V}/query?q=SELECT+Id+FROM+Account+LIMIT+2`, referenceId: "q" },
        { method: "GET", url: `/services/data/v${V}/sobjects/Nope/describe`, referenceId: "nope" },
      ],
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as any;
    const by = Object.fromEntries(body.compositeResponse.map((x: { referenceId: string }) => [x.referenceId, x]));
    expect(by.acc.httpStatusCode).toBe(200);
    expect(by.acc.body.name).toBe("Account");
    expect(by.acc.httpHeaders).toEqual({});
    expect(by.broken.httpStatusCode).toBe(500);
    expect(by.broken.body[0].errorCode).toBe("UNKNOWN_EXCEPTION");
    expect(by.lim.body.DailyApiRequests.Max).toBe(100000);
    expect(by.q.body.records).toHaveLength(2);
    expect(by.nope.httpStatusCode).toBe(404);
    expect(fake.apiCallsCounted).toBe(1);
    expect(fake.count("composite")).toBe(1);
  });

  it("allOrNone halts the others when one fails", async () => {
    const r = await a.post(`/composite`, {
      allOrNone: true,
      compositeRequest: [
        { method: "GET", url: `/services/data/v${V}/sobjects/Account/describe`, referenceId: "a" },
        { method: "GET", url: `/services/data/v${V}/sobjects/Broken__c/describe`, referenceId: "b" },
      ],
    });
    const body = (await r.json()) as any;
    expect(body.compositeResponse[0].httpStatusCode).toBe(400);
    expect(body.compositeResponse[0].body[0].errorCode).toBe("PROCESSING_HALTED");
    expect(body.compositeResponse[1].httpStatusCode).toBe(500);
  });

  it("rejects more than 25 subrequests", async () => {
    const compositeRequest = Array.from({ length: 26 }, (_, i) => ({
      method: "GET",
      url: `/services/data/v${V}/limits`,
      referenceId: `r${i}`,
    }));
    const r = await a.post(`/composite`, { compositeRequest });
    expect(r.status).toBe(400);
    const body = (await r.json()) as any;
    expect(Array.isArray(body)).toBe(true);
    expect(body[0].errorCode).toBeTruthy();
    const ok = await a.post(`/composite`, { compositeRequest: compositeRequest.slice(0, 25) });
    expect(ok.status).toBe(200);
  });

  it("composite batch counts each subrequest", async () => {
    const r = await a.post(`/composite/batch`, {
      batchRequests: [
        { method: "GET", url: `v${V}/sobjects/Account/describe` },
        { method: "GET", url: `v${V}/sobjects/Contact/describe` },
        { method: "GET", url: `v${V}/sobjects/Broken__c/describe` },
      ],
    });
    const body = (await r.json()) as any;
    expect(body.hasErrors).toBe(true);
    expect(body.results.map((x: { statusCode: number }) => x.statusCode)).toEqual([200, 200, 500]);
    expect(fake.apiCallsCounted).toBe(3);
    expect(fake.count("composite_batch")).toBe(1);
  });

  it("300-object org: describes via composite cost ceil(300/25) calls", async () => {
    const big = await startFakeSalesforce({ objects: buildOrgWithObjects(300) });
    try {
      const b = await api(big);
      const g = await b.json(`/sobjects`);
      expect(g.sobjects).toHaveLength(300);
      const names: string[] = g.sobjects.map((s: { name: string }) => s.name);
      for (let i = 0; i < names.length; i += 25) {
        const res = await b.post(`/composite`, {
          compositeRequest: names
            .slice(i, i + 25)
            .map((n) => ({ method: "GET", url: `/services/data/v${V}/sobjects/${n}/describe`, referenceId: n })),
        });
        expect(res.status).toBe(200);
      }
      expect(big.apiCallsCounted).toBe(1 + 12);
    } finally {
      await big.stop();
    }
  });
});

describe("limits and API usage", () => {
  it("limits reflect the counters and every data response carries Sforce-Limit-Info", async () => {
    const f = await startFakeSalesforce({ dailyApiMax: 1000, dailyApiUsed: 990 });
    try {
      const b = await api(f);
      const r = await b.get(`/limits`);
      expect(r.headers.get("sforce-limit-info")).toBe("api-usage=991/1000");
      const body = (await r.json()) as any;
      expect(body.DailyApiRequests).toEqual({ Max: 1000, Remaining: 9 });
      expect(body.DailyBulkApiRequests).toBeDefined();
      for (let i = 0; i < 9; i++) expect((await b.get(`/sobjects`)).status).toBe(200);
      const over = await b.get(`/sobjects`);
      expect(over.status).toBe(403);
      expect(await over.json()).toEqual([
        { message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" },
      ]);
      expect(over.headers.get("sforce-limit-info")).toBe("api-usage=1000/1000");
      expect(f.apiCallsCounted).toBe(10);
      // Logins never count.
      await api(f);
      expect(f.apiCallsCounted).toBe(10);
    } finally {
      await f.stop();
    }
  });

  it("API disabled for the org", async () => {
    fake.setApiDisabled(true);
    try {
      const r = await a.get(`/sobjects`);
      expect(r.status).toBe(403);
      expect(await r.json()).toEqual([
        { errorCode: "API_DISABLED_FOR_ORG", message: "API is not enabled for this Organization or Partner" },
      ]);
    } finally {
      fake.setApiDisabled(false);
    }
  });

  it("records requests with kind, path, query, headers, body and version", async () => {
    await a.get(`/query?q=${encodeURIComponent("SELECT Id FROM Account")}`);
    const rec = fake.requests.at(-1)!;
    expect(rec.kind).toBe("query");
    expect(rec.path).toBe(`/services/data/v${V}/query`);
    expect(rec.query.q).toBe("SELECT Id FROM Account");
    expect(rec.soql).toBe("SELECT Id FROM Account");
    expect(rec.apiVersion).toBe(V);
    expect(rec.headers.authorization).toMatch(/^Bearer /);
    await a.get(`/services/data/v58.0/limits`);
    expect(fake.requests.at(-1)!.apiVersion).toBe("58.0");
  });
});

describe("org options", () => {
  it("an extra object named like a default one replaces it", async () => {
    const f = await startFakeSalesforce({ extraObjects: [{ name: "Account", records: 3 }] });
    try {
      const b = await api(f);
      const body = await b.json<any>(`/query?q=${encodeURIComponent("SELECT Id, Name FROM Account")}`);
      expect(body.totalSize).toBe(3);
      const names = (await b.json<any>("/sobjects")).sobjects.map((s: { name: string }) => s.name);
      expect(names.filter((n: string) => n === "Account")).toHaveLength(1);
    } finally {
      await f.stop();
    }
  });
});
