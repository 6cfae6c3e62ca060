import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import jsforce from "jsforce";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { login, parseCsv, V } from "./test-helpers.js";

const NS = "http://www.force.com/2009/06/asyncapi/dataload";
const B = `/services/async/${V}`;
const ROWS = 20_000;

let fake: FakeSalesforce;
let token: string;
beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [{ name: "Chunky__c", records: ROWS }],
    bulk1ResultFileRows: 15_000,
  });
  token = await login(fake);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.clearFaults();
});

interface Call {
  body?: string;
  headers?: Record<string, string>;
  token?: string;
}

function call(method: string, path: string, o: Call = {}): Promise<Response> {
  return fetch(`${fake.url}${B}${path}`, {
    method,
    headers: { "X-SFDC-Session": o.token ?? token, ...o.headers },
    body: o.body,
  });
}

const jobXml = (object: string, operation = "query"): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<jobInfo xmlns="${NS}">\n  <operation>${operation}</operation>\n` +
  `  <object>${object}</object>\n  <concurrencyMode>Parallel</concurrencyMode>\n  <contentType>CSV</contentType>\n</jobInfo>`;

const tag = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
const blocks = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((m) => m[1]!);

async function createJob(object: string, opts: { operation?: string; pk?: string } = {}): Promise<string> {
  const headers: Record<string, string> = { "Content-Type": "application/xml; charset=UTF-8" };
  if (opts.pk) headers["Sforce-Enable-PKChunking"] = opts.pk;
  const r = await call("POST", "/job", { body: jobXml(object, opts.operation), headers });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`create job: ${r.status} ${text}`);
  return tag(text, "id")!;
}

async function addBatch(jobId: string, soql: string): Promise<string> {
  const r = await call("POST", `/job/${jobId}/batch`, { body: soql, headers: { "Content-Type": "text/csv" } });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`add batch: ${r.status} ${text}`);
  return tag(text, "id")!;
}

interface BatchRow {
  id: string;
  state: string;
  stateMessage?: string;
  processed: number;
}

async function listBatches(jobId: string): Promise<BatchRow[]> {
  const r = await call("GET", `/job/${jobId}/batch`);
  expect(r.status).toBe(200);
  return blocks(await r.text(), "batchInfo").map((b) => ({
    id: tag(b, "id")!,
    state: tag(b, "state")!,
    stateMessage: tag(b, "stateMessage"),
    processed: Number(tag(b, "numberRecordsProcessed")),
  }));
}

const DONE = ["Completed", "Failed", "NotProcessed"];

async function waitForBatches(jobId: string): Promise<BatchRow[]> {
  for (let k = 0; k < 10; k++) {
    const list = await listBatches(jobId);
    if (list.every((b) => DONE.includes(b.state))) return list;
  }
  throw new Error("batches never finished");
}

async function resultIds(jobId: string, batchId: string): Promise<string[]> {
  const r = await call("GET", `/job/${jobId}/batch/${batchId}/result`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^application\/xml/);
  return [...(await r.text()).matchAll(/<result>(\w+)<\/result>/g)].map((m) => m[1]!);
}

/** All rows of all result files of a batch (each file's header checked and dropped). */
async function batchRows(jobId: string, batchId: string, header: string[]): Promise<string[][]> {
  const rows: string[][] = [];
  for (const rid of await resultIds(jobId, batchId)) {
    const r = await call("GET", `/job/${jobId}/batch/${batchId}/result/${rid}`);
    expect(r.status).toBe(200);
    const text = await r.text();
    if (text === "Records not found for this query") continue;
    const parsed = parseCsv(text);
    expect(parsed[0]).toEqual(header);
    rows.push(...parsed.slice(1));
  }
  return rows;
}

describe("Bulk API 1.0 query jobs over HTTP", () => {
  it("one batch without PK chunking: Queued -> InProgress -> Completed, XML shapes, quoted CSV", async () => {
    const created = await call("POST", "/job", {
      body: jobXml("Account"),
      headers: { "Content-Type": "application/xml; charset=UTF-8" },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("content-type")).toMatch(/^application\/xml/);
    const jobText = await created.text();
    expect(jobText.startsWith(`<?xml version="1.0" encoding="UTF-8"?><jobInfo\n   xmlns="${NS}">\n <id>750`)).toBe(
      true,
    );
    const jobId = tag(jobText, "id")!;
    expect(jobId).toMatch(/^750\w{15}$/);
    expect(tag(jobText, "state")).toBe("Open");
    expect(tag(jobText, "operation")).toBe("query");
    expect(tag(jobText, "object")).toBe("Account");
    expect(tag(jobText, "contentType")).toBe("CSV");
    expect(tag(jobText, "apiVersion")).toBe(V);
    expect(tag(jobText, "numberBatchesTotal")).toBe("0");
    expect(tag(jobText, "createdDate")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);

    const batchRes = await call("POST", `/job/${jobId}/batch`, {
      body: "SELECT Id, Name, Owner.Name FROM Account",
      headers: { "Content-Type": "text/csv; charset=UTF-8" },
    });
    expect(batchRes.status).toBe(201);
    const batchText = await batchRes.text();
    expect(batchText).toMatch(new RegExp(`^<\\?xml[^>]*\\?><batchInfo\\n   xmlns="${NS}">\\n <id>751\\w{15}</id>`));
    expect(tag(batchText, "jobId")).toBe(jobId);
    expect(tag(batchText, "state")).toBe("Queued");
    const batchId = tag(batchText, "id")!;

    const states: string[] = [];
    for (let k = 0; k < 3; k++) {
      const r = await call("GET", `/job/${jobId}/batch/${batchId}`);
      states.push(tag(await r.text(), "state")!);
    }
    expect(states).toEqual(["Queued", "InProgress", "Completed"]);
    expect(await listBatches(jobId)).toEqual([{ id: batchId, state: "Completed", processed: 50 }]);

    const info = await (await call("GET", `/job/${jobId}`)).text();
    expect(tag(info, "numberBatchesCompleted")).toBe("1");
    expect(tag(info, "numberBatchesTotal")).toBe("1");
    expect(tag(info, "numberRecordsProcessed")).toBe("50");

    const ids = await resultIds(jobId, batchId);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^752\w{12}$/);
    const file = await call("GET", `/job/${jobId}/batch/${batchId}/result/${ids[0]}`);
    expect(file.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await file.text();
    // Bulk 1.0 quotes every field, header included.
    expect(text.split("\n")[0]).toBe('"Id","Name","Owner.Name"');
    const rows = parseCsv(text).slice(1);
    expect(rows).toHaveLength(50);
    expect(rows.map((r) => r[0])).toEqual([...fake.records("Account")].map((r) => r.Id));
  });

  it("PK chunking: 20,000 rows with chunkSize=2000 -> original NotProcessed + 10 chunk batches, every Id once", async () => {
    const jobId = await createJob("Chunky__c", { pk: "chunkSize=2000" });
    const original = await addBatch(jobId, "SELECT Id, Name FROM Chunky__c");
    const list = await waitForBatches(jobId);
    expect(list).toHaveLength(11);
    expect(list[0]).toEqual({ id: original, state: "NotProcessed", processed: 0 });
    const chunks = list.slice(1);
    expect(chunks.every((b) => b.state === "Completed" && b.processed === 2000)).toBe(true);
    const seen: string[] = [];
    for (const b of chunks) {
      const rows = await batchRows(jobId, b.id, ["Id", "Name"]);
      expect(rows).toHaveLength(2000);
      seen.push(...rows.map((r) => r[0]!));
    }
    expect(seen).toHaveLength(ROWS);
    expect(new Set(seen).size).toBe(ROWS);
    expect([...seen].sort()).toEqual([...fake.records("Chunky__c")].map((r) => r.Id as string).sort());
    // Chunks are Id ranges in order.
    expect(seen).toEqual([...seen].sort());

    const info = await (await call("GET", `/job/${jobId}`)).text();
    expect(tag(info, "numberBatchesTotal")).toBe("11");
    expect(tag(info, "numberBatchesCompleted")).toBe("10");
    expect(tag(info, "numberRecordsProcessed")).toBe(String(ROWS));
  });

  it("PK chunking filters each chunk by the WHERE clause, honours startRow, and parent= chunks on the parent's Ids", async () => {
    const all = [...fake.records("Chunky__c")].map((r) => r.Id as string);
    const jobId = await createJob("Chunky__c", { pk: `chunkSize=2000; startRow=${all[10_000]}` });
    await addBatch(jobId, "SELECT Id FROM Chunky__c WHERE Name LIKE '%1'");
    const list = await waitForBatches(jobId);
    expect(list).toHaveLength(6);
    const got: string[] = [];
    for (const b of list.slice(1)) got.push(...(await batchRows(jobId, b.id, ["Id"])).map((r) => r[0]!));
    const expected = [...fake.records("Chunky__c")]
      .slice(10_000)
      .filter((r) => String(r.Name).endsWith("1"))
      .map((r) => r.Id);
    expect(got).toEqual(expected);

    // AccountHistory is not PK-chunkable by itself; with parent=Account it is.
    const bad = await createJob("AccountHistory", { pk: "true" });
    const badBatch = await addBatch(bad, "SELECT Id FROM AccountHistory");
    const badList = await waitForBatches(bad);
    expect(badList).toHaveLength(1);
    expect(badList[0]).toMatchObject({ id: badBatch, state: "Failed" });
    expect(badList[0]!.stateMessage).toBe(
      "InvalidBatch : Failed to process query: PK chunking is not supported for entity 'AccountHistory'",
    );
    const byParent = await createJob("AccountHistory", { pk: "chunkSize=10; parent=Account" });
    await addBatch(byParent, "SELECT Id, AccountId FROM AccountHistory");
    const parentList = await waitForBatches(byParent);
    expect(parentList).toHaveLength(6); // 50 Accounts / 10
    const rows: string[][] = [];
    for (const b of parentList.slice(1)) rows.push(...(await batchRows(byParent, b.id, ["Id", "AccountId"])));
    const history = [...fake.records("AccountHistory")].filter((r) => r.AccountId != null);
    expect(new Set(rows.map((r) => r[0])).size).toBe(history.length);
  });

  it("GET batch/{id}/request gives a chunk's SOQL with its Id range; re-running it returns the same rows", async () => {
    const jobId = await createJob("Chunky__c", { pk: "chunkSize=7000" });
    const soql = "SELECT Id FROM Chunky__c WHERE Name LIKE '%7'";
    const original = await addBatch(jobId, soql);
    const list = await waitForBatches(jobId);
    expect(list).toHaveLength(4);
    const request = async (batchId: string): Promise<string> => {
      const r = await call("GET", `/job/${jobId}/batch/${batchId}/request`);
      expect(r.status).toBe(200);
      return r.text();
    };
    expect(await request(original)).toBe(soql);
    const texts = await Promise.all(list.slice(1).map((b) => request(b.id)));
    const all = [...fake.records("Chunky__c")].map((r) => (r.Id as string).slice(0, 15));
    expect(texts[0]).toBe(
      `SELECT Id FROM Chunky__c WHERE (Name LIKE '%7') AND Id >= '${all[0]}' AND Id < '${all[7000]}'`,
    );
    expect(texts[2]).toMatch(new RegExp(`AND Id >= '${all[14_000]}' AND Id < '\\w{15}'$`));
    for (const [k, b] of list.slice(1).entries()) {
      const again = await createJob("Chunky__c");
      const batchId = await addBatch(again, texts[k]!);
      await waitForBatches(again);
      expect(await batchRows(again, batchId, ["Id"])).toEqual(await batchRows(jobId, b.id, ["Id"]));
    }
    expect(fake.count("bulk1_batch_request")).toBe(4);
  });

  it("a batch with more rows than bulk1ResultFileRows has several result files; gzip when asked", async () => {
    const jobId = await createJob("Chunky__c");
    const batchId = await addBatch(jobId, "SELECT Id, Name FROM Chunky__c");
    await waitForBatches(jobId);
    const ids = await resultIds(jobId, batchId);
    expect(ids).toHaveLength(2);
    const rows = await batchRows(jobId, batchId, ["Id", "Name"]);
    expect(rows).toHaveLength(ROWS);
    expect(new Set(rows.map((r) => r[0])).size).toBe(ROWS);

    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = request(`${fake.url}${B}/job/${jobId}/batch/${batchId}/result/${ids[1]}`, {
        headers: { "x-sfdc-session": token, "accept-encoding": "gzip" },
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
    expect(parseCsv(gunzipSync(raw.body).toString("utf8"))).toHaveLength(5001);
  });

  it("an empty result is one file reading 'Records not found for this query'", async () => {
    const jobId = await createJob("Account");
    const batchId = await addBatch(jobId, "SELECT Id FROM Account WHERE Name = 'no such account'");
    await waitForBatches(jobId);
    const ids = await resultIds(jobId, batchId);
    expect(ids).toHaveLength(1);
    const text = await (await call("GET", `/job/${jobId}/batch/${batchId}/result/${ids[0]}`)).text();
    expect(text).toBe("Records not found for this query");
  });

  it("queryAll returns deleted rows; results are snapshotted when the batch is created", async () => {
    const ids = [...fake.records("Contact")].slice(0, 2).map((r) => r.Id as string);
    const before = await createJob("Contact");
    const beforeBatch = await addBatch(before, "SELECT Id FROM Contact");
    fake.delete("Contact", [ids[0]!]);
    fake.insert("Contact", [{ LastName: "Later" }]);
    await waitForBatches(before);
    const snap = await batchRows(before, beforeBatch, ["Id"]);
    expect(snap).toHaveLength(50);
    expect(snap.map((r) => r[0])).toContain(ids[0]);

    const q = await createJob("Contact", { pk: "chunkSize=10" });
    await addBatch(q, "SELECT Id, IsDeleted FROM Contact");
    const qa = await createJob("Contact", { operation: "queryAll", pk: "chunkSize=10" });
    await addBatch(qa, "SELECT Id, IsDeleted FROM Contact");
    const collect = async (jobId: string): Promise<string[][]> => {
      const out: string[][] = [];
      for (const b of (await waitForBatches(jobId)).slice(1))
        out.push(...(await batchRows(jobId, b.id, ["Id", "IsDeleted"])));
      return out;
    };
    const live = await collect(q);
    expect(live).toHaveLength(50);
    expect(live.map((r) => r[0])).not.toContain(ids[0]);
    const everything = await collect(qa);
    expect(everything).toHaveLength(51);
    expect(everything.find((r) => r[0] === ids[0])![1]).toBe("true");
  });

  it("close and abort: Closed jobs refuse batches, aborting leaves queued batches NotProcessed", async () => {
    const jobId = await createJob("Account");
    const batchId = await addBatch(jobId, "SELECT Id FROM Account");
    const closed = await call("POST", `/job/${jobId}`, {
      body: `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="${NS}"><state>Closed</state></jobInfo>`,
      headers: { "Content-Type": "application/xml; charset=UTF-8" },
    });
    expect(closed.status).toBe(200);
    expect(tag(await closed.text(), "state")).toBe("Closed");
    const refused = await call("POST", `/job/${jobId}/batch`, {
      body: "SELECT Id FROM Account",
      headers: { "Content-Type": "text/csv" },
    });
    expect(refused.status).toBe(400);
    expect(tag(await refused.text(), "exceptionCode")).toBe("InvalidJobState");
    // Query batches of a closed job still complete.
    expect((await waitForBatches(jobId)).map((b) => b.state)).toEqual(["Completed"]);
    expect(await resultIds(jobId, batchId)).toHaveLength(1);

    const pk = await createJob("Chunky__c", { pk: "chunkSize=5000" });
    await addBatch(pk, "SELECT Id FROM Chunky__c");
    const abort = await call("POST", `/job/${pk}`, {
      body: JSON.stringify({ state: "Aborted" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(abort.status).toBe(200);
    const aborted = (await abort.json()) as Record<string, unknown>;
    expect(aborted).toMatchObject({ id: pk, state: "Aborted", numberBatchesTotal: 5, apiVersion: Number(V) });
    expect(Object.keys(aborted)).toEqual(Object.keys(aborted).sort());
    expect((await listBatches(pk)).map((b) => b.state)).toEqual(Array(5).fill("NotProcessed"));
    const again = await call("POST", `/job/${pk}`, {
      body: `<jobInfo xmlns="${NS}"><state>Closed</state></jobInfo>`,
      headers: { "Content-Type": "application/xml" },
    });
    expect(again.status).toBe(400);
    expect(tag(await again.text(), "exceptionCode")).toBe("InvalidJobState");
    expect(fake.requests.filter((r) => r.kind === "bulk1_abort_job")).toHaveLength(1);
    expect(fake.requests.filter((r) => r.kind === "bulk1_close_job")).toHaveLength(2);
  });

  it("validates jobs and batches like Salesforce", async () => {
    const err = async (r: Response): Promise<[number, string, string]> => {
      const text = await r.text();
      return [r.status, tag(text, "exceptionCode")!, tag(text, "exceptionMessage")!];
    };
    const xml = { "Content-Type": "application/xml" };
    expect(await err(await call("POST", "/job", { body: jobXml("Nope__c"), headers: xml }))).toEqual([
      400,
      "InvalidJob",
      "Unable to find object: Nope__c",
    ]);
    expect(await err(await call("POST", "/job", { body: jobXml("TaskStatus"), headers: xml }))).toEqual([
      400,
      "InvalidEntity",
      "Entity 'TaskStatus' is not supported by the Bulk API.",
    ]);
    const tooBig = await call("POST", "/job", {
      body: jobXml("Account"),
      headers: { ...xml, "Sforce-Enable-PKChunking": "chunkSize=250001" },
    });
    expect((await err(tooBig)).slice(0, 2)).toEqual([400, "InvalidJob"]);
    expect((await err(await call("GET", "/job/750000000000000AAA"))).slice(0, 2)).toEqual([400, "InvalidJob"]);

    const jobId = await createJob("Account");
    const wrongType = await call("POST", `/job/${jobId}/batch`, {
      body: "SELECT Id FROM Account",
      headers: { "Content-Type": "application/xml" },
    });
    expect((await err(wrongType)).slice(0, 2)).toEqual([400, "InvalidBatch"]);
    const badField = await addBatch(jobId, "SELECT Id, Nope FROM Account");
    const compound = await addBatch(jobId, "SELECT Id, BillingAddress FROM Account");
    const list = await waitForBatches(jobId);
    expect(list.find((b) => b.id === badField)!.stateMessage).toMatch(
      /^InvalidBatch : Failed to process query: INVALID_FIELD: [\s\S]*No such column 'Nope' on entity 'Account'/,
    );
    expect(list.find((b) => b.id === compound)!.stateMessage).toBe(
      "InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Selecting compound data not supported in Bulk Query",
    );
    const notDone = await call("GET", `/job/${jobId}/batch/${badField}/result`);
    expect(await err(notDone)).toEqual([400, "InvalidBatch", "Batch not completed"]);

    // JSON job creation answers JSON (fields in alphabetical order).
    const jsonJob = await call("POST", "/job", {
      body: JSON.stringify({ operation: "queryAll", object: "Contact", contentType: "CSV" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(jsonJob.status).toBe(201);
    const info = (await jsonJob.json()) as Record<string, unknown>;
    expect(info).toMatchObject({ operation: "queryAll", object: "Contact", state: "Open", contentType: "CSV" });
    expect(info.createdDate).toMatch(/\.000\+0000$/);
  });
});

describe("Bulk API 1.0 faults, sessions and counting", () => {
  it("invalid session: HTTP 400 InvalidSessionId XML (JSON for JSON requests)", async () => {
    const r = await call("GET", "/job/750000000000000AAA", { token: "bogus" });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/^application\/xml/);
    expect(await r.text()).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><error xmlns="${NS}"><exceptionCode>InvalidSessionId</exceptionCode>` +
        "<exceptionMessage>Invalid session id</exceptionMessage></error>",
    );
    const j = await call("POST", "/job", {
      token: "bogus",
      body: "{}",
      headers: { "Content-Type": "application/json" },
    });
    expect(j.status).toBe(400);
    expect(await j.json()).toEqual({ exceptionCode: "InvalidSessionId", exceptionMessage: "Invalid session id" });
    // Authorization: Bearer works too.
    const bearer = await fetch(`${fake.url}${B}/job`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/xml" },
      body: jobXml("Account"),
    });
    expect(bearer.status).toBe(201);
  });

  it("injected faults: invalid_session revokes the token, request_limit is ExceededQuota, http500, drop_mid_body", async () => {
    const own = await login(fake);
    const jobId = await createJob("Chunky__c");
    const batchId = await addBatch(jobId, "SELECT Id, Name FROM Chunky__c");
    await waitForBatches(jobId);

    fake.inject({ kind: "bulk1_job_status", type: "invalid_session" });
    const r = await call("GET", `/job/${jobId}`, { token: own });
    expect(r.status).toBe(400);
    expect(tag(await r.text(), "exceptionCode")).toBe("InvalidSessionId");
    expect((await call("GET", `/job/${jobId}`, { token: own })).status).toBe(400);

    fake.inject({ kind: "bulk1_batch_list", type: "request_limit" });
    const limited = await call("GET", `/job/${jobId}/batch`);
    expect(limited.status).toBe(403);
    const limitedText = await limited.text();
    expect(tag(limitedText, "exceptionCode")).toBe("ExceededQuota");
    expect(tag(limitedText, "exceptionMessage")).toBe("TotalRequests Limit exceeded.");

    fake.inject({ kind: "bulk1_create_job", type: "http500" });
    const crashed = await call("POST", "/job", {
      body: jobXml("Account"),
      headers: { "Content-Type": "application/xml" },
    });
    expect(crashed.status).toBe(500);
    expect(tag(await crashed.text(), "exceptionCode")).toBe("UNKNOWN_EXCEPTION");

    const [rid] = await resultIds(jobId, batchId);
    fake.inject({ kind: "bulk1_result", type: "drop_mid_body" });
    const cut = await call("GET", `/job/${jobId}/batch/${batchId}/result/${rid}`);
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();
    const ok = await call("GET", `/job/${jobId}/batch/${batchId}/result/${rid}`);
    expect(parseCsv(await ok.text())).toHaveLength(15_001);
  });

  it("batch_failed fails the n-th chunk batch; query_timeout fails a non-chunked batch", async () => {
    fake.inject({ kind: "bulk1_batch", type: "batch_failed", after: 3 });
    const jobId = await createJob("Chunky__c", { pk: "chunkSize=5000" });
    await addBatch(jobId, "SELECT Id FROM Chunky__c");
    const list = await waitForBatches(jobId);
    expect(list.map((b) => b.state)).toEqual(["NotProcessed", "Completed", "Completed", "Completed", "Failed"]);
    expect(list[4]).toMatchObject({
      stateMessage: "InternalServerError : Failed to write query result.",
      processed: 0,
    });
    const info = await (await call("GET", `/job/${jobId}`)).text();
    expect([tag(info, "numberBatchesCompleted"), tag(info, "numberBatchesFailed")]).toEqual(["3", "1"]);
    const failedResults = await call("GET", `/job/${jobId}/batch/${list[4]!.id}/result`);
    expect(failedResults.status).toBe(400);

    fake.inject({ kind: "bulk1_batch", type: "query_timeout" });
    const single = await createJob("Account");
    const batchId = await addBatch(single, "SELECT Id FROM Account");
    const [batch] = await waitForBatches(single);
    expect(batch).toMatchObject({ id: batchId, state: "Failed" });
    expect(batch!.stateMessage).toContain("QUERY_TIMEOUT");
    // The fault was used up: the next batch completes.
    const next = await addBatch(single, "SELECT Id FROM Account");
    expect((await waitForBatches(single)).find((b) => b.id === next)!.state).toBe("Completed");
  });

  it("every Bulk 1.0 request is recorded with its headers and counts one API call", async () => {
    fake.resetCounts();
    const jobId = await createJob("Chunky__c", { pk: "chunkSize=10000" });
    await addBatch(jobId, "SELECT Id FROM Chunky__c");
    await waitForBatches(jobId);
    await call("GET", `/job/${jobId}`);
    const created = fake.requests.find((r) => r.kind === "bulk1_create_job")!;
    expect(created.headers["sforce-enable-pkchunking"]).toBe("chunkSize=10000");
    expect(created.apiVersion).toBe(V);
    expect(fake.requests.find((r) => r.kind === "bulk1_create_batch")!.soql).toBe("SELECT Id FROM Chunky__c");
    expect(fake.count("bulk1_batch_list")).toBeGreaterThanOrEqual(1);
    expect(fake.count("bulk1_job_status")).toBe(1);
    expect(fake.apiCallsCounted).toBe(fake.requests.length);
  });
});

