// cacheResultBodies: cached Bulk results are the rendered bytes, never stale, and faults still apply.
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeObjectSpec, type FakeSalesforce } from "./index.js";
import { api, parseCsv, runBulk1Job, runBulkJob, V, type Api } from "./test-helpers.js";

const object = (): FakeObjectSpec => ({
  name: "Cache__c",
  records: 3_000,
  fields: [
    { name: "Id", type: "id" },
    { name: "IsDeleted", type: "boolean" },
    { name: "Name", type: "string", length: 80 },
    { name: "Notes__c", type: "textarea", length: 1000 },
    { name: "Amount__c", type: "currency" },
    { name: "Closed__c", type: "datetime" },
    { name: "SystemModstamp", type: "datetime" },
  ],
});
const SOQL = "SELECT Id, Name, Notes__c, Amount__c, Closed__c, SystemModstamp FROM Cache__c";

let cached: FakeSalesforce;
let plain: FakeSalesforce;
let c: Api;
let p: Api;
/** Each describe gets a caching fake and a plain one with the same data (tests change records). */
function twoFakes(): void {
  beforeAll(async () => {
    cached = await startFakeSalesforce({ objects: [object()], cacheResultBodies: true, bulk1ResultFileRows: 1_000 });
    plain = await startFakeSalesforce({ objects: [object()], bulk1ResultFileRows: 1_000 });
    c = await api(cached);
    p = await api(plain);
  });
  afterAll(async () => {
    await cached.stop();
    await plain.stop();
  });
}

interface Raw {
  status: number;
  headers: Record<string, unknown>;
  body: Buffer;
}

