import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, traceErrors, type CliRun } from "../helpers/cli.js";
import { invalidMessages, officialProtocolAvailable } from "../helpers/protocol.js";
import {
  baseConfig,
  configuredCatalog,
  nextStateInput,
  readOnce,
  records,
  states,
  widgetObject,
  expectEachOnce,
  liveIds as fixtureLiveIds,
} from "../helpers/read-fixtures.js";

let fake: FakeSalesforce;
const allRuns: CliRun[] = [];

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [widgetObject(20_000, "Chunky__c"), widgetObject(1200, "Small__c")],
    bulk1ResultFileRows: 1500,
  });
});
afterAll(() => fake.stop());

const bulk1 = (extra: Record<string, unknown> = {}) => ({ version: "1.0", chunk_size: 2000, ...extra });
const liveIds = (object: string): string[] => fixtureLiveIds(fake, object);

/** Runs `action` with the faults injected, and clears them whatever happens. */
async function withFaults<T>(
  faults: Array<Parameters<FakeSalesforce["inject"]>[0]>,
  action: () => Promise<T>,
): Promise<T> {
  for (const fault of faults) fake.inject(fault);
  try {
    return await action();
  } finally {
    fake.clearFaults();
  }
}

async function read(
  object: string,
  options: {
    bulk?: Record<string, unknown>;
    mode?: "full_refresh" | "incremental";
    config?: Record<string, unknown>;
    state?: unknown;
  } = {},
): Promise<CliRun> {
  const config = baseConfig(fake, { bulk_threshold: 0, bulk_api: bulk1(options.bulk), ...options.config });
  const catalog = await configuredCatalog(config, { [object]: options.mode ?? "full_refresh" });
  fake.resetCounts();
  const run = await readOnce(config, catalog, options.state);
  allRuns.push(run);
  return run;
}

describe("Bulk 1.0 with PK chunking", () => {
  it("20,000 rows with chunk_size 2,000: 10 chunk batches, every Id exactly once, the header sent", async () => {
    const run = await read("Chunky__c");
    expect(traceErrors(run)).toEqual([]);
    expectEachOnce(records(run), liveIds("Chunky__c"));
    const create = fake.requests.filter((r) => r.kind === "bulk1_create_job");
    expect(create).toHaveLength(1);
    expect(create[0]!.headers["sforce-enable-pkchunking"]).toBe("chunkSize=2000");
    expect(fake.count("bulk1_create_batch")).toBe(1);
    // Each of the 10 chunks has 2,000 rows > 1,500 per result file: two files each.
    expect(fake.count("bulk1_result_list")).toBe(10);
    expect(fake.count("bulk1_result")).toBe(20);
    expect(fake.count("bulk1_close_job")).toBe(1);
    const estimates = ofType(run, "TRACE")
      .map((m) => m.trace as { type: string; estimate?: { row_estimate: number } })
      .filter((t) => t.type === "ESTIMATE");
    expect(estimates.at(-1)?.estimate?.row_estimate).toBe(20_000);
  });

  it("pk_chunking false: one batch, no header", async () => {
    const run = await read("Small__c", { bulk: { pk_chunking: false } });
    expectEachOnce(records(run), liveIds("Small__c"));
    expect(
      fake.requests.find((r) => r.kind === "bulk1_create_job")!.headers["sforce-enable-pkchunking"],
    ).toBeUndefined();
    expect(fake.count("bulk1_result_list")).toBe(1);
    expect(fake.count("bulk1_result")).toBe(1);
  });

  it("a batch with two result files delivers both", async () => {
    const run = await read("Small__c", { bulk: { pk_chunking: false } });
    expect(records(run)).toHaveLength(1200);
    const big = await read("Chunky__c", { bulk: { chunk_size: 5000 } });
    expectEachOnce(records(big), liveIds("Chunky__c"));
    expect(fake.count("bulk1_result")).toBe(16); // 4 chunks x ceil(5000 / 1500)
  });

  it("a chunk batch that fails once is re-run by its Id range; nothing lost or doubled", async () => {
    const run = await withFaults([{ kind: "bulk1_batch", type: "batch_failed", after: 3 }], () => read("Chunky__c"));
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Chunky__c"));
    expect(fake.count("bulk1_batch_request")).toBe(1);
    expect(fake.count("bulk1_create_job")).toBe(2);
    const retried = fake.requests.filter((r) => r.kind === "bulk1_create_batch")[1]!;
    expect(retried.soql).toMatch(/Id >= '.+' AND Id < '.+'/);
  });

  it("a chunk that fails twice fails the stream with Salesforce's stateMessage", async () => {
    const run = await withFaults(
      [
        { kind: "bulk1_batch", type: "batch_failed", after: 2, times: 1 },
        { kind: "bulk1_batch", type: "query_timeout", times: Infinity },
      ],
      () => read("Small__c", { bulk: { chunk_size: 400 } }),
    );
    expect(run.code).toBe(1);
    const [error] = traceErrors(run);
    expect(error?.message).toMatch(/Failed to write query result/);
    // Only checkpoints of the rows delivered (resumable full refresh), never the stream's completion.
    expect(states(run).every((s) => Object.keys(s.stream.stream_state).join() === "__resume")).toBe(true);
  });

  it("a single batch that times out is run again with PK chunking", async () => {
    const run = await withFaults([{ kind: "bulk1_batch", type: "query_timeout" }], () =>
      read("Small__c", { bulk: { pk_chunking: false } }),
    );
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Small__c"));
    const jobs = fake.requests.filter((r) => r.kind === "bulk1_create_job");
    expect(jobs).toHaveLength(2);
    expect(jobs[1]!.headers["sforce-enable-pkchunking"]).toBe("chunkSize=2000");
  });

  it("an expired session mid-download is refreshed and the file asked again", async () => {
    const run = await withFaults([{ kind: "bulk1_result", type: "invalid_session", after: 3 }], () =>
      read("Chunky__c"),
    );
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Chunky__c"));
    expect(fake.count("oauth_token")).toBe(2);
  });

  it("a result file cut mid-body is asked again without doubling rows", async () => {
    const run = await withFaults([{ kind: "bulk1_result", type: "drop_mid_body", after: 5 }], () => read("Chunky__c"));
    expect(run.code).toBe(0);
    expectEachOnce(records(run), liveIds("Chunky__c"));
    expect(fake.count("bulk1_result")).toBe(21);
  });

  it("incremental on 1.0: windows with STATE after each, the next sync resumes", async () => {
    const first = await read("Small__c", { mode: "incremental", config: { stream_slice_step: "P180D" } });
    expect(first.code).toBe(0);
    expectEachOnce(records(first), liveIds("Small__c"));
    expect(states(first).length).toBeGreaterThan(3);
    const second = await read("Small__c", { mode: "incremental", state: nextStateInput(first) });
    expect(second.code).toBe(0);
    expect(records(second)).toEqual([]);
  });

  it("ExceededQuota from Bulk 1.0 is a transient_error, not retried", async () => {
    const run = await withFaults([{ kind: "bulk1_create_job", type: "request_limit", times: Infinity }], () =>
      read("Small__c"),
    );
    expect(run.code).toBe(1);
    const [error] = traceErrors(run);
    expect(error?.failure_type).toBe("transient_error");
    expect(error?.message).toMatch(/daily API request limit/);
    expect(fake.count("bulk1_create_job")).toBe(1);
  });

  it.skipIf(!officialProtocolAvailable)("every message validates against the official protocol", () => {
    for (const run of allRuns) expect(invalidMessages(run.messages)).toEqual([]);
  });
});
