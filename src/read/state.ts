// Input state for `read`: every shape Airbyte has sent (STREAM, GLOBAL, LEGACY) is reduced to one
// cursor per configured incremental stream. A state that cannot be used is a config_error, never a
// silent full re-sync: the user decides whether to re-read an object.
import { configError } from "../errors.js";

export interface StreamCursor {
  cursorField: string;
  cursor: Date;
  /** The stream_state object as given (a shallow copy), so unknown keys can be carried forward. */
  raw: Record<string, unknown>;
}

export interface StateStream {
  name: string;
  /** Absent for full-refresh streams, whose state is ignored. */
  cursorField?: string | undefined;
}

const ACCEPTED_SHAPES =
  'Accepted: an array of Airbyte state messages of type STREAM, GLOBAL or LEGACY; one LEGACY message ({"data": {...}}); ' +
  'an object keyed by stream name ({"Account": {"SystemModstamp": "2024-01-01T00:00:00.000Z"}}); or an empty array or object.';

export function parseInputState(input: unknown, streams: ReadonlyArray<StateStream>): Map<string, StreamCursor> {
  const wanted = new Map(streams.map((stream) => [stream.name, stream]));
  const cursors = new Map<string, StreamCursor>();
  const seen = new Set<string>();
  for (const { name, state } of streamStates(input)) {
    const stream = wanted.get(name);
    if (!stream) continue;
    // Two states for one stream cannot both be right; picking one would be a silent guess.
    if (seen.has(name)) throw unusable(name, "the state holds more than one entry for it");
    seen.add(name);
    if (stream.cursorField === undefined) continue;
    const cursor = parseStreamState(name, stream.cursorField, state);
    if (cursor) cursors.set(name, cursor);
  }
  return cursors;
}

/**
 * The stream_state after a full-refresh stream's last record. It is the Airbyte Python CDK's: its
 * FullRefreshCheckpointReader (airbyte_cdk/sources/streams/checkpoint/checkpoint_reader.py) emits
 * {"__ab_no_cursor_state_message": true} (NO_CURSOR_STATE_KEY, airbyte_cdk/sources/streams/core.py)
 * once a stream that cannot checkpoint has read everything.
 */
export const FULL_REFRESH_COMPLETE: Readonly<Record<string, unknown>> = Object.freeze({
  __ab_no_cursor_state_message: true,
});

/**
 * Keys that only say a full refresh finished: the marker above, and the CDK's resumable full
 * refresh one (FULL_REFRESH_COMPLETE_STATE, {"__ab_full_refresh_sync_complete": true}). A state
 * holding only these has no cursor: the stream is read from the start.
 */
const COMPLETION_KEYS: ReadonlySet<string> = new Set([
  "__ab_no_cursor_state_message",
  "__ab_full_refresh_sync_complete",
]);

/** `{ [cursorField]: "2024-01-02T03:04:05.000Z" }`, keeping `extra` keys; the cursor key wins. */
export function stateBlob(cursorField: string, cursor: Date, extra?: Record<string, unknown>): Record<string, unknown> {
  return { ...extra, [cursorField]: cursor.toISOString() };
}

interface NamedState {
  name: string;
  state: unknown;
}

function streamStates(input: unknown): NamedState[] {
  if (input === null || input === undefined) return [];
  if (Array.isArray(input)) return input.flatMap((message, index) => fromMessage(message, `item ${index}`));
  if (isObject(input)) {
    return MESSAGE_KEYS.some((key) => Object.hasOwn(input, key))
      ? fromMessage(input, "the state")
      : fromLegacyData(input);
  }
  throw shapeError(`the state is ${describe(input)}`);
}

// Keys that make an object a state message rather than a bare LEGACY object keyed by stream name
// (Salesforce object names never are these lowercase words).
const MESSAGE_KEYS = ["type", "stream", "global", "data"];

function fromMessage(message: unknown, where: string): NamedState[] {
  if (!isObject(message)) throw shapeError(`${where} is ${describe(message)}, not a state message`);
  // The protocol says a message without a type is LEGACY.
  const type = message.type ?? "LEGACY";
  switch (type) {
    case "STREAM":
      return [fromStreamState(message.stream, `${where} (STREAM)`)];
    case "GLOBAL": {
      const global = message.global;
      if (!isObject(global) || !Array.isArray(global.stream_states)) {
        throw shapeError(`${where} (GLOBAL) has no global.stream_states array`);
      }
      return global.stream_states.map((entry, index) =>
        fromStreamState(entry, `${where} (GLOBAL) stream_states item ${index}`),
      );
    }
    case "LEGACY":
      if (!isObject(message.data)) throw shapeError(`${where} (LEGACY) has no data object`);
      return fromLegacyData(message.data);
    default:
      throw shapeError(`${where} has type ${describe(type)}`);
  }
}

function fromStreamState(entry: unknown, where: string): NamedState {
  const descriptor = isObject(entry) ? entry.stream_descriptor : undefined;
  const name = isObject(descriptor) ? descriptor.name : undefined;
  if (typeof name !== "string" || name === "") {
    throw shapeError(`${where} has no stream.stream_descriptor.name`);
  }
  // The namespace is not compared: Salesforce streams have none.
  return { name, state: (entry as Record<string, unknown>).stream_state };
}

function fromLegacyData(data: Record<string, unknown>): NamedState[] {
  return Object.entries(data).map(([name, state]) => ({ name, state }));
}

function parseStreamState(name: string, cursorField: string, state: unknown): StreamCursor | undefined {
  // Airbyte sends a null or absent stream_state for a stream it has reset: start from start_date.
  if (state === null || state === undefined) return undefined;
  if (!isObject(state)) {
    throw unusable(
      name,
      `its state is ${describe(state)}, not an object like {"${cursorField}": "2024-01-01T00:00:00.000Z"}`,
    );
  }
  const keys = Object.keys(state);
  if (keys.every((key) => COMPLETION_KEYS.has(key))) return undefined;
  if (!Object.hasOwn(state, cursorField)) {
    throw unusable(name, `it has no ${cursorField} (its keys: ${keys.slice(0, 5).join(", ")})`);
  }
  const value = state[cursorField];
  const cursor = typeof value === "string" ? parseCursorTimestamp(value) : undefined;
  if (!cursor) throw unusable(name, `${cursorField} is ${describe(value)}, not an ISO-8601 timestamp`);
  return { cursorField, cursor, raw: { ...state } };
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

/**
 * An ISO-8601 date (midnight UTC) or date-time with `Z` or an offset (`+01:00`, `+0100`, `+01`;
 * Salesforce writes `.000+0000`). A local time without offset is ambiguous, so it is rejected, as is
 * any field out of range (2024-13-01, 2023-02-29, 25:00). Digits past milliseconds are truncated:
 * an earlier cursor can only re-read, never skip.
 */
export function parseCursorTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone = "Z"] = match;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = [y, mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
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

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

function unusable(name: string, problem: string) {
  return configError(
    `State for stream '${name}' is not usable: ${problem}. Fix or remove this stream's state (a full re-sync of it follows).`,
  );
}

function shapeError(problem: string) {
  return configError(`The input state is not in a shape this connector accepts: ${problem}. ${ACCEPTED_SHAPES}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short rendering of a value for a message; state holds no secrets but may be large. */
function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
