import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { MAX_WINDOWS, nextStateCursor, planWindows, SAFETY_LAG_MS, syncWindowBounds } from "../../src/read/windows.js";

const d = (iso: string) => new Date(iso);
const iso = (windows: Array<{ from: Date; to: Date }>) =>
  windows.map((w) => [w.from.toISOString(), w.to.toISOString()]);
const DAY = 24 * 3600 * 1000;

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("planWindows", () => {
  it.each<[string, string, number, string[][]]>([
    ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", DAY, []],
    ["2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", DAY, []],
    ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", DAY, [["2024-01-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z"]]],
    [
      "2024-01-01T00:00:00Z",
      "2024-01-03T12:00:00Z",
      DAY,
      [
        ["2024-01-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z"],
        ["2024-01-02T00:00:00.000Z", "2024-01-03T00:00:00.000Z"],
        ["2024-01-03T00:00:00.000Z", "2024-01-03T12:00:00.000Z"],
      ],
    ],
    [
      "2024-01-01T00:00:00Z",
      "2024-01-01T00:00:00.001Z",
      DAY,
      [["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.001Z"]],
    ],
  ])("[%s, %s) by %d ms", (start, end, stepMs, expected) => {
    expect(iso(planWindows({ start: d(start), end: d(end), stepMs }))).toEqual(expected);
  });

  it("tiles random ranges exactly: no gap, no overlap, each step at most stepMs", () => {
    const random = prng(20240101);
    for (let run = 0; run < 500; run++) {
      const start = Math.floor(random() * 2e12);
      const length = Math.floor(random() * 400 * DAY) - 10 * DAY; // sometimes empty
      const stepMs = 1 + Math.floor(random() * 30 * DAY);
      const windows = planWindows({ start: new Date(start), end: new Date(start + length), stepMs });
      if (length <= 0) {
        expect(windows).toEqual([]);
        continue;
      }
      expect(windows.length).toBe(Math.ceil(length / stepMs));
      expect(windows[0]!.from.getTime()).toBe(start);
      expect(windows.at(-1)!.to.getTime()).toBe(start + length);
      // Plain checks, one expect per run: expect() per window is slow for thousands of windows.
      const bad = windows.findIndex((w, i) => {
        const size = w.to.getTime() - w.from.getTime();
        const contiguous = i === 0 || w.from.getTime() === windows[i - 1]!.to.getTime();
        const sized = i < windows.length - 1 ? size === stepMs : size > 0 && size <= stepMs;
        return !(contiguous && sized);
      });
      expect(bad, `run ${run}: window ${bad} of [${start}, ${start + length}) by ${stepMs}`).toBe(-1);
      // Any instant in the range falls in exactly one half-open window.
      const t = start + Math.floor(random() * length);
      expect(windows.filter((w) => w.from.getTime() <= t && t < w.to.getTime())).toHaveLength(1);
    }
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects stepMs %s", (stepMs) => {
    expect(() => planWindows({ start: d("2024-01-01"), end: d("2024-01-02"), stepMs })).toThrow(/stepMs/);
  });

  it("rejects invalid dates", () => {
    expect(() => planWindows({ start: new Date("x"), end: d("2024-01-02"), stepMs: DAY })).toThrow(/invalid Date/);
  });

  it("refuses a step that would need more than MAX_WINDOWS windows, with a config error", () => {
    const start = d("2022-01-01T00:00:00Z");
    expect(planWindows({ start, end: new Date(start.getTime() + MAX_WINDOWS * 1000), stepMs: 1000 })).toHaveLength(
      MAX_WINDOWS,
    );
    const run = () => planWindows({ start, end: new Date(start.getTime() + MAX_WINDOWS * 1000 + 1), stepMs: 1000 });
    expect(run).toThrow(ConnectorError);
    expect(run).toThrow(/stream_slice_step/);
  });
});

