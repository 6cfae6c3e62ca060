// Resumable Bulk reads (issue 12), driven in-process against the fake Salesforce (real HTTP on
// loopback): a read stopped like a killed process (its sink never answers again, so no cleanup runs)
// after 60% of a 60,000-row window, then a second read from its last checkpoint.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { baseConfig, liveIds, widgetObject } from "../helpers/read-fixtures.js";
import { parseConfig, type Config } from "../../src/config.js";
import { connect } from "../../src/salesforce/connect.js";
import type { SalesforceClient } from "../../src/salesforce/client.js";
import { discover } from "../../src/catalog/discover.js";
import { planStreams, type StreamPlan } from "../../src/read/plan.js";
import { extractBulk1 } from "../../src/read/extract-bulk1.js";
import { extractBulk2 } from "../../src/read/extract-bulk2.js";
import type { Extractor, RecordSink } from "../../src/read/extractor.js";
import { CHECKPOINT_RECORDS, type BulkProgress } from "../../src/read/bulk-progress.js";

const ROWS = 60_000;
const OBJECT = "Resume__c";
const PAGE = 5000;

let fake: FakeSalesforce;
const savedEnv = { ...process.env };

beforeAll(async () => {
  process.env.SOURCE_SALESFORCE_POLL_BASE_MS = "5";
  process.env.SOURCE_SALESFORCE_RETRY_BASE_MS = "10";
  fake = await startFakeSalesforce({ extraObjects: [widgetObject(ROWS, OBJECT)] });
});
afterAll(async () => {
  process.env = savedEnv;
  await fake?.stop();
});
beforeEach(() => {
  fake.clearFaults();
});

const FRAME = { prefix: '{"data":', suffix: "}" };

/** Ids handed over, checkpoints (with the Ids handed over before each), log lines; stalls for good after `stopAfter` records. */
class Sink implements RecordSink {
  readonly ids: string[] = [];
  readonly checkpoints: Array<{ progress: BulkProgress; delivered: number }> = [];
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly fields = new Set<string>();
  readonly log = {
    warn: (message: string) => void this.warnings.push(message),
    info: (message: string) => void this.infos.push(message),
  };
  private stopped!: () => void;
  /** Settles when the sink stalls (the "kill"). */
  readonly stall = new Promise<void>((resolve) => (this.stopped = resolve));

  /** `framed`: takes lines a parse worker framed (so parse_workers > 1 reads through workers), as the CLI does. */
  constructor(
    private readonly stopAfter = Infinity,
    private readonly framed = false,
  ) {}

  async records(dataJson: string[]): Promise<void> {
    if (this.ids.length >= this.stopAfter) {
      this.stopped();
      return new Promise<void>(() => {});
    }
    for (const json of dataJson) {
      const record = JSON.parse(json) as Record<string, unknown>;
      this.ids.push(record.Id as string);
      for (const key of Object.keys(record)) this.fields.add(key);
    }
  }
  recordFrame() {
    return this.framed ? FRAME : undefined;
  }
  async framedRecords(lines: Uint8Array, count: number, written: () => void): Promise<void> {
    const data = Buffer.from(lines)
      .toString("utf8")
      .split("\n")
      .slice(0, count)
      .map((line) => line.slice(FRAME.prefix.length, line.length - FRAME.suffix.length));
    written();
    await this.records(data);
  }
  async estimate(): Promise<void> {}
  readonly resume = (from?: BulkProgress) => ({
    from,
    checkpoint: async (progress: BulkProgress) => {
      this.checkpoints.push({ progress: structuredClone(progress), delivered: this.ids.length });
    },
  });
  get last(): { progress: BulkProgress; delivered: number } {
    const last = this.checkpoints.at(-1);
    if (!last) throw new Error("no checkpoint");
    return last;
  }
}

interface Setup {
  config: Config;
  client: SalesforceClient;
  plan: StreamPlan;
}

async function setup(
  bulk: Record<string, unknown>,
  fields?: string[],
  more: Record<string, unknown> = {},
): Promise<Setup> {
  const config = parseConfig(
    baseConfig(fake, { bulk_api: bulk, streams_criteria: [{ criteria: "exacts", value: OBJECT }], ...more }),
  );
  const client = await connect(config, { warn: () => {}, info: () => {}, configChanged: async () => {} });
  const catalog = await discover(client, config, () => {});
  const stream = structuredClone(catalog.streams[0]!);
  if (fields) {
    const properties = (stream.json_schema as { properties: Record<string, unknown> }).properties;
    for (const key of Object.keys(properties)) if (!fields.includes(key)) delete properties[key];
  }
  const [plan] = (await planStreams(
    client,
    config,
    { streams: [{ stream, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }] },
    () => {},
  )) as [StreamPlan];
  return { config, client, plan };
}

