/**
 * The benchmark's "naive streaming client" yardstick: what a plain Node program that turns a Bulk
 * 2.0 job into Airbyte RECORD lines does. GET every results page (node:http, gzip, maxRecords 50,000,
 * locator paging, one page after another), parse it with csv-parse `columns: true`, and write
 * `{"type":"RECORD","record":{"stream":"Bench__c","data":{...},"emitted_at":...}}` per record to
 * stdout, batched into ~256 KB writes that wait for 'drain'. No typing, no state, no checks.
 * Writes {rows, seconds, bytes} as JSON to MEASURE_FILE when done.
 * Usage: node naive-client.js INSTANCE_URL ACCESS_TOKEN SOQL MEASURE_FILE
 */
import { writeFileSync } from "node:fs";
import { get } from "node:http";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";

const MAX_RECORDS = 50_000;
const WRITE_BYTES = 256 * 1024;

function getPage(
  url: string,
  headers: Record<string, string>,
): Promise<{ body: Readable; locator: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { ...headers, "Accept-Encoding": "gzip" } }, (res) => {
      const body = res.headers["content-encoding"] === "gzip" ? pipeline(res, createGunzip(), () => {}) : res;
      resolve({ body, locator: res.headers["sforce-locator"] as string | undefined });
    }).on("error", reject);
  });
}

let pending: string[] = [];
let pendingBytes = 0;

/** Hands the batched lines to stdout; resolves once stdout can take more. */
async function flush(): Promise<void> {
  if (!pending.length) return;
  const chunk = pending.join("");
  pending = [];
  pendingBytes = 0;
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
}

const [url, accessToken, soql, measureFile] = process.argv.slice(2) as [string, string, string, string];
const auth = { Authorization: `Bearer ${accessToken}` };
const base = `${url}/services/data/v62.0/jobs/query`;
const started = performance.now();
const created = await fetch(base, {
  method: "POST",
  headers: { ...auth, "content-type": "application/json" },
  body: JSON.stringify({ operation: "query", query: soql }),
});
const job = (await created.json()) as { id: string };
for (;;) {
  const status = (await (await fetch(`${base}/${job.id}`, { headers: auth })).json()) as { state: string };
  if (status.state === "JobComplete") break;
  if (status.state === "Failed" || status.state === "Aborted") throw new Error(`job ${status.state}`);
  await new Promise((r) => setTimeout(r, 20));
}
let rows = 0;
let bytes = 0;
let locator: string | null = null;
do {
  const params = new URLSearchParams({ maxRecords: String(MAX_RECORDS) });
  if (locator) params.set("locator", locator);
  const page = await getPage(`${base}/${job.id}/results?${params}`, { ...auth, Accept: "text/csv" });
  locator = page.locator ?? null;
  const parser = page.body.pipe(parse({ bom: true, columns: true }));
  page.body.on("data", (chunk: Buffer) => (bytes += chunk.length));
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    const line = `${JSON.stringify({ type: "RECORD", record: { stream: "Bench__c", data: record, emitted_at: Date.now() } })}\n`;
    pending.push(line);
    pendingBytes += line.length;
    rows++;
    if (pendingBytes >= WRITE_BYTES) await flush();
  }
} while (locator && locator !== "null");
await flush();
writeFileSync(measureFile, JSON.stringify({ rows, seconds: (performance.now() - started) / 1000, bytes }));
