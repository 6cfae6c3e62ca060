// formula_refresh: a formula field's value changes when a related record or the date does, without
// its record's SystemModstamp moving, so an incremental read never sees it. A stream that selects
// formula fields is read in full again (from start_date, through whatever API serves it) once
// formula_refresh has passed since its last full read, which its state keeps under FULL_READ_KEY.
import { parseTimestamp, STATE_CURSOR } from "../util/datetime.js";
import type { StreamCursor } from "./state.js";

/** The state key holding when the stream's last full read started (ISO-8601). */
export const FULL_READ_KEY = "last_full_read_at";
/**
 * While a refresh is under way: how far it has read (the end of its last finished piece). A sync
 * interrupted mid-refresh resumes there (minus lookback_window), not at start_date.
 */
export const REFRESH_PROGRESS_KEY = "formula_refresh_reached";
/** A resumed refresh keeps the time its first part started: values read then are that old. */
const REFRESH_STARTED_KEY = "formula_refresh_started_at";

export interface FormulaRefreshInput {
  /** config formula_refresh; undefined = off. */
  formulaRefreshMs: number | undefined;
  /** The stream's selected formula fields. */
  formulaFields: readonly string[];
  state: StreamCursor | undefined;
  syncStartedAt: Date;
}

/** When the stream's last full read started, from its state (undefined when it does not say). */
export function lastFullRead(state: StreamCursor | undefined): Date | undefined {
  const value = state?.raw[FULL_READ_KEY];
  return typeof value === "string" ? parseTimestamp(value, STATE_CURSOR) : undefined;
}

/**
 * Whether this sync reads the stream in full again for its formula fields. A stream without state is
 * read in full anyway; a state that does not say when (written before formula_refresh was set) counts
 * as due, once.
 */
export function formulaRefreshDue(input: FormulaRefreshInput): boolean {
  const { formulaRefreshMs, formulaFields, state, syncStartedAt } = input;
  if (formulaRefreshMs === undefined || formulaFields.length === 0 || state === undefined) return false;
  // A state in the future reads nothing until then (stream-read.ts); a refresh waits with it.
  if (state.cursor.getTime() > syncStartedAt.getTime()) return false;
  if (refreshReached(state) !== undefined) return true;
  const last = lastFullRead(state);
  return last === undefined || syncStartedAt.getTime() - last.getTime() >= formulaRefreshMs;
}

/** How far an interrupted refresh had read, from the state. */
export function refreshReached(state: StreamCursor | undefined): Date | undefined {
  const value = state?.raw[REFRESH_PROGRESS_KEY];
  return typeof value === "string" ? parseTimestamp(value, STATE_CURSOR) : undefined;
}

export interface FullReadPlan {
  /** Whether this sync refreshes (reads from start_date, or resumes a refresh). */
  refresh: boolean;
  /** Where the range starts instead of the state minus lookback; undefined: as usual. */
  rangeFrom: Date | undefined;
  /** The STATE keys besides the cursor (IncrementalCursor's `keys`); undefined: the input's. */
  keys: ((reached: Date, done: boolean) => Record<string, unknown>) | undefined;
}

/**
 * What formula_refresh asks of this sync. A stream that tracks its full reads (formula_refresh set
 * and formula fields selected) records each one's start once it is done (its first sync too); a
 * refresh's pieces carry how far it got, so an interrupted one resumes there.
 */
export function planFullRead(input: FormulaRefreshInput & { startDate: Date; lookbackMs: number }): FullReadPlan {
  const { formulaRefreshMs, formulaFields, state, syncStartedAt } = input;
  if (formulaRefreshMs === undefined || formulaFields.length === 0)
    return { refresh: false, rangeFrom: undefined, keys: undefined };
  const refresh = formulaRefreshDue(input);
  if (!refresh && state !== undefined) return { refresh, rangeFrom: undefined, keys: undefined };
  const raw = { ...state?.raw };
  delete raw[REFRESH_PROGRESS_KEY];
  delete raw[REFRESH_STARTED_KEY];
  const reached = refreshReached(state);
  const rangeFrom = reached
    ? new Date(Math.max(input.startDate.getTime(), reached.getTime() - input.lookbackMs))
    : state === undefined
      ? undefined
      : input.startDate;
  const started = refreshStartedAt(state, syncStartedAt);
  return {
    refresh,
    rangeFrom,
    keys: (to, done) =>
      done
        ? { ...raw, [FULL_READ_KEY]: started.toISOString() }
        : refresh
          ? { ...raw, [REFRESH_PROGRESS_KEY]: to.toISOString(), [REFRESH_STARTED_KEY]: started.toISOString() }
          : raw,
  };
}

function refreshStartedAt(state: StreamCursor | undefined, syncStartedAt: Date): Date {
  const value = state?.raw[REFRESH_STARTED_KEY];
  const started = typeof value === "string" && refreshReached(state) ? parseTimestamp(value, STATE_CURSOR) : undefined;
  return started ?? syncStartedAt;
}
