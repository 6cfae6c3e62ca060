/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, parseCsv, runBulkJob, V, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      {
        name: "Big__c",
        fields: [
          { name: "Id", type: "id" },
          { name: "IsDeleted", type: "boolean" },
          { name: "Name", type: "string", length: 80 },
          { name: "Notes__c", type: "textarea", length: 1000 },
          { name: "Active__c", type: "boolean" },
          { name: "Amount__c", type: "currency" },
          { name: "Due__c", type: "date" },
          { name: "OwnerId", type: "reference", referenceTo: ["User"], relationshipName: "Owner" },
          { name: "SystemModstamp", type: "datetime" },
        ],
        records: 25_000,
      },
    ],
  });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});

async function readAllPages(
  jobId: string,
  maxRecords?: number,
): Promise<{ pages: string[][][]; counts: number[]; locators: string[] }> {
  const pages: string[][][] = [];
  const counts: number[] = [];
  const locators: string[] = [];
  let locator: string | null = null;
  do {
    const params = new URLSearchParams();
    if (maxRecords) params.set("maxRecords", String(maxRecords));
    if (locator) params.set("locator", locator);
    const r = await a.get(`/jobs/query/${jobId}/results?${params}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/csv/);
    pages.push(parseCsv(await r.text()));
    counts.push(Number(r.headers.get("sforce-numberofrecords")));
    locator = r.headers.get("sforce-locator");
    locators.push(locator!);
  } while (locator !== "null");
  return { pages, counts, locators };
}

describe("Bulk API 2.0 query jobs", () => {
  it("goes UploadComplete -> InProgress -> JobComplete over the configured polls", async () => {
    const created = await a.post("/jobs/query", { operation: "query", query: "SELECT Id, Name FROM Account" });
    expect(created.status).toBe(200);
    const info = (await created.json()) as any;
    expect(info).toMatchObject({
      operation: "query",
      object: "Account",
      state: "UploadComplete",
      concurrencyMode: "Parallel",
      contentType: "CSV",
      apiVersion: 62,
      lineEnding: "LF",
      columnDelimiter: "COMMA",
    });
    expect(info.id).toMatch(/^750\w{15}$/);
    expect(info.createdDate).toMatch(/\.\d{3}\+0000$/);
    const early = await a.get(`/jobs/query/${info.id}/results`);
    expect(early.status).toBe(400);
    const states: string[] = [];
    for (let k = 0; k < 3; k++) states.push((await a.json<any>(`/jobs/query/${info.id}`)).state);
    expect(states).toEqual(["UploadComplete", "InProgress", "JobComplete"]);
    const done = await a.json<any>(`/jobs/query/${info.id}`);
    expect(done).toMatchObject({ jobType: "V2Query", numberRecordsProcessed: 50, retries: 0 });
    expect(fake.count("bulk2_status")).toBeGreaterThanOrEqual(4);
  });

  it("pages 25,000 rows with maxRecords: header on every page, null locator at the end", async () => {
    const id = await runBulkJob(a, "SELECT Id, Name, Owner.Name, Amount__c, SystemModstamp FROM Big__c");
    const { pages, counts, locators } = await readAllPages(id, 10_000);
    expect(counts).toEqual([10_000, 10_000, 5_000]);
    expect(locators.at(-1)).toBe("null");
    expect(locators.slice(0, -1).every((l) => l !== "null" && l.length > 0)).toBe(true);
    for (const p of pages) expect(p[0]).toEqual(["Id", "Name", "Owner.Name", "Amount__c", "SystemModstamp"]);
    const ids = pages.flatMap((p) => p.slice(1).map((row) => row[0]));
    expect(new Set(ids).size).toBe(25_000);
    const row = pages[0]![1]!;
    expect(row[4]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    // Locators can be re-read.
    const again = await a.get(`/jobs/query/${id}/results?maxRecords=10000&locator=${locators[0]}`);
    expect(parseCsv(await again.text())[1]).toEqual(pages[1]![1]);
    // Default page size applies without maxRecords.
    const all = await readAllPages(id);
    expect(all.counts).toEqual([25_000]);
  });

  it("renders CSV per RFC 4180: quoted multi-line fields, empty nulls, booleans, dates", async () => {
    const id = await runBulkJob(a, "SELECT Id, Notes__c, Active__c, Due__c, Amount__c FROM Big__c");
    const r = await a.get(`/jobs/query/${id}/results?maxRecords=200`);
    const text = await r.text();
    expect(text.split("\n")[0]).toBe("Id,Notes__c,Active__c,Due__c,Amount__c");
    expect(text).toMatch(/,"Line one of \d+, ""first""\nLine two — Ünïcødé\r\nLine three",/);
    const rows = parseCsv(text).slice(1);
    expect(rows.every((row) => row.length === 5)).toBe(true);
    expect(rows.some((row) => row[4] === "")).toBe(true);
    expect(rows.every((row) => row[2] === "true" || row[2] === "false")).toBe(true);
    expect(rows.find((row) => row[3] !== "")![3]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const live = [...fake.records("Big__c")].slice(0, 200);
    expect(rows.map((row) => row[1])).toEqual(live.map((l) => l.Notes__c ?? ""));
  });

  it("honours columnDelimiter and lineEnding", async () => {
    const created = (await (
      await a.post("/jobs/query", {
        operation: "query",
        query: "SELECT Id, Name FROM Account LIMIT 3",
        columnDelimiter: "PIPE",
        lineEnding: "CRLF",
      })
    ).json()) as any;
    expect(created).toMatchObject({ columnDelimiter: "PIPE", lineEnding: "CRLF" });
    for (let k = 0; k < 3; k++) await a.get(`/jobs/query/${created.id}`);
    const text = await (await a.get(`/jobs/query/${created.id}/results`)).text();
    expect(text.startsWith("Id|Name\r\n")).toBe(true);
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(4);
  });

  it("honours Accept-Encoding: gzip", async () => {
    const id = await runBulkJob(a, "SELECT Id, Name FROM Big__c");
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = request(`${fake.url}/services/data/v${V}/jobs/query/${id}/results?maxRecords=1000`, {
        headers: { authorization: `Bearer ${a.token}`, "accept-encoding": "gzip" },
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(raw.headers["content-encoding"]).toBe("gzip");
    expect(raw.headers["sforce-numberofrecords"]).toBe("1000");
    const text = gunzipSync(raw.body).toString("utf8");
    expect(parseCsv(text)).toHaveLength(1001);
  });

  it("snapshots the result set at creation; queryAll includes deleted rows", async () => {
    const created = (await (
      await a.post("/jobs/query", { operation: "query", query: "SELECT Id, Name FROM Contact" })
    ).json()) as any;
    const ids = [...fake.records("Contact")].slice(0, 2).map((r) => r.Id as string);
    fake.update("Contact", [ids[0]!], { LastName: "Later" });
    fake.delete("Contact", [ids[1]!]);
    fake.insert("Contact", [{ LastName: "New" }]);
    for (let k = 0; k < 3; k++) await a.get(`/jobs/query/${created.id}`);
    const rows = parseCsv(await (await a.get(`/jobs/query/${created.id}/results`)).text()).slice(1);
    expect(rows).toHaveLength(50);
    expect(rows.map((r) => r[0])).toContain(ids[1]);

    const after = await runBulkJob(a, "SELECT Id, IsDeleted FROM Contact");
    const afterRows = parseCsv(await (await a.get(`/jobs/query/${after}/results`)).text()).slice(1);
    expect(afterRows).toHaveLength(50);
    expect(afterRows.map((r) => r[0])).not.toContain(ids[1]);
    const all = await runBulkJob(a, "SELECT Id, IsDeleted FROM Contact", "queryAll");
    const allRows = parseCsv(await (await a.get(`/jobs/query/${all}/results`)).text()).slice(1);
    expect(allRows).toHaveLength(51);
    expect(allRows.find((r) => r[0] === ids[1])![1]).toBe("true");
  });

  it("validates queries at creation", async () => {
    const err = async (query: string, operation = "query"): Promise<any> => {
      const r = await a.post("/jobs/query", { operation, query });
      expect(r.status).toBe(400);
      return ((await r.json()) as any)[0];
    };
    expect(await err("SELECT Id FROM TaskStatus")).toEqual({
      errorCode: "INVALIDENTITY",
      message: "Entity 'TaskStatus' is not supported by the Bulk API.",
    });
    expect(await err("SELECT Id, BillingAddress FROM Account")).toEqual({
      errorCode: "API_ERROR",
      message: "Selecting compound data not supported in Bulk Query",
    });
    expect((await err("SELECT Id, Location_Field__c FROM AllTypes__c")).message).toBe(
      "Selecting compound data not supported in Bulk Query",
    );
    expect((await err("SELECT Id, Base64_Field__c FROM AllTypes__c")).errorCode).toBe("API_ERROR");
    expect((await err("SELECT Id, Foo FROM Account")).errorCode).toBe("INVALID_FIELD");
    expect((await err("SELECT FROM Account")).errorCode).toBe("MALFORMED_QUERY");
    expect((await err("SELECT Id FROM Account", "insert")).errorCode).toBeTruthy();
  });

  it("results with another API version -> 409; abort and delete", async () => {
    const id = await runBulkJob(a, "SELECT Id FROM Account");
    const mismatch = await a.get(`/services/data/v61.0/jobs/query/${id}/results`);
    expect(mismatch.status).toBe(409);
    expect(((await mismatch.json()) as any)[0].errorCode).toBe("API_VERSION_MISMATCH");

    const created = (await (
      await a.post("/jobs/query", { operation: "query", query: "SELECT Id FROM Account" })
    ).json()) as any;
    const aborted = await a.patch(`/jobs/query/${created.id}`, { state: "Aborted" });
    expect(aborted.status).toBe(200);
    expect(((await aborted.json()) as any).state).toBe("Aborted");
    expect((await a.json<any>(`/jobs/query/${created.id}`)).state).toBe("Aborted");
    expect(fake.count("bulk2_abort")).toBe(1);

    const del = await a.del(`/jobs/query/${id}`);
    expect(del.status).toBe(204);
    expect((await a.get(`/jobs/query/${id}`)).status).toBe(404);
    expect(fake.count("bulk2_delete")).toBe(1);
  });
  it("a later session reads a job's pages from any locator; forgetJobs() deletes jobs as Salesforce's 7-day cleanup does", async () => {
    const id = await runBulkJob(a, "SELECT Id, Name FROM Big__c");
    const whole = await readAllPages(id, 5000);
    // A new login (a restarted connector) continues at page 3's locator with the same maxRecords.
    const later = await api(fake);
    const page3 = await later.get(`/jobs/query/${id}/results?maxRecords=5000&locator=${whole.locators[1]}`);
    expect(page3.status).toBe(200);
    expect(parseCsv(await page3.text())).toEqual(whole.pages[2]);
    expect(page3.headers.get("sforce-locator")).toBe(whole.locators[2]);
    expect((await later.json<any>(`/jobs/query/${id}`)).state).toBe("JobComplete");

    const open = fake.activity().openBulkJobs;
    expect(fake.forgetJobs()).toBeGreaterThan(0);
    expect(fake.activity().openBulkJobs).toBe(0);
    expect(open).toBeGreaterThan(0);
    for (const path of [`/jobs/query/${id}`, `/jobs/query/${id}/results?locator=${whole.locators[1]}`]) {
      const gone = await later.get(path);
      expect(gone.status).toBe(404);
      expect(((await gone.json()) as any)[0]).toEqual({
        errorCode: "NOT_FOUND",
        message: "The requested resource does not exist",
      });
    }
  });
});
