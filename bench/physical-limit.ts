/**
 * The benchmark's yardstick: GET every results page of one Bulk 2.0 job and parse it with
 * csv-parse, doing nothing with the rows but count them (maxRecords 50,000 per page, as the naive
 * client and the bench's connector config ask). Prints {rows, seconds, bytes} as JSON.
 * Usage: node physical-limit.js INSTANCE_URL ACCESS_TOKEN SOQL
 */
import { get } from "node:http";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";

/** GET with node:http and gzip, the fastest plain way to pull a page (fetch's web streams are slower). */
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

const [url, accessToken, soql] = process.argv.slice(2) as [string, string, string];
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
  await new Promise((r) => setTimeout(r, 20));
}
let rows = 0;
let bytes = 0;
let locator: string | null = null;
do {
  const params = new URLSearchParams({ maxRecords: "50000" });
  if (locator) params.set("locator", locator);
  const page = await getPage(`${base}/${job.id}/results?${params}`, {
    ...auth,
    Accept: "text/csv",
  });
  locator = page.locator ?? null;
  const parser = parse({ bom: true });
  const counted = (async () => {
    for await (const _row of parser) rows++;
    rows--; // each page's header row
  })();
  for await (const chunk of page.body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (!parser.write(chunk)) await new Promise((r) => parser.once("drain", r));
  }
  parser.end();
  await counted;
} while (locator && locator !== "null");
process.stdout.write(JSON.stringify({ rows, seconds: (performance.now() - started) / 1000, bytes }));
