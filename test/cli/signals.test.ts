// SIGTERM and SIGINT during a read, against the built CLI and tap as spawned node processes (what
// the image runs as PID 1; image.test.ts sends the same signal to the container). The fake answers
// each Bulk 2.0 results page after PAGE_LATENCY_MS: a signal sent SIGNAL_DELAY_MS after the first
// window's STATE lands while the second window's only page is in flight.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { cliPath, FAST_RETRIES, writeTempFiles, type CliRun } from "../helpers/cli.js";
import { baseConfig, configuredCatalog, liveIds, readOnce, widgetObject } from "../helpers/read-fixtures.js";
import { invalidSingerMessages, runTap, tapPath } from "../helpers/singer.js";
import {
  airbyteShape,
  expectNoStatePastUndelivered,
  invalidAirbyteMessages,
  runUntil,
  singerShape,
  type Line,
  type SignalledRun,
} from "../helpers/signals.js";

const PAGE_LATENCY_MS = 3000;
const SIGNAL_DELAY_MS = 1000;
const STREAM = "Widget__c";

let fake: FakeSalesforce;
let config: Record<string, unknown>;
let catalog: unknown;

beforeAll(async () => {
  fake = await startFakeSalesforce({ extraObjects: [widgetObject(300)], bulk2ResultsLatencyMs: PAGE_LATENCY_MS });
  // Two windows over the fake's 2023-2025 data (2023-2024, 2025 on), one results page each.
  config = baseConfig(fake, {
    bulk_threshold: 0,
    streams_criteria: [{ criteria: "exacts", value: STREAM }],
    start_date: "2023-01-01",
    stream_slice_step: "P730D",
  });
  catalog = await configuredCatalog(config, { [STREAM]: "incremental" });
}, 60_000);
afterAll(async () => {
  await fake?.stop();
});

const isType = (type: string) => (line: Line) => line.type === type;
/** The first window's STATE is out: SIGNAL_DELAY_MS later the next window's page is in flight. */
const afterFirstState = (lines: Line[]): boolean => lines.some(isType("STATE"));

async function readUntilSignal(signal: NodeJS.Signals, when: (lines: Line[]) => boolean, env = {}, delayMs = 0) {
  const files = writeTempFiles({ "config.json": config, "catalog.json": catalog });
  let requestsAtSignal = 0;
  const run = await runUntil(
    process.execPath,
    [cliPath, "read", "--config", files["config.json"]!, "--catalog", files["catalog.json"]!],
    {
      signal,
      when,
      delayMs,
      onSignal: () => (requestsAtSignal = fake.requests.length),
      env: { ...FAST_RETRIES, ...env },
    },
  );
  return { run, requestsAtSignal, requestsAfter: fake.requests.length };
}

/** The stop itself: in time, by its own hand (not the forced exit), with the right code. */
function expectStopped(run: SignalledRun, exitCode: number): void {
  expect(run.stopMs, "the signal was sent").toBeDefined();
  expect(run.killedBy, run.stderr).toBeNull();
  expect(run.code, run.stderr).toBe(exitCode);
  expect(run.stopMs!, "stopped within 10 s").toBeLessThan(10_000);
  expect(run.stderr).not.toMatch(/exiting now/);
}

describe("SIGTERM during a read (Airbyte)", () => {
  let run: SignalledRun;
  let requestsAtSignal: number;
  let requestsAfter: number;

  beforeAll(async () => {
    ({ run, requestsAtSignal, requestsAfter } = await readUntilSignal("SIGTERM", afterFirstState, {}, SIGNAL_DELAY_MS));
  }, 60_000);

  it("stops within seconds, exit code 143, on its own", () => {
    expectStopped(run, 143);
  });

  it("sends no request after the signal, and cuts off the page in flight instead of waiting for it", () => {
    expect(requestsAfter).toBe(requestsAtSignal);
    const after = run.lines.slice(run.linesBeforeSignal);
    expect(after.filter((m) => m.type === "RECORD" || m.type === "STATE")).toEqual([]);
  });

  it("every line is a valid Airbyte message; it ends with INCOMPLETE and one transient TRACE error", () => {
    expect(invalidAirbyteMessages(run.lines)).toEqual([]);
    const statuses = run.lines
      .filter((m) => m.type === "TRACE" && (m.trace as { type: string }).type === "STREAM_STATUS")
      .map((m) => (m.trace as { stream_status: { status: string } }).stream_status.status);
    expect(statuses).toEqual(["STARTED", "RUNNING", "INCOMPLETE"]);
    const errors = run.lines
      .filter((m) => m.type === "TRACE" && (m.trace as { type: string }).type === "ERROR")
      .map((m) => (m.trace as { error: { failure_type: string; message: string } }).error);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.failure_type).toBe("transient_error");
    expect(errors[0]!.message).toMatch(/^Stopped by SIGTERM .*resumes from that state/);
    expect(run.lines.at(-1)!.type).toBe("TRACE");
    expect(run.lines.some((m) => m.type === "LOG" && /Received SIGTERM/.test(JSON.stringify(m)))).toBe(true);
  });

  it("no STATE past undelivered records; a read from the last STATE delivers the rest", async () => {
    const lastCursor = expectNoStatePastUndelivered(fake, STREAM, run.lines, airbyteShape);
    const lastState = run.lines.filter(isType("STATE")).at(-1)!.state;
    const resumed: CliRun = await readOnce(config, catalog, [lastState]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const all = new Set(
      [...run.lines, ...resumed.messages].map(airbyteShape.recordId).filter((id) => id !== undefined),
    );
    expect(liveIds(fake, STREAM).filter((id) => !all.has(id))).toEqual([]);
    // The resumed read starts at the last STATE (less the 10-minute lookback), not at the start date.
    const resumedCursors = resumed.messages
      .filter(isType("RECORD"))
      .map((m) => Date.parse((m.record as { data: { SystemModstamp: string } }).data.SystemModstamp));
    expect(Math.min(...resumedCursors)).toBeGreaterThanOrEqual(Date.parse(lastCursor) - 10 * 60_000);
  }, 60_000);
});

