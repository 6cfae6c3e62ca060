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
import { parse } from "csv-parse";
import { bulk2Pages } from "./bulk2-pages.js";

const WRITE_BYTES = 256 * 1024;

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
const started = performance.now();
let rows = 0;
let bytes = 0;
for await (const body of bulk2Pages(url, accessToken, soql)) {
  const parser = body.pipe(parse({ bom: true, columns: true }));
  body.on("data", (chunk: Buffer) => (bytes += chunk.length));
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    const line = `${JSON.stringify({ type: "RECORD", record: { stream: "Bench__c", data: record, emitted_at: Date.now() } })}\n`;
    pending.push(line);
    pendingBytes += line.length;
    rows++;
    if (pendingBytes >= WRITE_BYTES) await flush();
  }
}
await flush();
writeFileSync(measureFile, JSON.stringify({ rows, seconds: (performance.now() - started) / 1000, bytes }));
