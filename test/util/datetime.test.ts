import { describe, expect, it } from "vitest";
import {
  isCalendarDate,
  normalizeDateTime,
  parseTimestamp,
  SALESFORCE_VALUE,
  START_DATE,
  STATE_CURSOR,
} from "../../src/util/datetime.js";

const iso = (text: string, strictness: Parameters<typeof parseTimestamp>[1]) =>
  parseTimestamp(text, strictness)?.toISOString();

describe("parseTimestamp: one parser, the strictness named by the caller", () => {
  it("a date alone is midnight UTC for state cursors and start_date, and no Salesforce datetime", () => {
    expect(iso("2024-01-02", STATE_CURSOR)).toBe("2024-01-02T00:00:00.000Z");
    expect(iso("2024-01-02", START_DATE)).toBe("2024-01-02T00:00:00.000Z");
    expect(iso("2024-01-02", SALESFORCE_VALUE)).toBeUndefined();
  });

  it("a date-time without an offset is refused in a state, and UTC for start_date and Salesforce values", () => {
    expect(iso("2024-01-02T03:04:05", STATE_CURSOR)).toBeUndefined();
    expect(iso("2024-01-02T03:04:05", START_DATE)).toBe("2024-01-02T03:04:05.000Z");
    expect(iso("2024-01-02T03:04:05", SALESFORCE_VALUE)).toBe("2024-01-02T03:04:05.000Z");
  });

  it.each([STATE_CURSOR, START_DATE, SALESFORCE_VALUE])(
    "refuses impossible fields under every strictness (%j)",
    (s) => {
      for (const text of [
        "2024-13-01T00:00:00Z",
        "2024-00-10T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-02-30T00:00:00+01:00",
        "2024-04-31T10:00:00-05:00",
        "2024-01-01T24:00:00+01:00",
        "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:60Z",
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+01:60",
      ])
        expect(iso(text, s), text).toBeUndefined();
    },
  );

  it("reads offsets, fractions (cut, never rounded) and years before 100 the same way everywhere", () => {
    for (const s of [STATE_CURSOR, START_DATE, SALESFORCE_VALUE]) {
      expect(iso("2024-01-02T03:04:05.000+0000", s)).toBe("2024-01-02T03:04:05.000Z");
      expect(iso("2024-01-02 03:04:05,9999-05", s)).toBe("2024-01-02T08:04:05.999Z");
      expect(iso("0050-03-01t00:00z", s)).toBe("0050-03-01T00:00:00.000Z");
    }
  });
});

describe("normalizeDateTime", () => {
  it("keeps Salesforce's own forms on the fast path and parses the rest as a Salesforce value", () => {
    expect(normalizeDateTime("2024-01-02T03:04:05.000Z")).toBe("2024-01-02T03:04:05.000Z");
    expect(normalizeDateTime("2024-01-02T03:04:05.000+0000")).toBe("2024-01-02T03:04:05.000Z");
    expect(normalizeDateTime("2024-01-02T03:04:05")).toBe("2024-01-02T03:04:05.000Z");
    expect(normalizeDateTime("2024-01-02")).toBeUndefined();
    expect(normalizeDateTime("2024-13-05T00:00:00")).toBeUndefined();
  });
});

describe("isCalendarDate", () => {
  it("follows the Gregorian leap rule, years before 100 included", () => {
    expect(isCalendarDate(2024, 2, 29)).toBe(true);
    expect(isCalendarDate(1900, 2, 29)).toBe(false);
    expect(isCalendarDate(2000, 2, 29)).toBe(true);
    expect(isCalendarDate(48, 2, 29)).toBe(true);
    expect(isCalendarDate(50, 1, 1)).toBe(true);
    expect(isCalendarDate(2024, 4, 31)).toBe(false);
    expect(isCalendarDate(2024, 13, 1)).toBe(false);
    expect(isCalendarDate(2024, 1, 0)).toBe(false);
  });
});