/** Run 1, stopped after 60% of the rows: returns its sink once it stalled. */
async function interrupted(extract: Extractor, s: Setup, framed = false): Promise<Sink> {
  const sink = new Sink(0.6 * ROWS, framed);
  const run = extract(s.client, s.config, s.plan, undefined, sink, sink.resume());
  await Promise.race([sink.stall, run.then(() => Promise.reject(new Error("run 1 finished without stalling")))]);
  return sink;
}

/** Run 2, as a restarted process: its own client (run 1's stalled reads still hold their request permits). */
async function resumed(extract: Extractor, s: Setup, from: BulkProgress): Promise<Sink> {
  const sink = new Sink();
  const client = await connect(s.config, { warn: () => {}, info: () => {}, configChanged: async () => {} });
  await extract(client, s.config, s.plan, undefined, sink, sink.resume(from));
  return sink;
}

function expectCoversAll(...runs: string[][]): void {
  expect(new Set(runs.flat()).size).toBe(ROWS);
  expect([...new Set(runs.flat())].sort()).toEqual(liveIds(fake, OBJECT).sort());
}

function overlap(a: string[], b: string[]): number {
  const seen = new Set(a);
  return b.filter((id) => seen.has(id)).length;
}

/** Each checkpoint comes after every record it covers and no two in a row without records between. */
function expectCheckpointRhythm(sink: Sink, perUnit: number): void {
  let before = 0;
  for (const { delivered } of sink.checkpoints) {
    expect(delivered - before).toBeGreaterThan(0);
    expect(delivered - before).toBeLessThanOrEqual(Math.min(perUnit, CHECKPOINT_RECORDS));
    before = delivered;
  }
}

describe("Bulk API 2.0: resuming a job", () => {
  const bulk = { version: "2.0", max_records: PAGE };

  it("a read stopped at 60% of 12 pages continues the same job at its next page: every Id, no new job", async () => {
    const s = await setup(bulk);
    fake.resetCounts();
    const run1 = await interrupted(extractBulk2, s);
    expect(fake.count("bulk2_create")).toBe(1);
    // One checkpoint per page read whole, each naming the next page's locator.
    expect(run1.checkpoints.length).toBeGreaterThanOrEqual(7);
    expectCheckpointRhythm(run1, PAGE);
    const last = run1.last.progress;
    expect(last).toMatchObject({ api: "2.0", rows: 0, locator: expect.any(String) });
    const jobId = last.job;

    fake.resetCounts();
    const run2 = await resumed(extractBulk2, s, last);
    expect(fake.count("bulk2_create")).toBe(0);
    // The one call that checks the job, no polling.
    expect(fake.count("bulk2_status")).toBe(1);
    expect(fake.count("bulk2_results")).toBe(ROWS / PAGE - run1.checkpoints.length);
    expect(fake.requests.find((r) => r.kind === "bulk2_delete")?.path).toContain(jobId);
    expectCoversAll(run1.ids, run2.ids);
    // Only what run 1 handed on after its last checkpoint comes again: less than one page.
    expect(overlap(run1.ids, run2.ids)).toBe(run1.ids.length - run1.last.delivered);
    expect(overlap(run1.ids, run2.ids)).toBeLessThanOrEqual(PAGE);
    expect(run2.ids.length).toBe(ROWS - run1.last.delivered);
    expect(run2.infos.some((m) => m.includes(`continuing Bulk job ${jobId}`))).toBe(true);
  });

  it("with pages read side by side (2 parse workers, page 2 slow): a checkpoint at most every page's rows; the resume re-emits at most one page", async () => {
    const s = await setup(bulk, undefined, { parse_workers: 2 });
    // Page 3 is read beside page 2, and all of it is handed on while page 2 still arrives.
    fake.inject({ kind: "bulk2_results", type: "slow_body", after: 1 });
    const run1 = await interrupted(extractBulk2, s, true);
    expectCheckpointRhythm(run1, PAGE);
    const run2 = await resumed(extractBulk2, s, run1.last.progress);
    expectCoversAll(run1.ids, run2.ids);
    expect(overlap(run1.ids, run2.ids)).toBe(run1.ids.length - run1.last.delivered);
    expect(overlap(run1.ids, run2.ids)).toBeLessThanOrEqual(PAGE);
  });

  it("within a page bigger than 50,000 rows, a checkpoint at most every 50,000; the resume skips what was handed on", async () => {
    const s = await setup({ version: "2.0", max_records: ROWS });
    fake.resetCounts();
    const run1 = new Sink(55_000);
    void extractBulk2(s.client, s.config, s.plan, undefined, run1, run1.resume());
    await run1.stall;
    expect(run1.checkpoints.length).toBe(1);
    expectCheckpointRhythm(run1, CHECKPOINT_RECORDS);
    const last = run1.last;
    expect(last.progress).toEqual({
      api: "2.0",
      job: expect.any(String),
      query: expect.any(String),
      rows: last.delivered,
    });

    const run2 = await resumed(extractBulk2, s, last.progress);
    expect(fake.count("bulk2_create")).toBe(1);
    expectCoversAll(run1.ids, run2.ids);
    expect(run2.ids.length).toBe(ROWS - last.delivered);
  });

  it("a job Salesforce no longer has: a new job, every record, and a LOG line saying why", async () => {
    const s = await setup(bulk);
    const run1 = await interrupted(extractBulk2, s);
    expect(fake.forgetJobs()).toBeGreaterThan(0);
    fake.resetCounts();
    const run2 = await resumed(extractBulk2, s, run1.last.progress);
    expect(fake.count("bulk2_status")).toBeGreaterThan(1);
    expect(fake.count("bulk2_create")).toBe(1);
    expect(new Set(run2.ids).size).toBe(ROWS);
    expect(run2.infos.some((m) => /not continuing the earlier Bulk job .*no longer has it/.test(m))).toBe(true);
  });

  it("a query that changed (fields): a new job with the new fields only; the earlier job is deleted", async () => {
    const run1 = await interrupted(extractBulk2, await setup(bulk));
    const narrower = await setup(bulk, ["Id", "Name", "SystemModstamp"]);
    fake.resetCounts();
    const run2 = await resumed(extractBulk2, narrower, run1.last.progress);
    expect(fake.count("bulk2_create")).toBe(1);
    expect(fake.requests.some((r) => r.kind === "bulk2_delete" && r.path.includes(run1.last.progress.job))).toBe(true);
    expect(new Set(run2.ids).size).toBe(ROWS);
    expect([...run2.fields].sort()).toEqual(["Id", "Name", "SystemModstamp"]);
    expect(run2.infos.some((m) => /not continuing .*query changed/.test(m))).toBe(true);
  });

  it("a read that finishes reports no checkpoint after its last page and deletes its job", async () => {
    const s = await setup(bulk);
    fake.resetCounts();
    const sink = new Sink();
    await extractBulk2(s.client, s.config, s.plan, undefined, sink, sink.resume());
    expect(sink.checkpoints.map((c) => c.delivered)).toEqual(
      Array.from({ length: ROWS / PAGE - 1 }, (_, k) => (k + 1) * PAGE),
    );
    expect(fake.count("bulk2_delete")).toBe(1);
    expect(fake.activity().openBulkJobs).toBe(0);
  });
});