describe("other signals and waits", () => {
  it("SIGINT stops a read the same way, exit code 130", async () => {
    const { run } = await readUntilSignal("SIGINT", (lines) => lines.some(isType("TRACE")));
    expectStopped(run, 130);
    expect(invalidAirbyteMessages(run.lines)).toEqual([]);
    expect(JSON.stringify(run.lines.at(-1))).toMatch(/Stopped by SIGINT/);
  }, 60_000);

  it("SIGTERM during a retry backoff ends the wait at once", async () => {
    fake.inject({ kind: "bulk2_status", type: "http503", times: Infinity });
    try {
      // The first retry would wait 60 s.
      const { run, requestsAtSignal, requestsAfter } = await readUntilSignal(
        "SIGTERM",
        (lines) => lines.some((m) => m.type === "LOG" && /Retrying/.test(JSON.stringify(m))),
        { SOURCE_SALESFORCE_RETRY_BASE_MS: "60000" },
      );
      expectStopped(run, 143);
      expect(requestsAfter).toBe(requestsAtSignal);
    } finally {
      fake.clearFaults();
    }
  }, 60_000);
});

describe("SIGTERM during a sync (Singer tap)", () => {
  it("stops within seconds, exit 143, CRITICAL on stderr, no STATE past undelivered records; the last STATE resumes", async () => {
    const discovered = await runTap(["--config", writeTempFiles({ "c.json": config })["c.json"]!, "--discover"]);
    expect(discovered.code, discovered.stderr).toBe(0);
    const singerCatalog = JSON.parse(discovered.stdout) as {
      streams: Array<{ tap_stream_id: string; metadata: Array<{ breadcrumb: string[]; metadata: object }> }>;
    };
    const stream = singerCatalog.streams.find((s) => s.tap_stream_id === STREAM)!;
    const top = stream.metadata.find((m) => m.breadcrumb.length === 0)!;
    top.metadata = { ...top.metadata, selected: true };
    const selected = { streams: [stream] };
    const files = writeTempFiles({ "config.json": config, "catalog.json": selected });
    const args = [tapPath, "--config", files["config.json"]!, "--catalog", files["catalog.json"]!];
    const run = await runUntil(process.execPath, args, {
      signal: "SIGTERM",
      when: afterFirstState,
      delayMs: SIGNAL_DELAY_MS,
      env: FAST_RETRIES,
    });
    expectStopped(run, 143);
    expect(invalidSingerMessages(run.lines)).toEqual([]);
    expect(run.stderr).toMatch(/^CRITICAL Stopped by SIGTERM /m);
    const shape = singerShape(STREAM);
    expectNoStatePastUndelivered(fake, STREAM, run.lines, shape);
    expect(run.lines.slice(run.linesBeforeSignal).filter((m) => m.type === "RECORD" || m.type === "STATE")).toEqual([]);
    const lastState = run.lines.filter(isType("STATE")).at(-1)!.value;
    const state = writeTempFiles({ "state.json": lastState })["state.json"]!;
    const resumed = await runTap(args.slice(1).concat(["--state", state]));
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = new Set(
      [
        ...run.lines,
        ...resumed.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line),
      ]
        .map(shape.recordId)
        .filter((id) => id !== undefined),
    );
    expect(liveIds(fake, STREAM).filter((id) => !ids.has(id))).toEqual([]);
  }, 90_000);
});