describe("syncWindowBounds", () => {
  const startDate = d("2022-01-01T00:00:00Z");
  const syncStartedAt = d("2024-06-01T12:00:00Z");

  it.each<[string, Parameters<typeof syncWindowBounds>[0], string, string]>([
    [
      "no state: start_date",
      { lookbackMs: 600_000, startDate, syncStartedAt },
      "2022-01-01T00:00:00.000Z",
      "2024-06-01T11:59:00.000Z",
    ],
    [
      "state minus lookback",
      { stateCursor: d("2024-05-01T00:00:00Z"), lookbackMs: 600_000, startDate, syncStartedAt },
      "2024-04-30T23:50:00.000Z",
      "2024-06-01T11:59:00.000Z",
    ],
    [
      "state before start_date is still honoured",
      { stateCursor: d("2021-01-01T00:00:00Z"), lookbackMs: 0, startDate, syncStartedAt },
      "2021-01-01T00:00:00.000Z",
      "2024-06-01T11:59:00.000Z",
    ],
    [
      "explicit safety lag",
      { stateCursor: d("2024-05-01T00:00:00Z"), lookbackMs: 0, startDate, syncStartedAt, safetyLagMs: 0 },
      "2024-05-01T00:00:00.000Z",
      "2024-06-01T12:00:00.000Z",
    ],
  ])("%s", (_label, input, start, end) => {
    const bounds = syncWindowBounds(input);
    expect([bounds.start.toISOString(), bounds.end.toISOString()]).toEqual([start, end]);
  });

  it("a state in the future gives an empty plan", () => {
    const bounds = syncWindowBounds({
      stateCursor: d("2030-01-01T00:00:00Z"),
      lookbackMs: 0,
      startDate,
      syncStartedAt,
    });
    expect(planWindows({ ...bounds, stepMs: DAY })).toEqual([]);
  });

  it("uses a one-minute default safety lag", () => {
    expect(SAFETY_LAG_MS).toBe(60_000);
  });

  it("rejects negative durations", () => {
    expect(() => syncWindowBounds({ lookbackMs: -1, startDate, syncStartedAt })).toThrow();
    expect(() => syncWindowBounds({ lookbackMs: 0, startDate, syncStartedAt, safetyLagMs: -1 })).toThrow();
  });
});

describe("nextStateCursor", () => {
  it.each<[string, string | undefined, string]>([
    ["2024-01-02T00:00:00Z", undefined, "2024-01-02T00:00:00.000Z"],
    ["2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00.000Z"],
    ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-02T00:00:00.000Z"], // a lookback window ends before the state
    ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z"],
  ])("window end %s, previous %s -> %s", (windowEnd, previous, expected) => {
    expect(nextStateCursor(d(windowEnd), previous ? d(previous) : undefined).toISOString()).toBe(expected);
  });

  it("never moves backwards over a whole sync with lookback (random runs)", () => {
    const random = prng(7);
    for (let run = 0; run < 200; run++) {
      const syncStartedAt = new Date(1.7e12 + Math.floor(random() * 1e10));
      const stateCursor =
        random() < 0.2 ? undefined : new Date(syncStartedAt.getTime() - Math.floor(random() * 60 * DAY));
      const lookbackMs = Math.floor(random() * 3 * DAY);
      const bounds = syncWindowBounds({ stateCursor, lookbackMs, startDate: new Date(1.6e12), syncStartedAt });
      let state = stateCursor;
      for (const window of planWindows({ ...bounds, stepMs: 1 + Math.floor(random() * 10 * DAY) })) {
        const next = nextStateCursor(window.to, state);
        if (state) expect(next.getTime()).toBeGreaterThanOrEqual(state.getTime());
        expect(next.getTime()).toBeLessThanOrEqual(Math.max(bounds.end.getTime(), stateCursor?.getTime() ?? 0));
        state = next;
      }
    }
  });

  it("returns a new Date, not one of its arguments", () => {
    const previous = d("2024-01-02T00:00:00Z");
    const windowEnd = d("2024-01-01T00:00:00Z");
    const next = nextStateCursor(windowEnd, previous);
    expect(next).not.toBe(previous);
    expect(next).toEqual(previous);
  });
});
