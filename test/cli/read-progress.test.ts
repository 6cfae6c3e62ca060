// Progress for people on a long read: 200,000 rows from a fake whose results pages answer slowly, the
// LOG interval shortened (SOURCE_SALESFORCE_PROGRESS_INTERVAL_MS). Progress lines come per stream at
// that interval while records flow, say exactly how many records went out before them, and stop at
// the stream's COMPLETE; stdout stays valid Airbyte messages. The Singer tap says the same on stderr;
// with --progress on a terminal (a pty from util-linux `script`) both show a live line instead.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { cliPath, jsonLines, runProcess, writeTempFiles, type AirbyteLine } from "../helpers/cli.js";
import { invalidMessages } from "../helpers/protocol.js";
import { baseConfig, configuredCatalog, readOnce, widgetObject } from "../helpers/read-fixtures.js";
import { invalidSingerMessages, runTap, singerLines, tapPath } from "../helpers/singer.js";

const INTERVAL_MS = 400;
const PROGRESS_ENV = { SOURCE_SALESFORCE_PROGRESS_INTERVAL_MS: String(INTERVAL_MS) };
/** 150,000 + 50,000 rows: one full-refresh Bulk job and an incremental stream of several windows. */
const ROWS = { Progress_A__c: 150_000, Progress_B__c: 50_000 };
const PROGRESS_LINE =
  /^Stream '(\w+)': ([\d,]+)(?: of ~([\d,]+) records \((\d+)%\)| records so far)(?:, ([\d,]+) records\/s)?(?:, ETA [\w ]+)?\.$/;

let fake: FakeSalesforce;
let config: Record<string, unknown>;
let catalog: unknown;

beforeAll(async () => {
  fake = await startFakeSalesforce({
    objects: [widgetObject(ROWS.Progress_A__c, "Progress_A__c"), widgetObject(ROWS.Progress_B__c, "Progress_B__c")],
    // Each results page answers after 250 ms, as a real org's do: the read lasts several seconds.
    bulk2ResultsLatencyMs: 250,
  });
  config = baseConfig(fake, {
    bulk_threshold: 0,
    stream_slice_step: "P365D",
    bulk_api: { version: "2.0", max_records: 10_000 },
    // The records' emitted_at is this test's clock: with parse workers it is when a page was handed
    // to a worker, up to a page before its lines are written.
    parse_workers: 1,
  });
  catalog = await configuredCatalog(config, { Progress_A__c: "full_refresh", Progress_B__c: "incremental" });
}, 120_000);
afterAll(() => fake.stop());

const recordOf = (m: AirbyteLine) => m.record as { stream: string; emitted_at: number };

interface ProgressLog {
  stream: string;
  /** What the line says. */
  records: number;
  estimate: number | undefined;
  /** Index of the message in stdout. */
  at: number;
  /** From stdout before the line: the stream's RECORD lines, its latest ESTIMATE (a running total). */
  recordsBefore: number;
  estimateBefore: number | undefined;
  /** emitted_at of the stream's last record before the line and first record after it. */
  emittedBefore: number;
  emittedAfter: number | undefined;
}

/** The progress LOG lines of a read, with what stdout says around each (one pass over the messages). */
function progressLogs(messages: AirbyteLine[]): ProgressLog[] {
  const counts = new Map<string, number>();
  const estimates = new Map<string, number>();
  const lastEmitted = new Map<string, number>();
  const awaitingRecord = new Map<string, ProgressLog[]>();
  const logs: ProgressLog[] = [];
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s.replace(/,/g, "")));
  messages.forEach((m, at) => {
    if (m.type === "RECORD") {
      const { stream, emitted_at } = recordOf(m);
      counts.set(stream, (counts.get(stream) ?? 0) + 1);
      lastEmitted.set(stream, emitted_at);
      for (const log of awaitingRecord.get(stream) ?? []) log.emittedAfter = emitted_at;
      awaitingRecord.delete(stream);
    } else if (m.type === "TRACE" && (m.trace as { type: string }).type === "ESTIMATE") {
      const { name, row_estimate } = (m.trace as { estimate: { name: string; row_estimate: number } }).estimate;
      estimates.set(name, row_estimate);
    } else if (m.type === "LOG") {
      const match = PROGRESS_LINE.exec((m.log as { message: string }).message);
      if (!match) return;
      const stream = match[1]!;
      const log: ProgressLog = {
        stream,
        records: num(match[2])!,
        estimate: num(match[3]),
        at,
        recordsBefore: counts.get(stream) ?? 0,
        estimateBefore: estimates.get(stream),
        emittedBefore: lastEmitted.get(stream) ?? Number.NaN,
        emittedAfter: undefined,
      };
      logs.push(log);
      awaitingRecord.set(stream, [...(awaitingRecord.get(stream) ?? []), log]);
    }
  });
  return logs;
}

