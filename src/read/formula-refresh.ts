// formula_refresh: a formula field's value changes when a related record or the date does, without
// its record's SystemModstamp moving, so an incremental read never sees it. A stream that selects
// formula fields is read in full again (from start_date, through whatever API serves it) once
// formula_refresh has passed since its last full read, which its state keeps under FULL_READ_KEY.
import { parseTimestamp, STATE_CURSOR } from "../util/datetime.js";
import type { StreamCursor } from "./state.js";

/** The state key holding when the stream's last full read started (ISO-8601). */
export const FULL_READ_KEY = "last_full_read_at";

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
  const last = lastFullRead(state);
  return last === undefined || syncStartedAt.getTime() - last.getTime() >= formulaRefreshMs;
}

/**
 * The state keys to carry: a sync that read the stream in full (a first sync, or a refresh) records
 * when it started, once its last window is delivered; otherwise the input's keys as they were.
 */
export function fullReadKeys(
  readInFull: boolean,
  syncStartedAt: Date,
  raw: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  return readInFull ? { ...raw, [FULL_READ_KEY]: syncStartedAt.toISOString() } : raw;
}
