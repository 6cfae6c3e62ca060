import { describe, expect, it } from "vitest";
import {
  DEFAULT_PROGRESS_INTERVAL_MS,
  formatDuration,
  progressIntervalMs,
  progressLine,
  startProgress,
  StreamProgress,
  type Terminal,
} from "../../src/read/progress.js";

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("StreamProgress", () => {
  it("reports at most once per interval, counting every record emitted so far", () => {
    const clock = fakeClock();
    const tracker = new StreamProgress("Account", 30_000, clock.now);
    const reports: Array<number | undefined> = [];
    // 1,000 records every 10 s for 100 s.
    for (let i = 0; i < 10; i++) {
      clock.advance(10_000);
      reports.push(tracker.recordsEmitted(1_000)?.records);
    }
    // Due at 30 s, 60 s and 90 s after the stream started.
    expect(reports).toEqual([
      undefined,
      undefined,
      3_000,
      undefined,
      undefined,
      6_000,
      undefined,
      undefined,
      9_000,
      undefined,
    ]);
  });

  it("says nothing while no record flows, and reports at the first batch after the interval", () => {
    const clock = fakeClock();
    const tracker = new StreamProgress("Account", 30_000, clock.now);
    clock.advance(120_000); // a long Bulk job: no records, nothing to report
    expect(tracker.recordsEmitted(500)).toMatchObject({ records: 500 });
    clock.advance(29_999);
    expect(tracker.recordsEmitted(500)).toBeUndefined();
    clock.advance(1);
    expect(tracker.recordsEmitted(1)).toMatchObject({ records: 1_001 });
  });

  it("rate since the first record; ETA from Salesforce's estimate", () => {
    const clock = fakeClock();
    const tracker = new StreamProgress("Contact", 30_000, clock.now);
    clock.advance(5_000); // job wait before the first record does not lower the rate
    tracker.setEstimate(101_000);
    tracker.recordsEmitted(1_000);
    clock.advance(40_000);
    const due = tracker.recordsEmitted(40_000)!;
    expect(due).toEqual({
      stream: "Contact",
      records: 41_000,
      estimate: 101_000,
      recordsPerSecond: 1_000,
      etaSeconds: 60,
    });
    expect(progressLine(due)).toBe("Stream 'Contact': 41,000 of ~101,000 records (40%), 1,000 records/s, ETA 60 s.");
  });

  it("reports nothing after the stream is done", () => {
    const clock = fakeClock();
    const tracker = new StreamProgress("Account", 1_000, clock.now);
    clock.advance(1_000);
    expect(tracker.recordsEmitted(10)).toBeDefined();
    tracker.done();
    clock.advance(5_000);
    expect(tracker.recordsEmitted(10)).toBeUndefined();
    expect(tracker.isDone).toBe(true);
  });
});

describe("progressLine", () => {
  const base = {
    stream: "Opportunity",
    records: 12_345,
    estimate: undefined,
    recordsPerSecond: 2_469,
    etaSeconds: undefined,
  };

  it("without an estimate: records so far and the rate", () => {
    expect(progressLine(base)).toBe("Stream 'Opportunity': 12,345 records so far, 2,469 records/s.");
  });

  it("past the estimate (a later window not counted yet): no percentage, no ETA", () => {
    expect(progressLine({ ...base, estimate: 10_000 })).toBe(
      "Stream 'Opportunity': 12,345 records so far, 2,469 records/s.",
    );
  });

  it("durations", () => {
    expect([0.2, 59.6, 89, 95, 3_000, 5_400, 7_500].map(formatDuration)).toEqual([
      "1 s",
      "60 s",
      "89 s",
      "2 min",
      "50 min",
      "1 h 30 min",
      "2 h 05 min",
    ]);
  });
});

