/**
 * npm run bench: throughput, peak memory and API requests of a full-refresh read, beside the
 * "physical limit" (the same Bulk 2.0 CSV pages fetched and parsed by csv-parse alone, nothing else)
 * measured in the same run against the same fake Salesforce.
 *
 *   npm run bench                      1,000,000 rows, plus the RSS check at 200k and 2M rows
 *   npm run bench -- --rows 300000 --rss-sizes 100000,600000
 *   npm run bench -- --bulk 2.0        only Bulk 2.0 (default: 2.0 and 1.0 with PK chunking)
 *   npm run bench -- --page-latency-ms 500   each results page answers after 500 ms, as a real org's do
 *   npm run bench -- --scenario many-small  everyday incremental syncs of many small objects (bench/many-small.ts)
 */
import { spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startFakeSalesforce, type FakeSalesforce, type FakeObjectSpec } from "../test/fake-salesforce/index.js";
import { connectorConfig } from "../test/helpers/connector-config.js";
import { runManySmall } from "./many-small.js";

// --name value pairs; a flag followed by another flag (or nothing) is a switch ("").
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const value = process.argv[i + 1];
  const isValue = value !== undefined && !value.startsWith("--");
  args.set(process.argv[i]!.replace(/^--/, ""), isValue ? value : "");
  if (isValue) i++;
}
const rows = Number(args.get("rows") ?? 1_000_000);
const rssSizes = (args.get("rss-sizes") ?? "200000,2000000").split(",").filter(Boolean).map(Number);
const bulkVersions = (args.get("bulk") ?? "2.0,1.0").split(",");
/** Server time before each Bulk 2.0 results page answers, as a real org has (default 0: loopback). */
const pageLatencyMs = Number(args.get("page-latency-ms") ?? 0);
const repoRoot = resolve(import.meta.dirname, "../..");

/** ~20 mixed-type columns, like a typical custom object. */
function benchObject(count: number): FakeObjectSpec {
  const types: Array<[string, string]> = [
    ["Name", "string"],
    ["Status__c", "picklist"],
    ["Amount__c", "currency"],
    ["Quantity__c", "int"],
    ["Ratio__c", "double"],
    ["Share__c", "percent"],
    ["Active__c", "boolean"],
    ["Notes__c", "textarea"],
    ["Email__c", "email"],
    ["Phone__c", "phone"],
    ["Website__c", "url"],
    ["Due__c", "date"],
    ["Owner__c", "reference"],
    ["Region__c", "string"],
    ["Score__c", "double"],
  ];
  return {
    name: "Bench__c",
    records: count,
    fields: [
      { name: "Id", type: "id" },
      ...types.map(([name, type]) => ({ name, type, ...(type === "reference" ? { referenceTo: ["User"] } : {}) })),
      { name: "IsDeleted", type: "boolean" },
      { name: "CreatedDate", type: "datetime" },
      { name: "LastModifiedDate", type: "datetime" },
      { name: "SystemModstamp", type: "datetime" },
    ],
  };
}

interface Measure {
  rows: number;
  seconds: number;
  bytes: number;
  peakRssMb?: number;
  requests?: number;
}

