/**
 * npm run bench: throughput and peak memory of a full-refresh read by the built connector, beside two
 * yardsticks measured in the same run against the same fake Salesforce: the "physical limit" (the
 * Bulk 2.0 CSV pages fetched and parsed by csv-parse alone, bench/physical-limit.ts) and the "naive
 * streaming client" (the same pages parsed with csv-parse `columns: true` and written as Airbyte
 * RECORD lines, bench/naive-client.ts). The connector runs with SOURCE_SALESFORCE_PARSE_WORKERS=1 and
 * with N parse workers.
 *
 *   npm run bench                      1,000,000 rows x 21 columns, plus the RSS check at 200k and 1M rows
 *   npm run bench -- --rows 300000 --rss-sizes 100000,300000
 *   npm run bench -- --bulk 2.0        only Bulk 2.0 (default: 2.0 and 1.0 with PK chunking)
 *   npm run bench -- --workers 1,2,4   the connector's parse worker counts (default 1 and os.availableParallelism());
 *                                      the targets hold the last one
 *   npm run bench -- --repeat 3        every client 3 times, in rotating order; the best records/s is kept
 *   npm run bench -- --page-latency-ms 500   each results page answers after 500 ms, as a real org's do
 *   npm run bench -- --scenario many-small  everyday incremental syncs of many small objects (bench/many-small.ts)
 *
 * The fake runs in this process with cacheResultBodies: every results page is rendered and gzipped
 * once, in an untimed warm-up, and served from memory in the timed runs (a real org's serving costs
 * the client no CPU; here it would take a core from the client measured).
 */
import { spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startFakeSalesforce, type FakeSalesforce, type FakeObjectSpec } from "../test/fake-salesforce/index.js";
import { connectorConfig } from "../test/helpers/connector-config.js";
import { runManySmall } from "./many-small.js";
import { MAX_RECORDS } from "./bulk2-pages.js";

// --name value pairs; a flag followed by another flag (or nothing) is a switch ("").
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const value = process.argv[i + 1];
  const isValue = value !== undefined && !value.startsWith("--");
  args.set(process.argv[i]!.replace(/^--/, ""), isValue ? value : "");
  if (isValue) i++;
}
const rows = Number(args.get("rows") ?? 1_000_000);
const rssSizes = (args.get("rss-sizes") ?? "200000,1000000")
  .split(",")
  .filter(Boolean)
  .map(Number)
  .sort((a, b) => a - b);
const bulkVersions = (args.get("bulk") ?? "2.0,1.0").split(",");
/** Parse worker counts the connector runs with (SOURCE_SALESFORCE_PARSE_WORKERS); the targets hold the last. */
const workerCounts = [
  ...new Set((args.get("workers") ?? `1,${availableParallelism()}`).split(",").filter(Boolean).map(Number)),
];
if (workerCounts.some((w) => !Number.isInteger(w) || w < 1)) throw new Error("--workers takes counts >= 1, e.g. 1,2");
const targetWorkers = workerCounts[workerCounts.length - 1]!;
/** Runs of every client per measurement (order rotated each time); the best records/s is kept. */
const repeat = Math.max(1, Number(args.get("repeat") ?? 1));
/** Server time before each Bulk 2.0 results page answers, as a real org has (default 0: loopback). */
const pageLatencyMs = Number(args.get("page-latency-ms") ?? 0);

const repoRoot = resolve(import.meta.dirname, "../..");

/** 21 mixed-type columns, like a typical custom object. */
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
    ["Closed__c", "datetime"],
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
const COLUMNS = benchObject(0).fields!.length;