describe("Bulk API 1.0: resuming a PK-chunked job", () => {
  const bulk = { version: "1.0", pk_chunking: true, chunk_size: PAGE };

  it("a read stopped at 60% of 12 chunk batches reads only the batches left: every Id, no new job", async () => {
    const s = await setup(bulk);
    fake.resetCounts();
    const run1 = await interrupted(extractBulk1, s);
    expect(fake.count("bulk1_create_job")).toBe(1);
    // A checkpoint every chunk's worth of rows (`concurrency` batches download at once: some are read in part).
    expect(run1.checkpoints.length).toBeGreaterThanOrEqual(6);
    expectCheckpointRhythm(run1, PAGE);
    const last = run1.last.progress;
    if (last.api !== "1.0") throw new Error("expected Bulk 1.0 progress");
    expect(last).toMatchObject({ chunked: true, closed: true });
    const handedOn = last.done.length * PAGE + Object.values(last.partial).reduce((a, b) => a + b, 0);
    expect(handedOn).toBe(run1.last.delivered);

    fake.resetCounts();
    const run2 = await resumed(extractBulk1, s, last);
    expect(fake.count("bulk1_create_job")).toBe(0);
    expect(fake.count("bulk1_create_batch")).toBe(0);
    // The batch list is the one check; batches read before are not asked for again.
    expect(fake.count("bulk1_batch_list")).toBe(1);
    expect(fake.count("bulk1_result_list")).toBe(ROWS / PAGE - last.done.length);
    expectCoversAll(run1.ids, run2.ids);
    expect(overlap(run1.ids, run2.ids)).toBe(run1.ids.length - run1.last.delivered);
    expect(overlap(run1.ids, run2.ids)).toBeLessThanOrEqual(PAGE);
  });

  it("a job Salesforce no longer has: a new job and every record", async () => {
    const s = await setup(bulk);
    const run1 = await interrupted(extractBulk1, s);
    fake.forgetJobs();
    fake.resetCounts();
    const run2 = await resumed(extractBulk1, s, run1.last.progress);
    expect(fake.count("bulk1_create_job")).toBe(1);
    expect(new Set(run2.ids).size).toBe(ROWS);
    expect(run2.infos.some((m) => /not continuing the earlier Bulk job .*no longer has it/.test(m))).toBe(true);
  });

  it("a query that changed (fields): a new job with the new fields only; the earlier job is aborted", async () => {
    const run1 = await interrupted(extractBulk1, await setup(bulk));
    const narrower = await setup(bulk, ["Id", "Name", "SystemModstamp"]);
    fake.resetCounts();
    const run2 = await resumed(extractBulk1, narrower, run1.last.progress);
    expect(fake.count("bulk1_create_job")).toBe(1);
    expect(fake.count("bulk1_abort_job")).toBe(1);
    expect(new Set(run2.ids).size).toBe(ROWS);
    expect([...run2.fields].sort()).toEqual(["Id", "Name", "SystemModstamp"]);
  });

  it("a progress of the other Bulk API: a new job, the earlier one deleted", async () => {
    const run1 = await interrupted(extractBulk2, await setup({ version: "2.0", max_records: PAGE }));
    const s = await setup(bulk);
    fake.resetCounts();
    const run2 = await resumed(extractBulk1, s, run1.last.progress);
    expect(fake.count("bulk2_delete")).toBe(1);
    expect(fake.count("bulk1_create_job")).toBe(1);
    expect(new Set(run2.ids).size).toBe(ROWS);
  });
});

