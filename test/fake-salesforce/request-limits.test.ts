/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildWideObject, MAX_URI_AND_HEADER_BYTES, startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, runBulkJob, V, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
const wide = buildWideObject("Wide__c", 600, 20);
const allFields = wide.fields!.map((f) => f.name);
const selectAll = `SELECT ${allFields.join(", ")} FROM Wide__c`;

beforeAll(async () => {
  fake = await startFakeSalesforce({ extraObjects: [wide] });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => fake.resetCounts());

/** A GET /limits whose request-target is exactly `bytes` long (padded with an ignored parameter). */
function limitsPathOf(bytes: number): string {
  const base = `/services/data/v${V}/limits?pad=`;
  return base + "x".repeat(bytes - base.length);
}

describe("URI and header size (16,384 bytes)", () => {
  it("a request-target over 16,384 bytes is refused 414 before auth and not counted", async () => {
    expect(MAX_URI_AND_HEADER_BYTES).toBe(16_384);
    const tooLong = await fetch(`${fake.url}${limitsPathOf(16_385)}`);
    expect(tooLong.status).toBe(414);
    expect(await tooLong.text()).toBe("URI Too Long");
    expect(fake.apiCallsCounted).toBe(0);
    expect(fake.requests.map((r) => r.kind)).toEqual(["limits"]);
    // Far past Node's own 16 KiB header limit it is still Salesforce's 414, not a reset connection.
    expect((await fetch(`${fake.url}${limitsPathOf(40_000)}`)).status).toBe(414);
  });

  it("URI plus headers: exactly 16,384 bytes pass, one more is 431", async () => {
    const headers = { authorization: `Bearer ${a.token}` };
    await fetch(`${fake.url}${limitsPathOf(100)}`, { headers });
    // The header block as sent: `name: value\r\n` per header (fetch sends the same ones every time).
    const sent = fake.requests.at(-1)!.headers;
    const headerBytes = Object.entries(sent).reduce((n, [k, v]) => n + Buffer.byteLength(`${k}: ${String(v)}\r\n`), 0);
    const exact = await fetch(`${fake.url}${limitsPathOf(16_384 - headerBytes)}`, { headers });
    expect(exact.status).toBe(200);
    const over = await fetch(`${fake.url}${limitsPathOf(16_385 - headerBytes)}`, { headers });
    expect(over.status).toBe(431);
    expect(await over.text()).toBe("Request Header Fields Too Large");
  });

  it("big headers on a URI that fits are refused 431; the same headers on a short URI pass", async () => {
    const headers = { authorization: `Bearer ${a.token}`, "x-filler": "y".repeat(4_500) };
    expect((await fetch(`${fake.url}${limitsPathOf(12_000)}`, { headers })).status).toBe(431);
    expect((await fetch(`${fake.url}/services/data/v${V}/limits`, { headers })).status).toBe(200);
  });

  it("a 600-field object: its REST SELECT does not fit in a GET; Bulk 2.0 (POST body) and Composite read it", async () => {
    const url = `/services/data/v${V}/query?q=${encodeURIComponent(selectAll)}`;
    expect(url.length).toBeGreaterThan(MAX_URI_AND_HEADER_BYTES);
    const rest = await a.get(`/query?q=${encodeURIComponent(selectAll)}`);
    expect(rest.status).toBe(414);
    // The first 400 fields do fit.
    const part = `SELECT ${allFields.slice(0, 400).join(", ")} FROM Wide__c`;
    const ok = await a.get(`/query?q=${encodeURIComponent(part)}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).records[0]).toHaveProperty("Customer_Attribute_0398__c");

    const job = await runBulkJob(a, selectAll);
    const csv = await (await a.get(`/jobs/query/${job}/results`)).text();
    expect(csv.split("\n")[0]!.split(",")).toHaveLength(allFields.length);

    const composite = await a.post("/composite", { compositeRequest: [{ method: "GET", url, referenceId: "wide" }] });
    const body = (await composite.json()) as any;
    expect(body.compositeResponse[0].httpStatusCode).toBe(200);
    expect(body.compositeResponse[0].body.totalSize).toBe(20);
    expect(Object.keys(body.compositeResponse[0].body.records[0])).toHaveLength(allFields.length + 1);
  });
});