function statusAt(messages: AirbyteLine[], stream: string, status: string): number {
  return messages.findIndex((m) => {
    const trace = m.trace as { type: string; stream_status?: { stream_descriptor: { name: string }; status: string } };
    return (
      m.type === "TRACE" &&
      trace.type === "STREAM_STATUS" &&
      trace.stream_status!.stream_descriptor.name === stream &&
      trace.stream_status!.status === status
    );
  });
}

describe("progress LOG lines of a read of 200,000 rows", () => {
  let messages: AirbyteLine[];

  beforeAll(async () => {
    const run = await readOnce(config, catalog, undefined, PROGRESS_ENV);
    expect(run.code, run.stderr).toBe(0);
    messages = run.messages;
  }, 120_000);

  it("stdout is valid Airbyte messages, line by line, with every record", () => {
    expect(invalidMessages(messages, true)).toEqual([]);
    for (const [stream, rows] of Object.entries(ROWS))
      expect(messages.filter((m) => m.type === "RECORD" && recordOf(m).stream === stream)).toHaveLength(rows);
  });

  it("each stream has progress lines; each counts exactly the records emitted before it", () => {
    const logs = progressLogs(messages);
    for (const stream of Object.keys(ROWS)) {
      const own = logs.filter((l) => l.stream === stream);
      expect(own.length, `progress lines of ${stream}`).toBeGreaterThanOrEqual(2);
      expect(own.map((l) => l.records)).toEqual(own.map((l) => l.recordsBefore));
    }
  });

  it("the estimate is Salesforce's: the sum of the stream's ESTIMATE messages so far", () => {
    const logs = progressLogs(messages);
    for (const log of logs) {
      if (log.estimate !== undefined) expect(log.estimate).toBe(log.estimateBefore);
      // No "of ~N" only when there is no estimate yet, or a later window's records passed it.
      else expect(log.estimateBefore === undefined || log.records > log.estimateBefore).toBe(true);
    }
    expect(logs.some((l) => l.stream === "Progress_A__c" && l.estimate === ROWS.Progress_A__c)).toBe(true);
  });

  it("lines of one stream are at least the interval apart (from the records' emitted_at around them)", () => {
    const logs = progressLogs(messages);
    for (const stream of Object.keys(ROWS)) {
      const own = logs.filter((l) => l.stream === stream);
      // A line is decided after the record before it was emitted and before the record after it.
      for (let k = 1; k < own.length; k++) {
        const latest = own[k]!.emittedAfter;
        if (latest !== undefined) expect(latest - own[k - 1]!.emittedBefore).toBeGreaterThanOrEqual(INTERVAL_MS);
      }
      // And not more lines than the stream's duration allows.
      const emitted = messages
        .filter((m) => m.type === "RECORD" && recordOf(m).stream === stream)
        .map((m) => recordOf(m).emitted_at);
      // (+2, not +1: the last line may be decided a moment after its batch's emitted_at.)
      expect(own.length).toBeLessThanOrEqual(Math.floor((emitted.at(-1)! - emitted[0]!) / INTERVAL_MS) + 2);
    }
  });

  it("none after the stream's COMPLETE", () => {
    const logs = progressLogs(messages);
    for (const stream of Object.keys(ROWS)) {
      const complete = statusAt(messages, stream, "COMPLETE");
      expect(complete).toBeGreaterThan(0);
      expect(logs.filter((l) => l.stream === stream && l.at > complete)).toEqual([]);
    }
  });
});

/** A Singer catalog with `stream` selected, from the tap's own discovery. */
async function singerCatalog(stream: string): Promise<string> {
  const files = writeTempFiles({ "config.json": config });
  const discovered = await runTap(["--config", files["config.json"]!, "--discover"]);
  expect(discovered.code, discovered.stderr).toBe(0);
  const parsed = JSON.parse(discovered.stdout) as {
    streams: Array<{
      tap_stream_id: string;
      metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }>;
    }>;
  };
  for (const entry of parsed.streams)
    for (const { breadcrumb, metadata } of entry.metadata)
      if (breadcrumb.length === 0) metadata.selected = entry.tap_stream_id === stream;
  return writeTempFiles({ "catalog.json": parsed })["catalog.json"]!;
}