describe("progressIntervalMs", () => {
  it("defaults to 30 s; SOURCE_SALESFORCE_PROGRESS_INTERVAL_MS shortens it", () => {
    expect(progressIntervalMs({})).toBe(DEFAULT_PROGRESS_INTERVAL_MS);
    expect(DEFAULT_PROGRESS_INTERVAL_MS).toBe(30_000);
    expect(progressIntervalMs({ SOURCE_SALESFORCE_PROGRESS_INTERVAL_MS: "250" })).toBe(250);
    expect(progressIntervalMs({ SOURCE_SALESFORCE_PROGRESS_INTERVAL_MS: "soon" })).toBe(30_000);
  });
});

/** A terminal that records what is written to it. */
function fakeTerminal(isTTY: boolean): Terminal & { output: string[] } {
  const output: string[] = [];
  return {
    isTTY,
    columns: 60,
    output,
    write(chunk: string) {
      output.push(chunk);
      return true;
    },
  };
}

/** A sync's progress on a fake clock, its LOG lines collected. */
function started(options: { live: boolean; terminal?: Terminal; intervalMs: number }) {
  const clock = fakeClock();
  const logged: string[] = [];
  const progress = startProgress({ ...options, log: async (m) => void logged.push(m), now: clock.now });
  return { clock, logged, progress };
}

describe("startProgress", () => {
  it("LOG mode: one line per stream per interval, none after done", async () => {
    const { clock, logged, progress } = started({ live: false, intervalMs: 1_000 });
    const account = progress.stream("Account");
    const contact = progress.stream("Contact");
    account.estimate(4_000);
    for (let i = 0; i < 4; i++) {
      clock.advance(500);
      await account.records(500);
      await contact.records(100);
    }
    account.done();
    clock.advance(5_000);
    await account.records(1);
    await contact.records(100);
    progress.close();
    expect(logged).toEqual([
      "Stream 'Account': 1,000 of ~4,000 records (25%), 1,000 records/s, ETA 3 s.",
      "Stream 'Contact': 200 records so far, 200 records/s.",
      "Stream 'Account': 2,000 of ~4,000 records (50%), 1,000 records/s, ETA 2 s.",
      "Stream 'Contact': 400 records so far, 200 records/s.",
      "Stream 'Contact': 500 records so far, 62 records/s.",
    ]);
  });

  it("--progress without a terminal: LOG lines as usual", async () => {
    const terminal = fakeTerminal(false);
    const { clock, logged, progress } = started({ live: true, terminal, intervalMs: 10 });
    const feed = progress.stream("Account");
    clock.advance(10);
    await feed.records(5);
    expect(logged).toHaveLength(1);
    expect(terminal.output).toEqual([]);
  });

  it("--progress on a terminal: a live line redrawn in place, no LOG lines, erased before other output and at the end", async () => {
    const terminal = fakeTerminal(true);
    const originalWrite = terminal.write;
    const { clock, logged, progress } = started({ live: true, terminal, intervalMs: 10 });
    const feed = progress.stream("Account");
    feed.estimate(1_000);
    await feed.records(100); // first batch: drawn at once
    clock.advance(50);
    await feed.records(100); // within the redraw interval: not drawn
    clock.advance(200);
    await feed.records(100);
    terminal.write("INFO another log line\n");
    feed.done();
    progress.close();
    expect(logged).toEqual([]);
    expect(terminal.output).toEqual([
      "\rAccount 100/~1,000 10%\x1b[K",
      "\rAccount 300/~1,000 30% 800/s ETA 1 s\x1b[K",
      "\r\x1b[K",
      "INFO another log line\n",
    ]);
    // The terminal's own write is back.
    expect(terminal.write).toBe(originalWrite);
  });

  it("the live line fits the terminal's width", async () => {
    const terminal = fakeTerminal(true);
    terminal.columns = 30;
    const { progress } = started({ live: true, terminal, intervalMs: 10 });
    const feeds = ["Account", "Contact", "Opportunity"].map((name) => progress.stream(name));
    for (const feed of feeds) await feed.records(1_000_000);
    progress.close();
    const drawn = terminal.output.filter((chunk) => chunk !== "\r\x1b[K");
    expect(drawn.length).toBeGreaterThan(0);
    for (const chunk of drawn) expect(chunk.replace("\r", "").replace("\x1b[K", "").length).toBeLessThanOrEqual(29);
  });
});
