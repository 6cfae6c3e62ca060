// Parse workers (issue 16), driven in-process against the fake Salesforce (real HTTP on loopback):
// the Bulk extractors with parse_workers 2 write the same bytes as with 1 (the in-thread path), a
// worker killed mid-page costs nothing (the page is asked for again, its rows already written are
// skipped), and a broken body parsed in a worker is asked for again as it is on the main thread.
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeObjectSpec, type FakeSalesforce } from "../fake-salesforce/index.js";
import { baseConfig, liveIds, widgetObject } from "../helpers/read-fixtures.js";
import { parseConfig, type Config } from "../../src/config.js";
import { connect } from "../../src/salesforce/connect.js";
import type { SalesforceClient } from "../../src/salesforce/client.js";
import { discover } from "../../src/catalog/discover.js";
import { planStreams, type StreamPlan } from "../../src/read/plan.js";
import { extractBulk1 } from "../../src/read/extract-bulk1.js";
import { extractBulk2 } from "../../src/read/extract-bulk2.js";
import type { Extractor, RecordSink } from "../../src/read/extractor.js";
import { parsePool } from "../../src/read/records/parse-pool.js";

const ROWS = 30_000;
const OBJECT = "Parse__c";
const PAGE = 5000;
/** Rows of every width: each fourth has three Long Text Areas at Salesforce's 131,072-character limit. */
const WIDE = "Wide__c";
const LONG_TEXT = 131_072;

function wideObject(): FakeObjectSpec {
  const text = (i: number, unit: string) =>
    unit.repeat(LONG_TEXT / unit.length).slice(0, LONG_TEXT - 3) + String(i).padStart(3, "0");
  return {
    name: WIDE,
    fields: [
      { name: "Id", type: "id" },
      { name: "Name", type: "string" },
      ...["A", "B", "C"].map((c) => ({ name: `${c}__c`, type: "textarea", length: LONG_TEXT })),
    ],
    // UTF-8 takes 3 bytes for each of these characters, the most a UTF-16 unit can take.
    records: () =>
      Array.from({ length: 24 }, (_, i) =>
        i % 4 === 0
          ? { Name: `wide ${i}`, A__c: text(i, "日本語"), B__c: text(i, "€"), C__c: text(i, "語") }
          : { Name: `narrow ${i} — ü`, A__c: "a", B__c: null, C__c: "c" },
      ),
  };
}

let fake: FakeSalesforce;
const savedEnv = { ...process.env };