describe("Bulk API 1.0 through jsforce", () => {
  it("a job opened by hand with the PK chunking header, then job.check(), job.list(), batch.retrieve() and result streams", async () => {
    const conn = new jsforce.Connection({ instanceUrl: fake.url, accessToken: token, version: V });
    const opened = await conn.bulk._request<{ jobInfo: { id: string; state: string } }>({
      method: "POST",
      path: "/job",
      body: jobXml("Chunky__c"),
      headers: { "Content-Type": "application/xml; charset=utf-8", "Sforce-Enable-PKChunking": "chunkSize=2000" },
      responseType: "application/xml",
    });
    expect(opened.jobInfo.state).toBe("Open");
    const queued = await conn.bulk._request<{ batchInfo: { id: string; state: string } }>({
      method: "POST",
      path: `/job/${opened.jobInfo.id}/batch`,
      body: "SELECT Id, Name FROM Chunky__c",
      headers: { "Content-Type": "text/csv" },
      responseType: "application/xml",
    });
    expect(queued.batchInfo.state).toBe("Queued");

    const job = conn.bulk.job(opened.jobInfo.id);
    const info = await job.check();
    expect(info).toMatchObject({ object: "Chunky__c", operation: "query", numberBatchesTotal: "11" });
    let list = await job.list();
    for (let k = 0; k < 5 && !list.every((b) => DONE.includes(b.state)); k++) list = await job.list();
    expect(list.filter((b) => b.state === "Completed")).toHaveLength(10);
    expect(list.find((b) => b.id === queued.batchInfo.id)!.state).toBe("NotProcessed");

    const ids = new Set<string>();
    for (const b of list.filter((x) => x.state === "Completed")) {
      const results = (await job.batch(b.id).retrieve()) as Array<{ id: string }>;
      expect(results).toHaveLength(1);
      for (const r of results) {
        let text = "";
        for await (const chunk of job.batch(b.id).result(r.id).stream()) text += String(chunk);
        const rows = parseCsv(text);
        expect(rows[0]).toEqual(["Id", "Name"]);
        for (const row of rows.slice(1)) ids.add(row[0]!);
      }
    }
    expect(ids.size).toBe(ROWS);
    const closed = await job.close();
    expect(closed?.state).toBe("Closed");
  });

  it("conn.bulk.query() end to end (open, streamed batch upload, poll, retrieve, parse, close)", async () => {
    const conn = new jsforce.Connection({ instanceUrl: fake.url, accessToken: token, version: V });
    conn.bulk.pollInterval = 5;
    const records: Array<Record<string, unknown>> = [];
    const stream = await conn.bulk.query("SELECT Id, Name, IsDeleted FROM Account");
    await new Promise<void>((resolve, reject) => {
      stream.on("record", (r: Record<string, unknown>) => records.push(r));
      stream.on("end", () => resolve());
      stream.on("error", reject);
    });
    expect(records).toHaveLength(50);
    expect(records[0]).toMatchObject({ Id: expect.stringMatching(/^001/), IsDeleted: "false" });
  });

  it("jsforce refreshes the session after HTTP 400 InvalidSessionId", async () => {
    const c = fake.credentials;
    const oauth2 = new jsforce.OAuth2({ loginUrl: fake.url, clientId: c.clientId, clientSecret: c.clientSecret });
    const conn = new jsforce.Connection({
      oauth2,
      instanceUrl: fake.url,
      accessToken: "stale",
      refreshToken: c.refreshToken,
      version: V,
    });
    const before = fake.count("oauth_token");
    const opened = await conn.bulk._request<{ jobInfo: { id: string } }>({
      method: "POST",
      path: "/job",
      body: jobXml("Account"),
      headers: { "Content-Type": "application/xml; charset=utf-8" },
      responseType: "application/xml",
    });
    expect(opened.jobInfo.id).toMatch(/^750/);
    expect(fake.count("oauth_token")).toBe(before + 1);
  });
  it("a later session lists a job's batches and reads their results; forgetJobs() makes the job unknown", async () => {
    const jobId = await createJob("Chunky__c", { pk: "chunkSize=5000" });
    await addBatch(jobId, "SELECT Id FROM Chunky__c");
    const list = await waitForBatches(jobId);
    const later = await login(fake);
    const again = await (await call("GET", `/job/${jobId}/batch`, { token: later })).text();
    expect(blocks(again, "batchInfo").map((b) => tag(b, "id"))).toEqual(list.map((b) => b.id));
    const chunk = list[1]!;
    const results = await (await call("GET", `/job/${jobId}/batch/${chunk.id}/result`, { token: later })).text();
    const resultId = tag(results, "result")!;
    const file = await call("GET", `/job/${jobId}/batch/${chunk.id}/result/${resultId}`, { token: later });
    expect(file.status).toBe(200);
    expect(parseCsv(await file.text())).toHaveLength(5001);

    expect(fake.forgetJobs()).toBeGreaterThan(0);
    for (const path of [`/job/${jobId}`, `/job/${jobId}/batch`, `/job/${jobId}/batch/${chunk.id}/result/${resultId}`]) {
      const gone = await call("GET", path, { token: later });
      expect(gone.status).toBe(400);
      expect(tag(await gone.text(), "exceptionCode")).toBe("InvalidJob");
    }
  });
});