/** GET with node:http, so the body is the bytes on the wire (fetch would gunzip them). */
function raw(url: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const encodings = [
  { name: "gzip", headers: { "accept-encoding": "gzip" } as Record<string, string> },
  { name: "identity", headers: {} as Record<string, string> },
];

function bulk2Page(fake: FakeSalesforce, a: Api, jobId: string, query: string, headers: Record<string, string>) {
  return raw(`${fake.url}/services/data/v${V}/jobs/query/${jobId}/results?${query}`, {
    authorization: `Bearer ${a.token}`,
    ...headers,
  });
}

const text = (r: Raw): string =>
  (r.headers["content-encoding"] === "gzip" ? gunzipSync(r.body) : r.body).toString("utf8");

describe("cacheResultBodies, Bulk 2.0 results pages", () => {
  twoFakes();
  it("serves cached pages byte-identical to rendered ones, gzip and not", async () => {
    const cachedJob = await runBulkJob(c, SOQL);
    const plainJob = await runBulkJob(p, SOQL);
    const locator = Buffer.from("1000").toString("base64");
    for (const { name, headers } of encodings) {
      for (const query of ["maxRecords=1000", `maxRecords=1000&locator=${locator}`]) {
        const before = cached.resultCache();
        const first = await bulk2Page(cached, c, cachedJob, query, headers);
        const second = await bulk2Page(cached, c, cachedJob, query, headers);
        const rendered = await bulk2Page(plain, p, plainJob, query, headers);
        const after = cached.resultCache();
        expect([first.status, second.status, rendered.status], name).toEqual([200, 200, 200]);
        expect(after.misses - before.misses, `${name} ${query}: first answer rendered`).toBe(1);
        expect(after.hits - before.hits, `${name} ${query}: second answer cached`).toBe(1);
        expect(second.body.equals(first.body), `${name} ${query}`).toBe(true);
        expect(second.body.equals(rendered.body), `${name} ${query}`).toBe(true);
        expect(second.headers["content-encoding"]).toBe(name === "gzip" ? "gzip" : undefined);
        expect(second.headers["sforce-locator"]).toBe(rendered.headers["sforce-locator"]);
        expect(parseCsv(text(second))).toHaveLength(1001);
      }
    }
    // Another job with the same query hits the same bodies; the plain fake caches nothing.
    const again = await runBulkJob(c, SOQL);
    const before = cached.resultCache().hits;
    await bulk2Page(cached, c, again, "maxRecords=1000", { "accept-encoding": "gzip" });
    expect(cached.resultCache().hits).toBe(before + 1);
    expect(plain.resultCache()).toEqual({ entries: 0, bytes: 0, hits: 0, misses: 0 });
  });

  it("renders afresh after a record changes; an older job still serves its snapshot", async () => {
    const oldJob = await runBulkJob(c, SOQL);
    const gz = { "accept-encoding": "gzip" };
    const oldPage = text(await bulk2Page(cached, c, oldJob, "maxRecords=500", gz));
    const id = parseCsv(oldPage)[1]![0]!;
    cached.update("Cache__c", [id], { Name: "Changed since the page was cached" });
    const newJob = await runBulkJob(c, SOQL);
    const newPage = text(await bulk2Page(cached, c, newJob, "maxRecords=500", gz));
    expect(parseCsv(newPage)[1]!.slice(0, 2)).toEqual([id, "Changed since the page was cached"]);
    expect(text(await bulk2Page(cached, c, oldJob, "maxRecords=500", gz))).toBe(oldPage);
  });

  it("keys pages by row range, dialect and operation", async () => {
    const comma = await runBulkJob(c, SOQL);
    const deletedId = parseCsv(text(await bulk2Page(cached, c, comma, "maxRecords=10", {})))[1]![0]!;
    const short = text(await bulk2Page(cached, c, comma, "maxRecords=10", {}));
    const long = text(await bulk2Page(cached, c, comma, "maxRecords=20", {}));
    expect(parseCsv(short)).toHaveLength(11);
    expect(parseCsv(long)).toHaveLength(21);
    const created = await c.post("/jobs/query", { operation: "query", query: SOQL, columnDelimiter: "PIPE" });
    const pipeJob = ((await created.json()) as { id: string }).id;
    for (let k = 0; k < 3; k++) await c.get(`/jobs/query/${pipeJob}`);
    expect(text(await bulk2Page(cached, c, pipeJob, "maxRecords=10", {})).split("\n")[0]).toContain("|");
    cached.delete("Cache__c", [deletedId]);
    const query = await runBulkJob(c, SOQL);
    const queryAll = await runBulkJob(c, SOQL, "queryAll");
    expect(text(await bulk2Page(cached, c, query, "maxRecords=10", {}))).not.toContain(deletedId);
    expect(text(await bulk2Page(cached, c, queryAll, "maxRecords=10", {}))).toContain(deletedId);
  });

  it("still cuts a cached page with drop_mid_body, and renders a page with a rewritten value", async () => {
    const job = await runBulkJob(c, SOQL);
    const gz = { "accept-encoding": "gzip" };
    const whole = await bulk2Page(cached, c, job, "maxRecords=1000", gz);
    const hits = cached.resultCache().hits;
    cached.inject({ kind: "bulk2_results", type: "drop_mid_body" });
    await expect(bulk2Page(cached, c, job, "maxRecords=1000", gz)).rejects.toThrow();
    expect(cached.resultCache().hits).toBe(hits + 1);
    cached.inject({ kind: "bulk2_results", type: "rewrite_value", field: "Name", value: "Rewritten" });
    expect(parseCsv(text(await bulk2Page(cached, c, job, "maxRecords=1000", gz)))[1]![1]).toBe("Rewritten");
    cached.inject({ kind: "bulk2_results", type: "short_page" });
    expect(parseCsv(text(await bulk2Page(cached, c, job, "maxRecords=1000", gz)))).toHaveLength(501);
    // The faults' answers did not replace the cached page.
    expect((await bulk2Page(cached, c, job, "maxRecords=1000", gz)).body.equals(whole.body)).toBe(true);
  });
});

describe("cacheResultBodies, Bulk 1.0 result files", () => {
  twoFakes();
  const file = (url: string, a: Api, headers: Record<string, string>): Promise<Raw> =>
    raw(url, { "X-SFDC-Session": a.token, ...headers });

  it("serves cached files byte-identical to rendered ones, gzip and not", async () => {
    const mine = await runBulk1Job(cached, c.token, "Cache__c", SOQL);
    const theirs = await runBulk1Job(plain, p.token, "Cache__c", SOQL);
    expect(mine.resultUrls).toHaveLength(3);
    for (const { name, headers } of encodings) {
      for (let k = 0; k < mine.resultUrls.length; k++) {
        const before = cached.resultCache();
        const first = await file(mine.resultUrls[k]!, c, headers);
        const second = await file(mine.resultUrls[k]!, c, headers);
        const rendered = await file(theirs.resultUrls[k]!, p, headers);
        const after = cached.resultCache();
        expect(after.misses - before.misses, `${name} file ${k}`).toBe(1);
        expect(after.hits - before.hits, `${name} file ${k}`).toBe(1);
        expect(second.body.equals(first.body), `${name} file ${k}`).toBe(true);
        expect(second.body.equals(rendered.body), `${name} file ${k}`).toBe(true);
        expect(parseCsv(text(second))).toHaveLength(1001);
      }
    }
  });

  it("renders afresh after a record changes, and still cuts a cached file with drop_mid_body", async () => {
    const before = await runBulk1Job(cached, c.token, "Cache__c", SOQL);
    const oldFile = text(await file(before.resultUrls[0]!, c, {}));
    const id = parseCsv(oldFile)[1]![0]!;
    cached.update("Cache__c", [id], { Name: "Changed in Bulk 1.0" });
    const after = await runBulk1Job(cached, c.token, "Cache__c", SOQL);
    expect(parseCsv(text(await file(after.resultUrls[0]!, c, {})))[1]!.slice(0, 2)).toEqual([
      id,
      "Changed in Bulk 1.0",
    ]);
    const hits = cached.resultCache().hits;
    cached.inject({ kind: "bulk1_result", type: "drop_mid_body" });
    await expect(file(after.resultUrls[0]!, c, {})).rejects.toThrow();
    expect(cached.resultCache().hits).toBe(hits + 1);
  });
});
