/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
// The fake produces every broken answer issue 13 needs: HTML pages with status 200, cut JSON, Bulk 2.0
// paging headers missing or looping, REST pages without their next locator, rewritten values, NUL
// bytes, hostile or missing describe fields, and API versions the org does not serve.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, login, parseCsv, runBulk1Job, runBulkJob, V, type Api } from "./test-helpers.js";

const ROWS = 119;
const HOSTILE_FIELD = "Status__c, (SELECT Id FROM User)";

let fake: FakeSalesforce;
let a: Api;
beforeAll(async () => {
  fake = await startFakeSalesforce({
    restBatchSize: 200,
    extraObjects: [
      {
        name: "Place__c",
        records: ROWS,
        fields: [
          { name: "Id", type: "id" },
          { name: "Name", type: "string" },
          { name: "Amount__c", type: "currency" },
          { name: "Notes__c", type: "textarea" },
          { name: "Geo__Latitude__s", type: "double", scale: 15, precision: 18, compoundFieldName: "Geo__c" },
          { name: "Geo__Longitude__s", type: "double", scale: 15, precision: 18, compoundFieldName: "Geo__c" },
          { name: "Geo__c", type: "location" },
          { name: "IsDeleted", type: "boolean" },
          { name: "CreatedDate", type: "datetime" },
          { name: "LastModifiedDate", type: "datetime" },
          { name: "SystemModstamp", type: "datetime" },
        ],
      },
      {
        name: "Hostile__c",
        records: 3,
        fields: [
          { name: "Id", type: "id" },
          { name: "Name", type: "string" },
          { name: HOSTILE_FIELD, type: "string" },
          { name: "SystemModstamp", type: "datetime" },
        ],
      },
      { name: "Fieldless__c", records: 3, describeOmitsFields: true },
    ],
  });
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(async () => {
  fake.clearFaults();
  a = await api(fake);
});

const PLACE_COLUMNS = "Id, Name, Amount__c, Notes__c, Geo__Latitude__s, SystemModstamp";
const q = (soql: string): string => `/query?q=${encodeURIComponent(soql)}`;

/** Page through Bulk 2.0 results, 50 rows a page; returns each page's response. */
async function bulkPage(jobId: string, locator?: string): Promise<Response> {
  const params = new URLSearchParams({ maxRecords: "50", ...(locator ? { locator } : {}) });
  return a.get(`/jobs/query/${jobId}/results?${params}`);
}

async function expectHtml(r: Response): Promise<void> {
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^text\/html/);
  expect(await r.text()).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
}

describe("an HTML page with status 200 instead of the answer", () => {
  it("on Bulk 2.0 results page 3; the same page asked again is CSV, and the page is not counted", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    fake.inject({ kind: "bulk2_results", type: "html_page", after: 2 });
    const p1 = await bulkPage(id);
    const p2 = await bulkPage(id, p1.headers.get("sforce-locator")!);
    const locator3 = p2.headers.get("sforce-locator")!;
    await p1.text();
    await p2.text();
    fake.resetCounts();
    const html = await bulkPage(id, locator3);
    expect(html.headers.get("sforce-locator")).toBeNull();
    expect(html.headers.get("sforce-numberofrecords")).toBeNull();
    await expectHtml(html);
    expect(fake.apiCallsCounted).toBe(0);
    const again = await bulkPage(id, locator3);
    expect(again.headers.get("content-type")).toBe("text/csv");
    expect(parseCsv(await again.text())).toHaveLength(1 + ROWS - 100);
  });

  it("with a page of the test's own (body), e.g. one without a quote in it", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    const body = "<!DOCTYPE html>\n<html><body><h1>Portal login</h1></body></html>\n";
    fake.inject({ kind: "bulk2_results", type: "html_page", body });
    const r = await bulkPage(id);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await r.text()).toBe(body);
  });

  it("on a Bulk 1.0 result file", async () => {
    const token = await login(fake);
    const { resultUrls } = await runBulk1Job(fake, token, "Place__c", `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    fake.inject({ kind: "bulk1_result", type: "html_page" });
    const get = (): Promise<Response> => fetch(resultUrls[0]!, { headers: { "X-SFDC-Session": token } });
    await expectHtml(await get());
    expect(parseCsv(await (await get()).text())).toHaveLength(1 + ROWS);
  });

  it("on a REST query page and on a queryMore page", async () => {
    fake.inject({ kind: "query", type: "html_page" });
    await expectHtml(await a.get(q("SELECT Id FROM Place__c")));
    const big = await startFakeSalesforce({ restBatchSize: 200, extraObjects: [{ name: "Many__c", records: 500 }] });
    try {
      const b = await api(big);
      const first = await b.json(q("SELECT Id FROM Many__c"));
      big.inject({ kind: "query_more", type: "html_page" });
      await expectHtml(await b.get(first.nextRecordsUrl));
      expect((await b.json(first.nextRecordsUrl)).records).toHaveLength(200);
    } finally {
      await big.stop();
    }
  });

  it("on the OAuth token endpoint", async () => {
    fake.inject({ kind: "oauth_token", type: "html_page" });
    await expect(login(fake)).rejects.toThrow(/not valid JSON|Unexpected token/);
    await expect(login(fake)).resolves.toMatch(/^00D/);
  });
});

describe("a truncated JSON body on the OAuth token endpoint", () => {
  it("is a well-framed 200 application/json response whose body is the first half of a token answer", async () => {
    fake.inject({ kind: "oauth_token", type: "truncated_json" });
    const c = fake.credentials;
    const r = await fetch(`${fake.url}/services/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "accept-encoding": "identity" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: c.clientId,
        client_secret: c.clientSecret,
        refresh_token: c.refreshToken,
      }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await r.text();
    expect(Number(r.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    expect(text).toMatch(/^\{"access_token":"00D/);
    expect(() => JSON.parse(text)).toThrow();
    expect(text.endsWith("}")).toBe(false);
  });
});

describe("Bulk 2.0 paging headers", () => {
  it("no_locator: page 2 has no Sforce-Locator, its rows and record count are intact", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    fake.inject({ kind: "bulk2_results", type: "no_locator", after: 1 });
    const p1 = await bulkPage(id);
    expect(p1.headers.get("sforce-locator")).not.toBeNull();
    const p2 = await bulkPage(id, p1.headers.get("sforce-locator")!);
    expect(p2.headers.has("sforce-locator")).toBe(false);
    expect(p2.headers.get("sforce-numberofrecords")).toBe("50");
    expect(parseCsv(await p2.text())).toHaveLength(51);
  });

  it("short_page: no Sforce-NumberOfRecords and the body ends cleanly at a row boundary, half the rows", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    const p1 = await bulkPage(id);
    const locator2 = p1.headers.get("sforce-locator")!;
    fake.inject({ kind: "bulk2_results", type: "short_page" });
    const cut = await bulkPage(id, locator2);
    expect(cut.headers.has("sforce-numberofrecords")).toBe(false);
    const text = await cut.text();
    expect(text.endsWith("\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(1 + 25);
    expect(rows.every((r) => r.length === 6)).toBe(true);
    // The locator is the true next page's: the 25 rows cut off are never sent again.
    const next = cut.headers.get("sforce-locator")!;
    const full = await bulkPage(id, locator2);
    expect(full.headers.get("sforce-locator")).toBe(next);
    expect(parseCsv(await full.text()).slice(1, 26)).toEqual(rows.slice(1));
  });

  it("short_page on a Bulk 1.0 result file: the file ends cleanly after half its rows", async () => {
    const token = await login(fake);
    const { resultUrls } = await runBulk1Job(fake, token, "Place__c", `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    const get = (): Promise<Response> => fetch(resultUrls[0]!, { headers: { "X-SFDC-Session": token } });
    fake.inject({ kind: "bulk1_result", type: "short_page" });
    const cut = await get();
    expect(cut.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await cut.text();
    expect(text.endsWith("\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(1 + Math.floor(ROWS / 2));
    expect(parseCsv(await (await get()).text()).slice(0, rows.length)).toEqual(rows);
  });

  it("wrong_header: a text/csv page whose first header column is Unexpected__c", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    fake.inject({ kind: "bulk2_results", type: "wrong_header" });
    const page = await bulkPage(id);
    expect(page.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parseCsv(await page.text());
    expect(rows[0]).toEqual(["Unexpected__c", ...PLACE_COLUMNS.split(", ").slice(1)]);
    expect(rows).toHaveLength(51);
  });

  it("no_record_count: the header is missing, the page is complete", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    fake.inject({ kind: "bulk2_results", type: "no_record_count" });
    const p1 = await bulkPage(id);
    expect(p1.headers.has("sforce-numberofrecords")).toBe(false);
    expect(p1.headers.get("sforce-locator")).not.toBe("null");
    expect(parseCsv(await p1.text())).toHaveLength(51);
  });

  it("self_locator: a page's Sforce-Locator points back at that page, which then repeats", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    const p1 = await bulkPage(id);
    const locator2 = p1.headers.get("sforce-locator")!;
    const firstRows = parseCsv(await p1.text());
    fake.inject({ kind: "bulk2_results", type: "self_locator", times: 3 });
    const p2 = await bulkPage(id, locator2);
    expect(p2.headers.get("sforce-locator")).toBe(locator2);
    const rows2 = parseCsv(await p2.text());
    const again = await bulkPage(id, p2.headers.get("sforce-locator")!);
    expect(parseCsv(await again.text())).toEqual(rows2);
    // The first page's own locator is offset 0: following it reads page 1 again.
    const p1b = await bulkPage(id);
    const back = await bulkPage(id, p1b.headers.get("sforce-locator")!);
    await p1b.text();
    expect(parseCsv(await back.text())).toEqual(firstRows);
  });
});

describe("REST paging", () => {
  it("no_next_records_url: done false and no nextRecordsUrl; a done page is left alone", async () => {
    const big = await startFakeSalesforce({ restBatchSize: 200, extraObjects: [{ name: "Many__c", records: 500 }] });
    try {
      const b = await api(big);
      big.inject({ kind: "query", type: "no_next_records_url" });
      const page = await b.json(q("SELECT Id FROM Many__c"));
      expect(page).toMatchObject({ totalSize: 500, done: false });
      expect(page).not.toHaveProperty("nextRecordsUrl");
      expect(page.records).toHaveLength(200);
      const first = await b.json(q("SELECT Id FROM Many__c"));
      big.inject({ kind: "query_more", type: "no_next_records_url", times: 2 });
      const second = await b.json(first.nextRecordsUrl);
      expect(second).toMatchObject({ done: false });
      expect(second).not.toHaveProperty("nextRecordsUrl");
      const last = await b.json(first.nextRecordsUrl.replace(/-200$/, "-400"));
      expect(last).toMatchObject({ done: true, totalSize: 500 });
      expect(last.records).toHaveLength(100);
    } finally {
      await big.stop();
    }
  });
});

describe("a state cursor of 0001-01-01 as a SOQL literal", () => {
  const soql = `SELECT Id FROM Place__c WHERE SystemModstamp >= 0001-01-01T00:00:00Z AND SystemModstamp < 2999-01-01T00:00:00Z`;

  it("works on REST, Bulk 2.0 and Bulk 1.0 and matches every row", async () => {
    expect((await a.json(q(soql))).totalSize).toBe(ROWS);
    const id = await runBulkJob(a, soql);
    expect(parseCsv(await (await a.get(`/jobs/query/${id}/results`)).text())).toHaveLength(1 + ROWS);
    const token = await login(fake);
    const { resultUrls } = await runBulk1Job(fake, token, "Place__c", soql);
    const file = await fetch(resultUrls[0]!, { headers: { "X-SFDC-Session": token } });
    expect(parseCsv(await file.text())).toHaveLength(1 + ROWS);
  });
});

describe("rewrite_value: one value of a page rewritten", () => {
  it("Bulk 2.0 CSV: a number cell '12 5 EUR' and a latitude 'n/a', only in the row asked for", async () => {
    const id = await runBulkJob(a, `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    fake.inject({ kind: "bulk2_results", type: "rewrite_value", field: "Amount__c", value: "12 5 EUR" });
    const rows = parseCsv(await (await bulkPage(id)).text());
    expect(rows[0]![2]).toBe("Amount__c");
    expect(rows[1]![2]).toBe("12 5 EUR");
    expect(rows[2]![2]).toMatch(/^-?\d+(\.\d+)?$/);
    fake.inject({ kind: "bulk2_results", type: "rewrite_value", field: "Geo__Latitude__s", value: "n/a", row: 3 });
    const again = parseCsv(await (await bulkPage(id)).text());
    expect(again[4]![4]).toBe("n/a");
    expect(again[1]![2]).not.toBe("12 5 EUR");
  });

  it("Bulk 1.0 CSV: the same values, quoted as Bulk 1.0 writes every field", async () => {
    const token = await login(fake);
    const { resultUrls } = await runBulk1Job(fake, token, "Place__c", `SELECT ${PLACE_COLUMNS} FROM Place__c`);
    fake.inject({ kind: "bulk1_result", type: "rewrite_value", field: "Amount__c", value: "12 5 EUR" });
    const text = await (await fetch(resultUrls[0]!, { headers: { "X-SFDC-Session": token } })).text();
    expect(text.split("\n")[1]).toContain(`,"12 5 EUR",`);
    fake.inject({ kind: "bulk1_result", type: "rewrite_value", field: "Geo__Latitude__s", value: "n/a" });
    const rows = parseCsv(await (await fetch(resultUrls[0]!, { headers: { "X-SFDC-Session": token } })).text());
    expect(rows[1]![4]).toBe("n/a");
  });

  it("REST JSON: a number field and a latitude, top level or inside the compound location", async () => {
    fake.inject({ kind: "query", type: "rewrite_value", field: "Amount__c", value: "12 5 EUR" });
    const page = await a.json(q("SELECT Id, Amount__c, Geo__c FROM Place__c"));
    expect(page.records[0].Amount__c).toBe("12 5 EUR");
    expect(typeof page.records[1].Amount__c).toBe("number");
    fake.inject({ kind: "query", type: "rewrite_value", field: "Geo__c.latitude", value: "n/a" });
    const nested = await a.json(q("SELECT Id, Geo__c FROM Place__c WHERE Geo__Latitude__s != null"));
    expect(nested.records[0].Geo__c.latitude).toBe("n/a");
    expect(typeof nested.records[1].Geo__c.latitude).toBe("number");
    fake.inject({ kind: "query", type: "rewrite_value", field: "Geo__Latitude__s", value: "n/a" });
    expect((await a.json(q("SELECT Id, Geo__Latitude__s FROM Place__c"))).records[0].Geo__Latitude__s).toBe("n/a");
  });
});

describe("NUL bytes inside text values (stored as Salesforce data can carry them)", () => {
  it("reach Bulk 2.0 CSV, Bulk 1.0 CSV and REST JSON unchanged", async () => {
    const [id] = [...fake.records("Place__c")].map((r) => r.Id as string);
    fake.update("Place__c", [id!], { Name: "Acme\u0000Corp", Notes__c: "line\u0000\u0000end" });
    const soql = `SELECT Id, Name, Notes__c FROM Place__c WHERE Id = '${id}'`;
    const rest = await a.json(q(soql));
    expect(rest.records[0]).toMatchObject({ Name: "Acme\u0000Corp", Notes__c: "line\u0000\u0000end" });
    const job = await runBulkJob(a, soql);
    const csv = await (await a.get(`/jobs/query/${job}/results`)).text();
    expect(parseCsv(csv)[1]).toEqual([id, "Acme\u0000Corp", "line\u0000\u0000end"]);
    const token = await login(fake);
    const { resultUrls } = await runBulk1Job(fake, token, "Place__c", soql);
    const file = await (await fetch(resultUrls[0]!, { headers: { "X-SFDC-Session": token } })).text();
    expect(parseCsv(file)[1]).toEqual([id, "Acme\u0000Corp", "line\u0000\u0000end"]);
  });
});

describe("describe answers", () => {
  it("a field named 'Status__c, (SELECT Id FROM User)' is listed, top level and in Composite", async () => {
    const top = await a.json("/sobjects/Hostile__c/describe");
    expect(top.fields.map((f: any) => f.name)).toContain(HOSTILE_FIELD);
    const composite = await (
      await a.post("/composite", {
        compositeRequest: [
          { method: "GET", url: `/services/data/v${V}/sobjects/Hostile__c/describe`, referenceId: "d" },
        ],
      })
    ).json();
    expect((composite as any).compositeResponse[0].body.fields.map((f: any) => f.name)).toContain(HOSTILE_FIELD);
  });

  it("describeOmitsFields: no fields array, top level and in Composite; the object still answers queries", async () => {
    const top = await a.json("/sobjects/Fieldless__c/describe");
    expect(top).toMatchObject({ name: "Fieldless__c", queryable: true });
    expect(top).not.toHaveProperty("fields");
    const composite = (await (
      await a.post("/composite", {
        compositeRequest: [
          { method: "GET", url: `/services/data/v${V}/sobjects/Fieldless__c/describe`, referenceId: "d" },
        ],
      })
    ).json()) as any;
    expect(composite.compositeResponse[0].httpStatusCode).toBe(200);
    expect(composite.compositeResponse[0].body).not.toHaveProperty("fields");
    expect((await a.json(q("SELECT Id, Name FROM Fieldless__c"))).totalSize).toBe(3);
  });
});

describe("API versions", () => {
  it("GET /services/data lists every served version as {label, url, version}, without authentication", async () => {
    const r = await fetch(`${fake.url}/services/data/`);
    expect(r.status).toBe(200);
    const list = (await r.json()) as Array<{ label: string; url: string; version: string }>;
    expect(list[0]).toEqual({ label: "Summer '14", url: "/services/data/v31.0", version: "31.0" });
    expect(list).toContainEqual({ label: "Winter '25", url: "/services/data/v62.0", version: "62.0" });
    expect(list.at(-1)).toEqual({ label: "Summer '25", url: "/services/data/v64.0", version: "64.0" });
    expect(list.map((v) => v.version)).toEqual(Array.from({ length: 34 }, (_, i) => `${31 + i}.0`));
  });

  it("a version not served is refused as Salesforce refuses it, per API, and not counted", async () => {
    fake.resetCounts();
    const future = await a.get("/services/data/v70.0/limits");
    expect(future.status).toBe(404);
    expect(await future.json()).toEqual([{ message: "The requested resource does not exist", errorCode: "NOT_FOUND" }]);
    const retired = await a.get("/services/data/v30.0/limits");
    expect(retired.status).toBe(410);
    expect(((await retired.json()) as any)[0].errorCode).toBe("GONE");
    const bulk1 = await fetch(`${fake.url}/services/async/70.0/job`, {
      method: "POST",
      headers: { "X-SFDC-Session": a.token, "Content-Type": "application/xml" },
      body: "<jobInfo/>",
    });
    expect(bulk1.status).toBe(400);
    expect(await bulk1.text()).toContain("<exceptionCode>InvalidVersion</exceptionCode>");
    const soap = await fetch(`${fake.url}/services/Soap/u/70.0`, { method: "POST", body: "<login/>" });
    expect(soap.status).toBe(500);
    expect(await soap.text()).toContain("<faultcode>sf:UNSUPPORTED_API_VERSION</faultcode>");
    expect(fake.apiCallsCounted).toBe(0);
    expect((await a.get(`/services/data/v${V}/limits`)).status).toBe(200);
  });
});