async function token(fake: FakeSalesforce): Promise<string> {
  const c = fake.credentials;
  const response = await fetch(`${fake.url}/services/oauth2/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      refresh_token: c.refreshToken,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * The physical limit: the same job's pages fetched (gzip) and parsed by csv-parse in a child process
 * (bench/physical-limit.ts), so it has a core of its own as the connector does.
 */
async function physicalLimit(fake: FakeSalesforce, soql: string): Promise<Measure> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, "physical-limit.js"), fake.url, await token(fake), soql],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  if (code !== 0) throw new Error(`physical-limit exited ${code}`);
  return JSON.parse(out) as Measure;
}

/** The connector: `read` of the whole object as a child process, stdout to /dev/null, peak RSS from /proc. */
async function connectorRead(fake: FakeSalesforce, bulkVersion: string): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), "sf-bench-"));
  const config = connectorConfig(fake, {
    bulk_api: bulkVersion === "1.0" ? { version: "1.0", pk_chunking: true, chunk_size: 100_000 } : { version: "2.0" },
  });
  const object = benchObject(0);
  const properties = Object.fromEntries(object.fields!.map((f) => [f.name, { type: ["null", "string"] }]));
  const catalog = {
    streams: [
      {
        stream: {
          name: "Bench__c",
          json_schema: { type: "object", properties },
          supported_sync_modes: ["full_refresh", "incremental"],
        },
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite",
      },
    ],
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalog));
  // Use the discovered schema types, so the read types values as it would in production.
  const discovered = await discoverSchema(dir);
  (catalog.streams[0]!.stream as { json_schema: unknown }).json_schema = discovered;
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalog));

  fake.resetCounts();
  const started = performance.now();
  // BENCH_NODE_ARGS profiles the connector alone, e.g. "--cpu-prof" or "--trace-gc".
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(repoRoot, "dist/main.js"),
      "read",
      "--config",
      join(dir, "config.json"),
      "--catalog",
      join(dir, "catalog.json"),
    ],
    {
      stdio: ["ignore", process.env.BENCH_NODE_ARGS ? "inherit" : openSync("/dev/null", "w"), "inherit"],
    },
  );
  let peakKb = 0;
  const sample = (): void => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // the process has exited
    }
  };
  const timer = setInterval(sample, 25);
  const code = await new Promise<number | null>((r) => child.on("close", r));
  clearInterval(timer);
  if (code !== 0) throw new Error(`connector read exited ${code}`);
  const seconds = (performance.now() - started) / 1000;
  return {
    rows: fake.records("Bench__c") ? rowsOf(fake) : 0,
    seconds,
    bytes: 0,
    peakRssMb: peakKb / 1024,
    requests: fake.apiCallsCounted,
  };
}

function rowsOf(fake: FakeSalesforce): number {
  let n = 0;
  for (const _ of fake.records("Bench__c")) n++;
  return n;
}

async function discoverSchema(dir: string): Promise<Record<string, unknown>> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "dist/main.js"), "discover", "--config", join(dir, "config.json")],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on("close", r));
  const catalog = out
    .split("\n")
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          catalog?: { streams: Array<{ name: string; json_schema: Record<string, unknown> }> };
        },
    )
    .find((m) => m.type === "CATALOG");
  const stream = catalog?.catalog?.streams.find((s) => s.name === "Bench__c");
  if (!stream) throw new Error("discover did not list Bench__c");
  return stream.json_schema;
}

async function measure(count: number, bulk: string): Promise<{ limit: Measure; connector: Measure }> {
  const fake = await startFakeSalesforce({
    objects: [benchObject(count)],
    bulk2PollsUntilComplete: 1,
    bulk1PollsUntilComplete: 1,
    bulk2ResultsLatencyMs: pageLatencyMs,
  });
  try {
    const soql = `SELECT ${benchObject(0)
      .fields!.map((f) => f.name)
      .join(", ")} FROM Bench__c`;
    const limit = await physicalLimit(fake, soql);
    const connector = await connectorRead(fake, bulk);
    return { limit, connector };
  } finally {
    await fake.stop();
  }
}

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The default scenario: full-refresh throughput and peak RSS beside the physical limit. */
async function throughput(): Promise<void> {
  let failed = false;
  for (const bulk of bulkVersions) {
    const main = await measure(rows, bulk);
    const mb = main.limit.bytes / 1e6;
    const limitRate = main.limit.rows / main.limit.seconds;
    const connectorRate = rows / main.connector.seconds;
    const label = bulk === "1.0" ? "Bulk 1.0, PK chunking 100,000" : "Bulk 2.0";
    print(`${label}: full refresh of ${fmt(rows)} rows x 20 columns (${fmt(mb, 1)} MB of CSV, gzip on the wire)`);
    print(
      `  physical limit (Bulk 2.0 GET + gunzip + csv-parse only): ${fmt(limitRate)} records/s, ${fmt(mb / main.limit.seconds, 1)} MB/s`,
    );
    print(
      `  connector read to /dev/null: ${fmt(connectorRate)} records/s, ${fmt(mb / main.connector.seconds, 1)} MB/s, peak RSS ${fmt(main.connector.peakRssMb!, 1)} MB, ${main.connector.requests} API requests`,
    );
    print(`  ratio connector/limit: ${fmt(connectorRate / limitRate, 2)} (target >= 0.60)`);
    failed ||= connectorRate / limitRate < 0.6 || main.connector.peakRssMb! >= 200;
  }
  const rssFigures: Array<[number, number]> = [];
  for (const size of rssSizes) {
    const m = await measure(size, "2.0");
    rssFigures.push([size, m.connector.peakRssMb!]);
    print(
      `  Bulk 2.0 peak RSS at ${fmt(size)} rows: ${fmt(m.connector.peakRssMb!, 1)} MB (${fmt(size / m.connector.seconds)} records/s)`,
    );
  }
  if (rssFigures.length >= 2) {
    const values = rssFigures.map(([, v]) => v);
    const spread = (Math.max(...values) - Math.min(...values)) / Math.min(...values);
    print(
      `  RSS spread between ${rssFigures.map(([s]) => fmt(s)).join(" and ")} rows: ${fmt(spread * 100, 1)}% (target <= 15%)`,
    );
    failed ||= spread > 0.15 || values.some((v) => v >= 200);
  }
  print(failed ? "bench: a target was missed" : "bench: all targets met");
  process.exitCode = failed ? 1 : 0;
}

const scenario = args.get("scenario") ?? "throughput";
if (scenario === "many-small") process.exitCode = await runManySmall(args);
else if (scenario === "throughput") await throughput();
else throw new Error(`Unknown --scenario ${scenario}: use throughput (the default) or many-small`);
