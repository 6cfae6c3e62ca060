import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import { IncrementalCursor } from "../../src/read/stream-cursor.js";

const config = parseConfig({
  credentials: { auth_type: "oauth2_refresh_token", client_id: "a", client_secret: "b", refresh_token: "c" },
  start_date: "2024-01-01",
  lookback_window: "PT10M",
  stream_slice_step: "P30D",
});
const at = (iso: string): Date => new Date(iso);
const syncStartedAt = at("2024-06-01T00:01:00.000Z");

describe("IncrementalCursor", () => {
  it("reads from the state minus lookback to the sync's start minus a minute", () => {
    const input = {
      cursorField: "SystemModstamp",
      cursor: at("2024-05-01T00:00:00.000Z"),
      raw: { SystemModstamp: "x" },
    };
    const cursor = new IncrementalCursor("SystemModstamp", input, config, syncStartedAt);
    expect(cursor.range).toEqual({ from: at("2024-04-30T23:50:00.000Z"), to: at("2024-06-01T00:00:00.000Z") });
  });

  it("an ordered page earns its last record's cursor, never less than the saved state; a window its end", () => {
    const input = { cursorField: "SystemModstamp", cursor: at("2024-05-01T00:00:00.000Z"), raw: { keep: 1 } };
    const cursor = new IncrementalCursor("SystemModstamp", input, config, syncStartedAt);
    // A lookback page ending before the saved state keeps the state.
    expect(cursor.orderedUpTo(at("2024-04-30T23:55:00.000Z"))).toEqual({
      keep: 1,
      SystemModstamp: "2024-05-01T00:00:00.000Z",
    });
    expect(cursor.orderedUpTo(at("2024-05-02T03:04:05.006Z")).SystemModstamp).toBe("2024-05-02T03:04:05.006Z");
    expect(cursor.finished().SystemModstamp).toBe("2024-06-01T00:00:00.000Z");
  });

  it("Bulk windows start where asked (the probe's first record), never before the range", () => {
    const cursor = new IncrementalCursor("SystemModstamp", undefined, config, syncStartedAt);
    expect(cursor.windows(at("2024-05-15T00:00:00.000Z"))).toEqual([
      { from: at("2024-05-15T00:00:00.000Z"), to: at("2024-06-01T00:00:00.000Z") },
    ]);
    expect(cursor.windows(at("2000-01-01T00:00:00.000Z"))[0]!.from).toEqual(at("2024-01-01T00:00:00.000Z"));
  });

  describe("a window an earlier attempt was reading (resumable reads)", () => {
    const job = { api: "2.0", job: "750000000000001AAA", query: "0123456789abcdef", rows: 0 } as const;
    const input = { cursorField: "SystemModstamp", cursor: at("2024-05-01T00:00:00.000Z"), raw: { keep: 1 } };
    const window = { from: at("2024-05-01T00:00:00.000Z"), to: at("2024-05-31T00:00:00.000Z") };

    it("is read first, then the range goes on from its end (no lookback before it again)", () => {
      const cursor = new IncrementalCursor("SystemModstamp", input, config, syncStartedAt, { window, job });
      expect(cursor.resumed).toEqual(window);
      expect(cursor.range).toEqual({ from: window.to, to: at("2024-06-01T00:00:00.000Z") });
      expect(cursor.checkpoint(window, job)).toEqual({
        keep: 1,
        SystemModstamp: "2024-05-01T00:00:00.000Z",
        __resume: { job, window: { from: "2024-05-01T00:00:00.000Z", to: "2024-05-31T00:00:00.000Z" } },
      });
      expect(cursor.finished(window.to)).toEqual({ keep: 1, SystemModstamp: "2024-05-31T00:00:00.000Z" });
    });

    it("a first sync's checkpoint carries the window's start as its cursor", () => {
      const cursor = new IncrementalCursor("SystemModstamp", undefined, config, syncStartedAt);
      expect(cursor.checkpoint(window, job).SystemModstamp).toBe("2024-05-01T00:00:00.000Z");
    });

    it("a window past this sync's end is not resumed: the range is the usual one", () => {
      const late = { from: window.from, to: at("2024-07-01T00:00:00.000Z") };
      const cursor = new IncrementalCursor("SystemModstamp", input, config, syncStartedAt, { window: late, job });
      expect(cursor.resumed).toBeUndefined();
      expect(cursor.range.from).toEqual(at("2024-04-30T23:50:00.000Z"));
    });
  });

  it("a refresh (rangeFrom) reads from start_date, its STATE never below the saved one; keys see reached and done", () => {
    const input = { cursorField: "SystemModstamp", cursor: at("2024-05-01T00:00:00.000Z"), raw: { keep: 1 } };
    const seen: Array<[string, boolean]> = [];
    const cursor = new IncrementalCursor("SystemModstamp", input, config, syncStartedAt, undefined, {
      rangeFrom: config.startDate,
      keys: (reached, done) => {
        seen.push([reached.toISOString(), done]);
        return { keep: 2 };
      },
    });
    expect(cursor.fromStartDate).toBe(true);
    expect(cursor.range.from).toEqual(at("2024-01-01T00:00:00.000Z"));
    expect(cursor.finished(at("2024-02-01T00:00:00.000Z"))).toEqual({
      keep: 2,
      SystemModstamp: "2024-05-01T00:00:00.000Z",
    });
    expect(cursor.finished().SystemModstamp).toBe("2024-06-01T00:00:00.000Z");
    expect(seen).toEqual([
      ["2024-02-01T00:00:00.000Z", false],
      ["2024-06-01T00:00:00.000Z", true],
    ]);
  });
});
