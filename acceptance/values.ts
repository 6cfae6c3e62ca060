// Cursor values, durations and record keys: the comparisons incremental and expected-record checks need.
import { isDeepStrictEqual } from "node:util";

const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const DAY = 86_400_000;

/** ISO-8601 duration in ms (a year is 365 days, a month 30, as the connector counts them). */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = m.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return (
    years * 365 * DAY +
    months * 30 * DAY +
    weeks * 7 * DAY +
    days * DAY +
    hours * 3_600_000 +
    minutes * 60_000 +
    seconds * 1000
  );
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Milliseconds of an ISO-8601 date or date-time (`Z`, `+0000`, `+00:00`; no zone = UTC), else undefined. */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone = "Z"] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  ms += Number(fraction.slice(0, 3).padEnd(3, "0"));
  if (zone !== "Z" && zone !== "z") {
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
    ms -= (zone.startsWith("-") ? -1 : 1) * offset * 60_000;
  }
  return Number.isNaN(ms) ? undefined : ms;
}

export type CursorKind = "timestamp" | "number" | "string";

export interface Cursor {
  kind: CursorKind;
  value: number | string;
  text: string;
}

/** A comparable cursor value: timestamps by instant, numbers by value, other strings as text. */
export function toCursor(value: unknown): Cursor | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return { kind: "number", value, text: String(value) };
  if (typeof value !== "string" || value === "") return undefined;
  const ms = parseTimestamp(value);
  if (ms !== undefined) return { kind: "timestamp", value: ms, text: value };
  const n = Number(value);
  if (/^-?\d+(\.\d+)?$/.test(value) && Number.isFinite(n)) return { kind: "number", value: n, text: value };
  return { kind: "string", value, text: value };
}

/** a - b as a sign; undefined when the two cannot be compared. */
export function compareCursors(a: Cursor, b: Cursor): number | undefined {
  if (a.kind !== b.kind) return undefined;
  if (a.value === b.value) return 0;
  return a.value < b.value ? -1 : 1;
}

/** The cursor minus the lookback window (timestamps only; other cursors have no lookback). */
export function minusLookback(cursor: Cursor, lookbackMs: number): Cursor {
  if (cursor.kind !== "timestamp") return cursor;
  const value = (cursor.value as number) - lookbackMs;
  return { kind: "timestamp", value, text: new Date(value).toISOString() };
}

export function valueAtPath(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const key of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A record's primary key as one string (`["Id"]` -> `"a0W..."`), or undefined when a part is missing. */
export function primaryKeyOf(
  data: Record<string, unknown>,
  primaryKey: readonly (readonly string[])[],
): string | undefined {
  const parts = primaryKey.map((path) => valueAtPath(data, path));
  if (parts.some((part) => part === undefined || part === null)) return undefined;
  // One scalar part reads as itself ("a0W...", "3") in messages; composite keys as JSON.
  return parts.length === 1 && (typeof parts[0] === "string" || typeof parts[0] === "number")
    ? String(parts[0])
    : JSON.stringify(parts);
}

export const deepEqual = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

/** Field names whose values differ between two records (top-level), for failure messages. */
export function differingFields(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...keys].filter((key) => !isDeepStrictEqual(expected[key], actual[key]));
}

/** A copy of the record without the given field paths ("a/b" as Airbyte's ignored_fields writes them). */
export function withoutFields(data: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(data);
  for (const path of paths) {
    const keys = path.split("/").filter(Boolean);
    const last = keys.pop();
    const parent = valueAtPath(copy, keys);
    if (last !== undefined && parent !== null && typeof parent === "object")
      delete (parent as Record<string, unknown>)[last];
  }
  return copy;
}