describe("a job Salesforce takes long to run", () => {
  let slow: FakeSalesforce;
  beforeAll(async () => {
    slow = await startFakeSalesforce({ extraObjects: [widgetObject(3000, OBJECT)], bulkJobLatencyMs: 1500 });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it.each(["2.0", "1.0"] as const)(
    "Bulk %s: is named in a checkpoint while it runs; a read killed then continues it",
    async (version) => {
      const main = fake;
      fake = slow;
      try {
        const s = await setup(version === "2.0" ? { version } : { version, pk_chunking: true, chunk_size: 1000 });
        slow.resetCounts();
        // Killed at the first checkpoint: before any record.
        const run1 = new Sink();
        let named: BulkProgress | undefined;
        const killedAtCheckpoint = new Promise<void>((resolve) => {
          void extractBulk2Or1(version)(s.client, s.config, s.plan, undefined, run1, {
            checkpoint: (progress) => {
              named = structuredClone(progress);
              resolve();
              return new Promise(() => {});
            },
          });
        });
        await killedAtCheckpoint;
        expect(run1.ids).toEqual([]);
        expect(named).toMatchObject({ api: version, job: expect.any(String) });
        const run2 = await resumed(extractBulk2Or1(version), s, named!);
        expect(slow.count(CREATE[version])).toBe(1);
        expect(new Set(run2.ids).size).toBe(3000);
      } finally {
        fake = main;
      }
    },
  );
});

describe("a job that failed after an earlier run named it", () => {
  let slow: FakeSalesforce;
  beforeAll(async () => {
    slow = await startFakeSalesforce({ extraObjects: [widgetObject(3000, OBJECT)], bulkJobLatencyMs: 1000 });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it("Bulk 2.0: the resume finds it Failed, says so, deletes it and reads everything with a new job", async () => {
    const main = fake;
    fake = slow;
    try {
      const s = await setup({ version: "2.0" });
      slow.inject({ kind: "bulk2_create", type: "job_failed" });
      const run1 = new Sink();
      let named: BulkProgress | undefined;
      await new Promise<void>((resolve) => {
        void extractBulk2(s.client, s.config, s.plan, undefined, run1, {
          checkpoint: (progress) => {
            named = structuredClone(progress);
            resolve();
            return new Promise(() => {});
          },
        });
      });
      // Let Salesforce finish (fail) the job.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      slow.resetCounts();
      const run2 = await resumed(extractBulk2, s, named!);
      expect(
        run2.infos.some((m) => m.includes(`not continuing the earlier Bulk job ${named!.job}: it ended Failed`)),
      ).toBe(true);
      expect(slow.requests.some((r) => r.kind === "bulk2_delete" && r.path.includes(named!.job))).toBe(true);
      expect(slow.count("bulk2_create")).toBe(1);
      expect(new Set(run2.ids).size).toBe(3000);
    } finally {
      fake = main;
    }
  });
});

const CREATE = { "2.0": "bulk2_create", "1.0": "bulk1_create_job" } as const;
const extractBulk2Or1 = (version: "2.0" | "1.0"): Extractor => (version === "2.0" ? extractBulk2 : extractBulk1);