beforeAll(async () => {
  process.env.SOURCE_SALESFORCE_POLL_BASE_MS = "5";
  process.env.SOURCE_SALESFORCE_RETRY_BASE_MS = "10";
  fake = await startFakeSalesforce({
    extraObjects: [widgetObject(ROWS, OBJECT), wideObject()],
    bulk1ResultFileRows: 4000,
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await fake?.stop();
});
beforeEach(() => fake.clearFaults());

const FRAME = { prefix: "<", suffix: ">" };

/** Every line as written, through records() (framed here) or framedRecords() (framed by a worker). */
class Sink implements RecordSink {
  readonly lines: string[] = [];
  readonly warnings: string[] = [];
  framedCalls = 0;
  readonly log = {
    warn: (message: string) => void this.warnings.push(message),
    info: () => {},
  };
  /** Runs before the first framed part is taken (the test's moment to kill a worker). */
  beforeFirstFramed: (() => Promise<void>) | undefined;

  async records(dataJson: string[]): Promise<void> {
    for (const data of dataJson) this.lines.push(FRAME.prefix + data + FRAME.suffix);
  }
  recordFrame() {
    return FRAME;
  }
  async framedRecords(lines: Uint8Array, count: number, written: () => void): Promise<void> {
    if (this.framedCalls++ === 0) await this.beforeFirstFramed?.();
    const text = Buffer.from(lines).toString("utf8");
    written();
    const split = text.split("\n");
    expect(split.pop()).toBe("");
    expect(split).toHaveLength(count);
    this.lines.push(...split);
  }
  async estimate(): Promise<void> {}

  ids(): string[] {
    return this.lines.map((line) => (JSON.parse(line.slice(1, -1)) as { Id: string }).Id);
  }
}

async function setup(
  bulk: Record<string, unknown>,
  workers: number,
  object = OBJECT,
): Promise<{ config: Config; client: SalesforceClient; plan: StreamPlan }> {
  const config = parseConfig(
    baseConfig(fake, {
      bulk_api: bulk,
      parse_workers: workers,
      streams_criteria: [{ criteria: "exacts", value: object }],
    }),
  );
  const client = await connect(config, { warn: () => {}, info: () => {}, configChanged: async () => {} });
  const catalog = await discover(client, config, () => {});
  const [plan] = (await planStreams(
    client,
    config,
    { streams: [{ stream: catalog.streams[0]!, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }] },
    () => {},
  )) as [StreamPlan];
  return { config, client, plan };
}

async function read(
  extract: Extractor,
  bulk: Record<string, unknown>,
  workers: number,
  sink = new Sink(),
  object = OBJECT,
): Promise<Sink> {
  const s = await setup(bulk, workers, object);
  await extract(s.client, s.config, s.plan, undefined, sink);
  return sink;
}

const BULK2 = { version: "2.0", max_records: PAGE };
const BULK1 = { version: "1.0", pk_chunking: true, chunk_size: 10_000 };

describe.each([
  ["Bulk 2.0", extractBulk2, BULK2],
  ["Bulk 1.0", extractBulk1, BULK1],
] as const)("%s with parse workers", (_api, extract, bulk) => {
  it("2 workers write byte-for-byte the lines 1 (the main thread) writes, warnings included", async () => {
    // A value that does not fit its type on every page: null and one warning, on both paths.
    const rewrite = {
      kind: bulk === BULK2 ? "bulk2_results" : "bulk1_result",
      type: "rewrite_value",
      field: "Amount__c",
      value: "12 5 EUR",
      times: Infinity,
    } as const;
    fake.inject(rewrite);
    const here = await read(extract, bulk, 1);
    fake.inject(rewrite);
    const pooled = await read(extract, bulk, 2);
    expect(here.framedCalls).toBe(0);
    expect(pooled.framedCalls).toBeGreaterThan(1);
    expect(pooled.lines).toHaveLength(ROWS);
    // Bulk 1.0 batches finish in any order, and with workers a Bulk 2.0 page's lines come between
    // the page before's: the same lines, each page's in its own order.
    expect([...pooled.lines].sort()).toEqual([...here.lines].sort());
    if (bulk === BULK2) {
      const pageOf = new Map(here.lines.map((line, i) => [line, Math.floor(i / PAGE)]));
      for (let page = 0; page * PAGE < ROWS; page++)
        expect(pooled.lines.filter((line) => pageOf.get(line) === page)).toEqual(
          here.lines.slice(page * PAGE, (page + 1) * PAGE),
        );
    }
    expect(pooled.warnings.filter((w) => w.includes("Amount__c"))).toEqual(
      here.warnings.filter((w) => w.includes("Amount__c")),
    );
    expect(pooled.warnings.filter((w) => w.includes("Amount__c"))).toHaveLength(1);
  });

  it("lines of any width, multi-byte text included, come whole: wider than a part, and between narrow ones", async () => {
    const widthBulk = bulk === BULK2 ? { ...BULK2, max_records: 10 } : BULK1;
    const here = await read(extract, widthBulk, 1, new Sink(), WIDE);
    const pooled = await read(extract, widthBulk, 2, new Sink(), WIDE);
    expect(pooled.framedCalls).toBeGreaterThan(0);
    expect(here.lines).toHaveLength(24);
    // A wide line is three 131,072-character texts of 3-byte characters: wider than a part's buffer
    // (768 KiB, parse-worker.ts).
    expect(Math.max(...here.lines.map((line) => Buffer.byteLength(line)))).toBeGreaterThan(3 * 3 * (LONG_TEXT - 3));
    expect([...pooled.lines].sort()).toEqual([...here.lines].sort());
  });

  it("a worker killed mid-page: the read still delivers every record once", async () => {
    const sink = new Sink();
    let killed = 0;
    sink.beforeFirstFramed = async () => {
      // The worker holding a job now (the page this part belongs to, or the next one).
      const busy = parsePool(2).running.filter((worker) => worker.jobs.size > 0);
      expect(busy.length).toBeGreaterThan(0);
      for (const worker of busy) {
        await worker.terminate();
        killed++;
      }
    };
    await read(extract, bulk, 2, sink);
    expect(killed).toBeGreaterThan(0);
    const ids = sink.ids();
    expect(ids).toHaveLength(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
    expect([...ids].sort()).toEqual(liveIds(fake, OBJECT).sort());
  });

  it("a body cut mid-way is asked for again; nothing is written twice", async () => {
    fake.inject({ kind: bulk === BULK2 ? "bulk2_results" : "bulk1_result", type: "drop_mid_body", times: 2 });
    const sink = await read(extract, bulk, 2);
    expect(sink.framedCalls).toBeGreaterThan(0);
    const ids = sink.ids();
    expect(ids).toHaveLength(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
  });
});

describe("a body streaming to a worker", () => {
  it("is read off the wire no faster than the worker parses and stdout takes: a held read holds the socket", async () => {
    // 200 MB of CSV offered by a wire that produces it only when read; no part is ever written.
    const row = (i: number) => `${String(i).padStart(18, "0")},${"x".repeat(80)}\n`;
    const ROW_BYTES = row(0).length;
    let produced = 0;
    async function* wireChunks(): AsyncGenerator<Buffer> {
      yield Buffer.from("Id,Name\n");
      for (let i = 0; produced < 200 << 20; i += 1000) {
        const chunk = Buffer.from(Array.from({ length: 1000 }, (_, k) => row(i + k)).join(""));
        produced += chunk.byteLength;
        yield chunk;
      }
    }
    const schema = {
      type: "object",
      properties: { Id: { type: ["null", "string"] }, Name: { type: ["null", "string"] } },
    } as const;
    const job = parsePool(2).run({ schema, frame: FRAME, gzip: false, skip: 0, path: "/held" });
    job.feed(Readable.from(wireChunks(), { objectMode: false }));
    const first = await job.next();
    expect(first?.delivered).toBeGreaterThan(0);
    // Until the wire stops being read (500 ms without a byte), or the 200 MB run out.
    for (let held = -1; held !== produced;) {
      held = produced;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Held: the worker's run-ahead of lines (8 MB) and the wire's 1 MB, not the 200 MB on offer.
    expect(produced).toBeLessThan(12 << 20);
    expect(produced).toBeGreaterThan(ROW_BYTES * 1000);
    job.cancel();
  });
});
