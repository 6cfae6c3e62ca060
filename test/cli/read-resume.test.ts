// Resumable reads through the built CLI (issue 12): a read SIGKILLed after 60% of one 60,000-row
// window (Bulk 2.0: 12 pages of 5,000; Bulk 1.0: 12 PK-chunk batches of 5,000), then a read from
// its last STATE, then an ordinary one from the second's final STATE.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { cliPath, FAST_RETRIES, jsonLines, writeTempFiles, type AirbyteLine } from "../helpers/cli.js";
import { baseConfig, configuredCatalog, liveIds, widgetObject } from "../helpers/read-fixtures.js";

const ROWS = 60_000;
const PAGE = 5000;
const STREAM = "Resume__c";
type Mode = "incremental" | "full_refresh";

let fake: FakeSalesforce;

beforeAll(async () => {
  // A little latency per request (and per Bulk 2.0 page) so the kill lands mid-job.
  fake = await startFakeSalesforce({
    extraObjects: [widgetObject(ROWS, STREAM)],
    requestLatencyMs: 20,
    bulk2ResultsLatencyMs: 100,
  });
}, 60_000);
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  fake.clearFaults();
});

const BULK = {
  "2.0": { version: "2.0", max_records: PAGE },
  "1.0": { version: "1.0", pk_chunking: true, chunk_size: PAGE },
} as const;
const CREATE = { "2.0": "bulk2_create", "1.0": "bulk1_create_job" } as const;
function configFor(version: keyof typeof BULK): Record<string, unknown> {
  return baseConfig(fake, {
    streams_criteria: [{ criteria: "exacts", value: STREAM }],
    bulk_api: BULK[version],
    // One window over all the data.
    stream_slice_step: "P100Y",
    // The probe sends the 60,000 rows to Bulk; the few seconds a resumed sync adds go through REST.
    bulk_threshold: 10_000,
  });
}

interface Run {
  code: number | null;
  killed: boolean;
  lines: AirbyteLine[];
  stderr: string;
}

/**
 * Runs `read`; with `killAfter`, SIGKILLs it as soon as that many RECORD lines came out (counted
 * as they arrive, without parsing). What it wrote before dying is in `lines`.
 */
function readCli(config: unknown, catalog: unknown, state: unknown, killAfter?: number): Promise<Run> {
  const files = writeTempFiles({
    "config.json": config,
    "catalog.json": catalog,
    ...(state === undefined ? {} : { "state.json": state }),
  });
  const args = [cliPath, "read", "--config", files["config.json"]!, "--catalog", files["catalog.json"]!];
  if (state !== undefined) args.push("--state", files["state.json"]!);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...FAST_RETRIES },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: string[] = [];
    let stderr = "";
    let records = 0;
    let killed = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out.push(chunk);
      if (killAfter === undefined || killed) return;
      records += chunk.split('{"type":"RECORD"').length - 1;
      if (records >= killAfter) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const text = out.join("");
      // A killed process may leave half a line.
      resolve({ code, killed, lines: jsonLines<AirbyteLine>(text.slice(0, text.lastIndexOf("\n") + 1)), stderr });
    });
  });
}

const recordIds = (run: Run): string[] =>
  run.lines.filter((l) => l.type === "RECORD").map((l) => (l.record as { data: { Id: string } }).data.Id);
const stateLines = (run: Run) =>
  run.lines
    .filter((l) => l.type === "STATE")
    .map((l) => l.state as { stream: { stream_state: Record<string, unknown> }; sourceStats: { recordCount: number } });
/** What Airbyte hands the next attempt: the last STATE. */
const lastState = (run: Run): unknown[] => {
  const last = run.lines.filter((l) => l.type === "STATE").at(-1);
  if (!last) throw new Error(`no STATE in the run\n${run.stderr}`);
  return [last.state];
};
const logs = (run: Run): string[] =>
  run.lines.filter((l) => l.type === "LOG").map((l) => (l.log as { message: string }).message);

/** Each STATE's sourceStats.recordCount is the records since the previous STATE (CAT checks it). */
function expectRecordCounts(run: Run): void {
  let since = 0;
  for (const line of run.lines) {
    if (line.type === "RECORD") since++;
    if (line.type !== "STATE") continue;
    expect((line.state as { sourceStats: { recordCount: number } }).sourceStats.recordCount).toBe(since);
    since = 0;
  }
}

function overlap(a: string[], b: string[]): number {
  const seen = new Set(a);
  return b.filter((id) => seen.has(id)).length;
}