describe("the Singer tap's progress on stderr", () => {
  it("INFO progress lines on stderr, increasing, none after the stream is complete; stdout is Singer only", async () => {
    const stream = "Progress_B__c";
    const catalogPath = await singerCatalog(stream);
    const configPath = writeTempFiles({ "config.json": config })["config.json"]!;
    const run = await runTap(["--config", configPath, "--catalog", catalogPath], PROGRESS_ENV);
    expect(run.code, run.stderr).toBe(0);
    const lines = singerLines(run);
    expect(invalidSingerMessages(lines)).toEqual([]);
    expect(lines.filter((l) => l.type === "RECORD" && l.stream === stream)).toHaveLength(ROWS[stream]);
    const stderr = run.stderr.split("\n").filter(Boolean);
    const progress = stderr
      .map((line, at) => ({ at, match: /^INFO (.*)$/.exec(line)?.[1]?.match(PROGRESS_LINE) }))
      .filter((p) => p.match?.[1] === stream);
    expect(progress.length, `progress lines of ${stream}:\n${run.stderr}`).toBeGreaterThanOrEqual(2);
    const counts = progress.map((p) => Number(p.match![2]!.replace(/,/g, "")));
    expect(counts.slice().sort((a, b) => a - b)).toEqual(counts);
    expect(counts.every((n) => n > 0 && n <= ROWS[stream])).toBe(true);
    expect(stderr.indexOf(`INFO Stream '${stream}' is complete.`)).toBeGreaterThan(progress.at(-1)!.at);
  });
});

/** util-linux `script` runs a command with a pseudo-terminal as its stderr (stdout goes to a file). */
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** What the terminal showed; the fake runs in this process, so the command runs asynchronously. */
async function underTerminal(command: string): Promise<string> {
  const run = await runProcess("script", ["-qefc", command, "/dev/null"], {
    env: { ...PROGRESS_ENV, SOURCE_SALESFORCE_POLL_BASE_MS: "5" },
    timeoutMs: 90_000,
  });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  // The ANSI "erase to end of line" shown as <EL>.
  return run.stdout.replaceAll("\u001b[K", "<EL>");
}

describe.skipIf(!hasScript)("--progress on a terminal", () => {
  const stream = "Progress_B__c";

  it("read: a live line on stderr, no progress LOG lines, stdout still valid Airbyte messages", async () => {
    const only = {
      streams: (catalog as { streams: Array<{ stream: { name: string } }> }).streams.filter(
        (s) => s.stream.name === stream,
      ),
    };
    const files = writeTempFiles({ "config.json": config, "catalog.json": only });
    const out = join(files["config.json"]!, "..", "out.jsonl");
    const terminal = await underTerminal(
      `${process.execPath} ${cliPath} read --config ${files["config.json"]} --catalog ${files["catalog.json"]} --progress > ${out}`,
    );
    expect(terminal).toMatch(/\rProgress_B__c [\d,]+\/~[\d,]+ \d+% [\d,]+\/s ETA [\w ]+<EL>/);
    // The line is erased at the end.
    expect(terminal.endsWith("\r<EL>")).toBe(true);
    const messages = jsonLines<AirbyteLine>(readFileSync(out, "utf8"));
    expect(invalidMessages(messages, true)).toEqual([]);
    expect(progressLogs(messages)).toEqual([]);
    expect(messages.filter((m) => m.type === "RECORD")).toHaveLength(ROWS[stream]);
  });

  it("tap: the live line and the tap's own log lines share stderr, each log line on a clean line", async () => {
    const catalogPath = await singerCatalog(stream);
    const configPath = writeTempFiles({ "config.json": config })["config.json"]!;
    const out = join(configPath, "..", "out.jsonl");
    const terminal = await underTerminal(
      `${process.execPath} ${tapPath} --config ${configPath} --catalog ${catalogPath} --progress > ${out}`,
    );
    expect(terminal).toMatch(/\rProgress_B__c [\d,]+\/~[\d,]+/);
    // No INFO progress lines; each log line starts on a clean line, never glued to the live line.
    expect(terminal).not.toMatch(/INFO Stream 'Progress_B__c': [\d,]+/);
    expect(terminal).toMatch(/\r<EL>INFO Stream 'Progress_B__c' is complete\./);
    for (const { index } of terminal.matchAll(/(INFO|WARN) /g)) {
      const before = terminal.slice(0, index);
      expect(before === "" || before.endsWith("\n") || before.endsWith("\r<EL>"), before.slice(-80)).toBe(true);
    }
    const lines = singerLines({ code: 0, stdout: readFileSync(out, "utf8"), stderr: "" });
    expect(invalidSingerMessages(lines)).toEqual([]);
    expect(lines.filter((l) => l.type === "RECORD")).toHaveLength(ROWS[stream]);
  });
});
