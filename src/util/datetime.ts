// Timestamps written as text: one ISO-8601 parser for every instant the connector reads, and the
// strictness each kind of text gets, side by side: what a date alone means, and whether a date-time
// without an offset is UTC or refused. Also the Window, the range of instants a sync reads by.

export interface Strictness {
  /** `2024-01-02` with no time. */
  dateOnly: "midnight UTC" | "refused";
  /** `2024-01-02T03:04:05` with neither `Z` nor an offset. */
  missingOffset: "UTC" | "refused";
}

/**
 * A cursor in an input state. Airbyte hands back what the connector wrote, but a person may edit it:
 * a local time without an offset could be anyone's, so it is refused rather than guessed.
 */
export const STATE_CURSOR: Strictness = { dateOnly: "midnight UTC", missingOffset: "refused" };

/** Config `start_date`: spec.json calls it a UTC date or date-time (and its pattern asks for the offset). */
export const START_DATE: Strictness = { dateOnly: "midnight UTC", missingOffset: "UTC" };

/** A datetime value in Salesforce's answers (Bulk CSV cells, REST JSON): Salesforce datetimes are UTC. */
export const SALESFORCE_VALUE: Strictness = { dateOnly: "refused", missingOffset: "UTC" };

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * An ISO-8601 date or date-time: `T` or a space between them, seconds and fraction optional (digits
 * past milliseconds are cut: an earlier instant can only re-read, never skip), `Z` or an offset
 * (`+01:00`, `+0100`, `+01`; Salesforce writes `.000+0000`). Undefined for any other text, any field
 * out of range (2024-13-01, 2023-02-29, 25:00, +24:00) and what `strictness` refuses.
 */
export function parseTimestamp(text: string, strictness: Strictness): Date | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi = "0", s = "0", fraction = "", zone] = match;
  if (h === undefined && strictness.dateOnly === "refused") return undefined;
  if (h !== undefined && zone === undefined && strictness.missingOffset === "refused") return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = [y, mo, d, h ?? "0", mi, s].map(Number);
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== "Z" && zone !== "z") {
    const digits = zone.slice(1).replace(":", "");
    const [offsetHours, offsetMins] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || "0")];
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, "0")));
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

const CANONICAL_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// REST's form: canonical but for the offset.
const UTC_OFFSET_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]00:?00$/;

/**
 * A Salesforce datetime value in the one form records carry, YYYY-MM-DDTHH:mm:ss.sssZ (Bulk's own
 * form), or undefined when it is not one (see parseTimestamp, SALESFORCE_VALUE).
 */
export function normalizeDateTime(text: string): string | undefined {
  // The hot path: Salesforce's own two forms are taken on trust, as it writes no impossible dates.
  if (CANONICAL_DATETIME.test(text)) return text;
  if (UTC_OFFSET_DATETIME.test(text)) return `${text.slice(0, 23)}Z`;
  return parseTimestamp(text, SALESFORCE_VALUE)?.toISOString();
}

/** A half-open range of instants, [from, to): what a sync reads at a time, and filters a query by. */
export interface Window {
  from: Date;
  to: Date;
}

/** Whether year-month-day names a day of the Gregorian calendar (month 1-12). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!(month >= 1 && month <= 12 && day >= 1)) return false;
  if (month !== 2) return day <= DAYS_IN_MONTH[month - 1]!;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (leap ? 29 : 28);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const SALESFORCE_TIME = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?Z?$/;

/**
 * A Salesforce time (both APIs write HH:mm:ss.SSSZ) as a time without time zone: Salesforce time
 * values "aren't localized or associated with a time zone" (its docs on time fields), so the "Z" is
 * not an offset and is dropped. HH:mm:ss is what both Airbyte's TimeWithoutTimezone and CAT's
 * format check (strptime "%H:%M:%S") accept; real milliseconds are kept (.sss), as dropping them
 * would lose data. Returns undefined for anything else.
 */
export function normalizeTime(text: string): string | undefined {
  const m = SALESFORCE_TIME.exec(text);
  if (!m) return undefined;
  const [, hour, minute, second = "00", fraction = ""] = m;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  const millis = fraction.slice(0, 3).padEnd(3, "0");
  return `${hour}:${minute}:${second}${millis === "000" ? "" : `.${millis}`}`;
}

/**
 * A Salesforce date (both APIs write YYYY-MM-DD) when it names a real calendar day; undefined
 * otherwise. By character codes: it runs for every date cell, and a regex with slices cost a third
 * of a record's conversion time (measured).
 */
export function normalizeDate(text: string): string | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  return year >= 0 && month >= 0 && day >= 0 && isCalendarDate(year, month, day) ? text : undefined;
}

/** The number written by text[from, to) in decimal digits; -1 when one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