describe.each([
  ["2.0", "incremental"],
  ["2.0", "full_refresh"],
  ["1.0", "incremental"],
  ["1.0", "full_refresh"],
] as const)("Bulk %s, %s: a read killed at 60%% resumes its job", (version, mode: Mode) => {
  it("run 1 + run 2 cover every Id, run 2 creates no job and re-emits at most one page/batch; run 3 is an ordinary sync", async () => {
    const config = configFor(version);
    const catalog = await configuredCatalog(config, { [STREAM]: mode });
    const run1 = await readCli(config, catalog, undefined, 0.6 * ROWS);
    expect(run1.killed, run1.stderr).toBe(true);
    const checkpoints = stateLines(run1);
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints.every((s) => "__resume" in s.stream.stream_state)).toBe(true);
    if (mode === "incremental") expect(checkpoints.every((s) => "SystemModstamp" in s.stream.stream_state)).toBe(true);
    expectRecordCounts(run1);

    fake.resetCounts();
    const run2 = await readCli(config, catalog, lastState(run1));
    expect(run2.code, run2.stderr).toBe(0);
    // No job: the window's own is continued, and the few seconds since run 1 are probed through REST.
    expect(fake.count(CREATE[version])).toBe(0);
    const ids1 = recordIds(run1);
    const ids2 = recordIds(run2);
    expect([...new Set([...ids1, ...ids2])].sort()).toEqual(liveIds(fake, STREAM).sort());
    expect(overlap(ids1, ids2)).toBeLessThanOrEqual(PAGE);
    expect(new Set(ids2).size).toBe(ids2.length);
    expectRecordCounts(run2);
    const final = stateLines(run2).at(-1)!.stream.stream_state;
    expect(final).not.toHaveProperty("__resume");
    if (mode === "full_refresh") expect(final).toEqual({ __ab_no_cursor_state_message: true });
    expect(fake.activity().openBulkJobs).toBe(0);

    fake.resetCounts();
    const run3 = await readCli(config, catalog, lastState(run2));
    expect(run3.code, run3.stderr).toBe(0);
    if (mode === "full_refresh") {
      expect(fake.count(CREATE[version])).toBe(1);
      expect(recordIds(run3).sort()).toEqual(liveIds(fake, STREAM).sort());
    } else {
      expect(recordIds(run3)).toEqual([]);
    }
  }, 180_000);
});

describe("a resume that cannot continue its job", () => {
  it("the job deleted before the resume (Bulk 2.0): a new job, every record, a LOG line saying why", async () => {
    const config = configFor("2.0");
    const catalog = await configuredCatalog(config, { [STREAM]: "incremental" });
    const run1 = await readCli(config, catalog, undefined, 0.6 * ROWS);
    expect(run1.killed).toBe(true);
    fake.forgetJobs();
    fake.resetCounts();
    const run2 = await readCli(config, catalog, lastState(run1));
    expect(run2.code, run2.stderr).toBe(0);
    expect(fake.count("bulk2_create")).toBe(1);
    expect(recordIds(run2).sort()).toEqual(liveIds(fake, STREAM).sort());
    expect(logs(run2).some((m) => /not continuing the earlier Bulk job .*no longer has it/.test(m))).toBe(true);
  }, 180_000);

  it("the job deleted before the resume (Bulk 1.0, full refresh): a new job, every record", async () => {
    const config = configFor("1.0");
    const catalog = await configuredCatalog(config, { [STREAM]: "full_refresh" });
    const run1 = await readCli(config, catalog, undefined, 0.6 * ROWS);
    expect(run1.killed).toBe(true);
    fake.forgetJobs();
    fake.resetCounts();
    const run2 = await readCli(config, catalog, lastState(run1));
    expect(run2.code, run2.stderr).toBe(0);
    expect(fake.count("bulk1_create_job")).toBe(1);
    expect(recordIds(run2).sort()).toEqual(liveIds(fake, STREAM).sort());
  }, 180_000);

  it("fields changed between the runs: a new job, records of the new schema only", async () => {
    const config = configFor("2.0");
    const catalog = (await configuredCatalog(config, { [STREAM]: "incremental" })) as {
      streams: Array<{ stream: { json_schema: { properties: Record<string, unknown> } } }>;
    };
    const run1 = await readCli(config, catalog, undefined, 0.6 * ROWS);
    expect(run1.killed).toBe(true);
    const narrower = structuredClone(catalog);
    const properties = narrower.streams[0]!.stream.json_schema.properties;
    for (const key of Object.keys(properties))
      if (!["Id", "Name", "SystemModstamp"].includes(key)) delete properties[key];
    fake.resetCounts();
    const run2 = await readCli(config, narrower, lastState(run1));
    expect(run2.code, run2.stderr).toBe(0);
    expect(fake.count("bulk2_create")).toBe(1);
    const rows = run2.lines.filter((l) => l.type === "RECORD").map((l) => (l.record as { data: object }).data);
    expect(rows).toHaveLength(ROWS);
    expect(rows.every((r) => Object.keys(r).sort().join() === "Id,Name,SystemModstamp")).toBe(true);
    expect(logs(run2).some((m) => /not continuing .*query changed/.test(m))).toBe(true);
  }, 180_000);
});
