// Input state for `read`: every shape Airbyte has sent (STREAM, GLOBAL, LEGACY) is reduced to one
// cursor per configured incremental stream. A state that cannot be used is a config_error, never a
// silent full re-sync: the user decides whether to re-read an object.
// Beside its cursor a stream's state may hold RESUME_KEY: the Bulk job a read had under way (see
// bulk-progress.ts); a full-refresh stream's state holds only that while it reads.
import { configError } from "../errors.js";
import { isObject } from "../util/is-object.js";
import { parseTimestamp, STATE_CURSOR, type Window } from "../util/datetime.js";
import { COMPLETION_KEYS } from "../protocol/full-refresh-state.js";
import { parseBulkProgress, type BulkProgress } from "./bulk-progress.js";

/** The key of a read's progress in a stream's state. Not a Salesforce field name (they never start with `_`). */
export const RESUME_KEY = "__resume";

/** A read under way: the window it was reading (incremental streams) and its Bulk job's progress. */
export interface ResumePoint {
  window?: Window;
  job: BulkProgress;
}

export interface StreamCursor {
  cursorField: string;
  cursor: Date;
  /** The stream_state object as given (a shallow copy, without RESUME_KEY), so unknown keys can be carried forward. */
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
 * `{ [cursorField]: "2024-01-02T03:04:05.000Z" }`, keeping `extra` keys; the cursor key wins. With
 * `resume`, the read under way (a checkpoint); without, any earlier one is dropped (the window is done).
 */
export function stateBlob(
  cursorField: string,
  cursor: Date,
  extra?: Record<string, unknown>,
  resume?: ResumePoint,
): Record<string, unknown> {
  const blob: Record<string, unknown> = { ...extra, [cursorField]: cursor.toISOString() };
  delete blob[RESUME_KEY];
  return resume ? { ...blob, ...resumeBlob(resume) } : blob;
}

/** `{ [RESUME_KEY]: ... }`: a full-refresh stream's whole state while it reads. */
export function resumeBlob(resume: ResumePoint): Record<string, unknown> {
  const value: Record<string, unknown> = { job: resume.job };
  if (resume.window) value.window = { from: resume.window.from.toISOString(), to: resume.window.to.toISOString() };
  return { [RESUME_KEY]: value };
}

/**
 * The read each stream had under way, from the same input as parseInputState. A progress this
 * connector cannot use (edited by hand, say) loses nothing: `warn` says so and the window is read
 * again from the start.
 */
export function parseResumePoints(
  input: unknown,
  streams: ReadonlyArray<StateStream>,
  warn: (message: string) => void,
): Map<string, ResumePoint> {
  const wanted = new Set(streams.map((stream) => stream.name));
  const points = new Map<string, ResumePoint>();
  for (const { name, state } of streamStates(input)) {
    if (!wanted.has(name) || !isObject(state) || !Object.hasOwn(state, RESUME_KEY)) continue;
    const point = parseResumePoint(state[RESUME_KEY]);
    if (point) points.set(name, point);
    else
      warn(`Stream '${name}': the state's ${RESUME_KEY} is not a read this connector can continue; reading it again.`);
  }
  return points;
}

function parseResumePoint(value: unknown): ResumePoint | undefined {
  if (!isObject(value)) return undefined;
  const job = parseBulkProgress(value.job);
  if (!job) return undefined;
  if (value.window === undefined) return { job };
  const window = value.window;
  if (!isObject(window) || typeof window.from !== "string" || typeof window.to !== "string") return undefined;
  const from = parseCursorTimestamp(window.from);
  const to = parseCursorTimestamp(window.to);
  if (!from || !to || from >= to) return undefined;
  return { window: { from, to }, job };
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
  throw shapeError(`the state is ${preview(input)}`);
}

// Keys that make an object a state message rather than a bare LEGACY object keyed by stream name
// (Salesforce object names never are these lowercase words).
const MESSAGE_KEYS = ["type", "stream", "global", "data"];

function fromMessage(message: unknown, where: string): NamedState[] {
  if (!isObject(message)) throw shapeError(`${where} is ${preview(message)}, not a state message`);
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
      throw shapeError(`${where} has type ${preview(type)}`);
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
      `its state is ${preview(state)}, not an object like {"${cursorField}": "2024-01-01T00:00:00.000Z"}`,
    );
  }
  const keys = Object.keys(state).filter((key) => key !== RESUME_KEY);
  if (keys.every((key) => COMPLETION_KEYS.has(key))) return undefined;
  if (!Object.hasOwn(state, cursorField)) {
    throw unusable(name, `it has no ${cursorField} (its keys: ${keys.slice(0, 5).join(", ")})`);
  }
  const value = state[cursorField];
  const cursor = typeof value === "string" ? parseCursorTimestamp(value) : undefined;
  if (!cursor) throw unusable(name, `${cursorField} is ${preview(value)}, not an ISO-8601 timestamp`);
  const raw = { ...state };
  delete raw[RESUME_KEY];
  return { cursorField, cursor, raw };
}

/** A cursor in a state: a date (midnight UTC) or a date-time with `Z` or an offset (see STATE_CURSOR). */
export function parseCursorTimestamp(text: string): Date | undefined {
  return parseTimestamp(text, STATE_CURSOR);
}

function unusable(name: string, problem: string) {
  return configError(
    `State for stream '${name}' is not usable: ${problem}. Fix or remove this stream's state (a full re-sync of it follows).`,
  );
}

function shapeError(problem: string) {
  return configError(`The input state is not in a shape this connector accepts: ${problem}. ${ACCEPTED_SHAPES}`);
}

/** A short rendering of a value for a message; state holds no secrets but may be large. */
function preview(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