interface Measure {
  rows: number;
  seconds: number;
  bytes: number;
  peakRssMb?: number;
  /** User + system CPU seconds of the process, all its threads (parse workers too). */
  cpuSeconds?: number;
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

/** Clock ticks per second of /proc/PID/stat's utime and stime (Linux's USER_HZ). */
const TICKS_PER_SECOND = 100;

/**
 * A child process, stdout to /dev/null unless `pipeStdout`; its wall time, peak RSS (VmHWM from
 * /proc/PID/status) and CPU time (utime + stime of /proc/PID/stat), sampled every 25 ms. CPU time
 * says what a client costs whatever else the machine runs; wall time does not.
 */
async function runChild(
  argv: string[],
  o: { env?: NodeJS.ProcessEnv; pipeStdout?: boolean; inheritStdout?: boolean } = {},
): Promise<{ seconds: number; peakRssMb: number; cpuSeconds: number; stdout: string }> {
  const started = performance.now();
  const stdout = o.pipeStdout ? "pipe" : o.inheritStdout ? "inherit" : openSync("/dev/null", "w");
  const child = spawn(process.execPath, argv, { stdio: ["ignore", stdout, "inherit"], env: o.env ?? process.env });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  let peakKb = 0;
  let cpuTicks = 0;
  const sample = (): void => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      // Fields after the command's ")": state is the 3rd field of the line, utime the 14th, stime the 15th.
      const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuTicks = Math.max(cpuTicks, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process has exited
    }
  };
  const timer = setInterval(sample, 25);
  const code = await new Promise<number | null>((r) => child.on("close", r));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${argv.map((a) => a.slice(0, 60)).join(" ")} exited ${code}`);
  return {
    seconds: (performance.now() - started) / 1000,
    peakRssMb: peakKb / 1024,
    cpuSeconds: cpuTicks / TICKS_PER_SECOND,
    stdout: out,
  };
}

/**
 * The physical limit: the job's pages fetched (gzip) and parsed by csv-parse in a child process
 * (bench/physical-limit.ts), so it has a core of its own as the connector does. Its own clock.
 */
async function physicalLimit(fake: FakeSalesforce, soql: string): Promise<Measure> {
  const run = await runChild([join(import.meta.dirname, "physical-limit.js"), fake.url, await token(fake), soql], {
    pipeStdout: true,
  });
  return JSON.parse(run.stdout) as Measure;
}

/** The naive streaming client (bench/naive-client.ts): wall time and peak RSS measured as the connector's. */
async function naiveClient(fake: FakeSalesforce, soql: string, dir: string): Promise<Measure> {
  const file = join(dir, "naive.json");
  const run = await runChild([join(import.meta.dirname, "naive-client.js"), fake.url, await token(fake), soql, file]);
  const m = JSON.parse(readFileSync(file, "utf8")) as Measure;
  return { ...m, seconds: run.seconds, peakRssMb: run.peakRssMb, cpuSeconds: run.cpuSeconds };
}

/** Config and catalog files for a read of Bench__c; returns the discovered schema's field order. */
async function prepare(fake: FakeSalesforce, bulkVersion: string, dir: string): Promise<string[]> {
  const config = connectorConfig(fake, {
    bulk_api:
      bulkVersion === "1.0"
        ? { version: "1.0", pk_chunking: true, chunk_size: 100_000 }
        : { version: "2.0", max_records: MAX_RECORDS },
  });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  // Use the discovered schema types, so the read types values as it would in production.
  const discovered = await discoverSchema(dir);
  const catalog = {
    streams: [
      {
        stream: {
          name: "Bench__c",
          json_schema: discovered,
          supported_sync_modes: ["full_refresh", "incremental"],
        },
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite",
      },
    ],
  };
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalog));
  return Object.keys((discovered as { properties: Record<string, unknown> }).properties);
}

/** The connector: `read` of the whole object as a child process, stdout to /dev/null, peak RSS from /proc. */
async function connectorRead(fake: FakeSalesforce, dir: string, workers: number): Promise<Measure> {
  fake.resetCounts();
  // BENCH_NODE_ARGS profiles the connector alone, e.g. "--cpu-prof" or "--trace-gc".
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const run = await runChild(
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
      env: { ...process.env, SOURCE_SALESFORCE_PARSE_WORKERS: String(workers) },
      inheritStdout: Boolean(process.env.BENCH_NODE_ARGS),
    },
  );
  return {
    rows: rowsOf(fake),
    seconds: run.seconds,
    bytes: 0,
    peakRssMb: run.peakRssMb,
    cpuSeconds: run.cpuSeconds,
    requests: fake.apiCallsCounted,
  };
}

function rowsOf(fake: FakeSalesforce): number {
  let n = 0;
  for (const _ of fake.records("Bench__c")) n++;
  return n;
}

async function discoverSchema(dir: string): Promise<Record<string, unknown>> {
  const run = await runChild([join(repoRoot, "dist/main.js"), "discover", "--config", join(dir, "config.json")], {
    pipeStdout: true,
  });
  const catalog = run.stdout
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

type Client = "limit" | "naive" | `connector:${number}`;

/** Best of `repeat` runs per client: the fastest run's records/s, the highest peak RSS seen. */
function keep(best: Map<Client, Measure>, client: Client, m: Measure): void {
  const prior = best.get(client);
  if (!prior) {
    best.set(client, m);
    return;
  }
  const fastest = m.seconds < prior.seconds ? m : prior;
  const peak = Math.max(prior.peakRssMb ?? 0, m.peakRssMb ?? 0);
  best.set(client, { ...fastest, ...(fastest.peakRssMb !== undefined ? { peakRssMb: peak } : {}) });
}

/**
 * One fake with `count` rows: warm its results cache untimed, then run `clients` `repeat` times each,
 * the order rotated every round. Throws when a timed run had a page rendered rather than served from
 * the cache (its SOQL was not the warm-up's), since its figure would not compare.
 */
async function measure(count: number, bulk: string, clients: Client[]): Promise<Map<Client, Measure>> {
  const fake = await startFakeSalesforce({
    objects: [benchObject(count)],
    bulk2PollsUntilComplete: 1,
    bulk1PollsUntilComplete: 1,
    bulk2ResultsLatencyMs: pageLatencyMs,
    cacheResultBodies: true,
  });
  const dir = mkdtempSync(join(tmpdir(), "sf-bench-"));
  try {
    // The connector selects the catalog's fields in the discovered schema's order; a full refresh
    // is that one query, no WHERE. The yardsticks send the very same SOQL, so all hit one cache.
    const soql = `SELECT ${(await prepare(fake, bulk, dir)).join(", ")} FROM Bench__c`;
    // Warm-up, untimed: the physical limit GETs every Bulk 2.0 page (gzip, maxRecords 50,000);
    // Bulk 1.0's result files come from one connector read.
    await physicalLimit(fake, soql);
    if (bulk === "1.0") await connectorRead(fake, dir, targetWorkers);
    const before = fake.resultCache();
    const best = new Map<Client, Measure>();
    for (let round = 0; round < repeat; round++) {
      const order = clients.map((_, k) => clients[(k + round) % clients.length]!);
      for (const client of order) {
        if (client === "limit") keep(best, client, await physicalLimit(fake, soql));
        else if (client === "naive") keep(best, client, await naiveClient(fake, soql, dir));
        else {
          keep(best, client, await connectorRead(fake, dir, Number(client.split(":")[1])));
          if (bulk === "2.0") checkConnectorSoql(fake, soql);
        }
      }
    }
    const after = fake.resultCache();
    if (after.misses > before.misses) {
      throw new Error(
        `bench: ${after.misses - before.misses} results bodies were rendered in timed runs: a client's query is not the warm-up's (${soql})`,
      );
    }
    return best;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await fake.stop();
  }
}

/** After a connector run (Bulk 2.0): its job's SOQL must be the one the yardsticks and the warm-up send. */
function checkConnectorSoql(fake: FakeSalesforce, soql: string): void {
  const sent = fake.requests.filter((r) => r.kind === "bulk2_create").map((r) => r.soql);
  if (sent.length && sent.some((s) => s !== soql)) {
    throw new Error(`bench: the connector's Bulk 2.0 query is not the warm-up's:\n  ${sent.join("\n  ")}\n  ${soql}`);
  }
}

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The default scenario: full-refresh throughput and peak RSS beside the physical limit and the naive client. */
async function throughput(): Promise<void> {
  let failed = false;
  const connectors = workerCounts.map((w): Client => `connector:${w}`);
  const target: Client = `connector:${targetWorkers}`;
  print(
    `parse workers: ${workerCounts.join(", ")} (targets: ${targetWorkers}); ${repeat === 1 ? "one run" : `best of ${repeat} runs`} per client; pages of ${fmt(MAX_RECORDS)} rows served from the fake's cache`,
  );
  const reuse = new Map<number, Map<Client, Measure>>();
  for (const bulk of bulkVersions) {
    const m = await measure(rows, bulk, ["naive", ...[...connectors].reverse(), "limit"]);
    if (bulk === "2.0") reuse.set(rows, m);
    const limit = m.get("limit")!;
    const naive = m.get("naive")!;
    const mb = limit.bytes / 1e6;
    const rate = (x: Measure): number => rows / x.seconds;
    const label = bulk === "1.0" ? "Bulk 1.0, PK chunking 100,000" : "Bulk 2.0";
    print(
      `${label}: full refresh of ${fmt(rows)} rows x ${COLUMNS} columns (${fmt(mb, 1)} MB of CSV, gzip on the wire)`,
    );
    print(
      `  physical limit (Bulk 2.0 GET + gunzip + csv-parse only): ${fmt(limit.rows / limit.seconds)} records/s, ${fmt(mb / limit.seconds, 1)} MB/s`,
    );
    print(
      `  naive client (Bulk 2.0 GET + csv-parse columns + JSON.stringify lines to /dev/null): ${fmt(rate(naive))} records/s, peak RSS ${fmt(naive.peakRssMb!, 1)} MB, CPU ${fmt(naive.cpuSeconds!, 1)} s`,
    );
    for (const c of connectors) {
      const x = m.get(c)!;
      print(
        `  connector read to /dev/null, ${plural(Number(c.split(":")[1]), "parse worker")}: ${fmt(rate(x))} records/s, ${fmt(mb / x.seconds, 1)} MB/s, peak RSS ${fmt(x.peakRssMb!, 1)} MB, CPU ${fmt(x.cpuSeconds!, 1)} s, ${x.requests} API requests`,
      );
    }
    const t = m.get(target)!;
    const toNaive = rate(t) / rate(naive);
    const toLimit = rate(t) / (limit.rows / limit.seconds);
    print(`  ratio connector(${targetWorkers})/naive: ${fmt(toNaive, 2)} (target >= 1.20)`);
    print(`  peak RSS connector(${targetWorkers}): ${fmt(t.peakRssMb!, 1)} MB (target < 150 MB)`);
    print(`  ratio connector(${targetWorkers})/limit: ${fmt(toLimit, 2)} (target >= 0.60)`);
    failed ||= toNaive < 1.2 || t.peakRssMb! >= 150 || toLimit < 0.6;
  }
  if (rssSizes.length >= 2) {
    const figures: Array<{ size: number; naive: Measure; connector: Measure }> = [];
    for (const size of rssSizes) {
      const m = reuse.get(size) ?? (await measure(size, "2.0", ["naive", target]));
      figures.push({ size, naive: m.get("naive")!, connector: m.get(target)! });
      print(
        `  Bulk 2.0 peak RSS at ${fmt(size)} rows: naive ${fmt(m.get("naive")!.peakRssMb!, 1)} MB, connector(${targetWorkers}) ${fmt(m.get(target)!.peakRssMb!, 1)} MB (${fmt(size / m.get(target)!.seconds)} records/s)${reuse.has(size) ? " (the run above)" : ""}`,
      );
    }
    const first = figures[0]!;
    const last = figures[figures.length - 1]!;
    const naiveGrowth = last.naive.peakRssMb! - first.naive.peakRssMb!;
    const connectorGrowth = last.connector.peakRssMb! - first.connector.peakRssMb!;
    print(
      `  RSS growth from ${fmt(first.size)} to ${fmt(last.size)} rows: connector(${targetWorkers}) ${fmt(connectorGrowth, 1)} MB, naive ${fmt(naiveGrowth, 1)} MB (target: connector <= naive + 5 MB)`,
    );
    failed ||= connectorGrowth > naiveGrowth + 5 || figures.some((f) => f.connector.peakRssMb! >= 150);
  }
  print(failed ? "bench: a target was missed" : "bench: all targets met");
  process.exitCode = failed ? 1 : 0;
}

const scenario = args.get("scenario") ?? "throughput";
if (scenario === "many-small") process.exitCode = await runManySmall(args);
else if (scenario === "throughput") await throughput();
else throw new Error(`Unknown --scenario ${scenario}: use throughput (the default) or many-small`);
