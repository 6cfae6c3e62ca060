/**
 * The benchmark's yardstick: GET every results page of one Bulk 2.0 job and parse it with
 * csv-parse, doing nothing with the rows but count them (maxRecords 50,000 per page, as the naive
 * client and the bench's connector config ask). Prints {rows, seconds, bytes} as JSON.
 * Usage: node physical-limit.js INSTANCE_URL ACCESS_TOKEN SOQL
 */
import { parse } from "csv-parse";
import { bulk2Pages } from "./bulk2-pages.js";

const [url, accessToken, soql] = process.argv.slice(2) as [string, string, string];
const started = performance.now();
let rows = 0;
let bytes = 0;
for await (const body of bulk2Pages(url, accessToken, soql)) {
  const parser = parse({ bom: true });
  const counted = (async () => {
    for await (const _row of parser) rows++;
    rows--; // each page's header row
  })();
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (!parser.write(chunk)) await new Promise((r) => parser.once("drain", r));
  }
  parser.end();
  await counted;
}
process.stdout.write(JSON.stringify({ rows, seconds: (performance.now() - started) / 1000, bytes }));
