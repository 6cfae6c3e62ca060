// Incremental windows on the cursor field. Bulk results are unordered, so a stream's state may only
// move to the end of a window whose every record has been emitted: windows are half-open `[from, to)`
// and tile the range exactly, so each record falls in exactly one.
import { configError } from "../errors.js";
import type { Window } from "../util/datetime.js";

/**
 * How far behind the sync's start the last window ends. Records committed around that instant may not
 * yet be visible to a Bulk query or the SystemModstamp index; stopping a minute short leaves them to
 * the next sync (which starts at this sync's state) instead of losing them.
 */
export const SAFETY_LAG_MS = 60_000;

/** More windows than this means a step far too small for the range (and as many Bulk jobs). */
export const MAX_WINDOWS = 100_000;

/** `[start, end)` cut into steps of `stepMs` (the last one shorter); empty when start >= end. */
export function planWindows({ start, end, stepMs }: { start: Date; end: Date; stepMs: number }): Window[] {
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0)
    throw new Error(`planWindows: stepMs must be a positive integer, got ${stepMs}`);
  const [startMs, endMs] = [start.getTime(), end.getTime()];
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) throw new Error("planWindows: invalid Date");
  if (startMs >= endMs) return [];
  const count = Math.ceil((endMs - startMs) / stepMs);
  if (count > MAX_WINDOWS) {
    throw configError(
      `stream_slice_step is too small: ${start.toISOString()} to ${end.toISOString()} would need ${count} windows (at most ${MAX_WINDOWS}). Use a larger stream_slice_step.`,
    );
  }
  const windows: Window[] = [];
  for (let from = startMs; from < endMs; from += stepMs) {
    windows.push({ from: new Date(from), to: new Date(Math.min(from + stepMs, endMs)) });
  }
  return windows;
}

export interface WindowBoundsInput {
  /** The stream's cursor from the input state, if any. */
  stateCursor?: Date | undefined;
  /** Re-read this far before the state, for records whose cursor was written late. */
  lookbackMs: number;
  /** Where a stream without state starts (config start_date). */
  startDate: Date;
  syncStartedAt: Date;
  safetyLagMs?: number;
}

/** The range this sync reads: from the state minus lookback (or start_date) to the sync start minus the lag. */
export function syncWindowBounds({
  stateCursor,
  lookbackMs,
  startDate,
  syncStartedAt,
  safetyLagMs = SAFETY_LAG_MS,
}: WindowBoundsInput): { start: Date; end: Date } {
  if (lookbackMs < 0 || safetyLagMs < 0) throw new Error("syncWindowBounds: lookbackMs and safetyLagMs must be >= 0");
  const start = stateCursor ? new Date(stateCursor.getTime() - lookbackMs) : new Date(startDate.getTime());
  return { start, end: new Date(syncStartedAt.getTime() - safetyLagMs) };
}

/**
 * The state after a completed window: its end, or the previous state if that is later. Everything
 * before the previous state was delivered by an earlier sync, so a state never moves backwards (a
 * lookback window ends before it, or the sync started before it).
 */
export function nextStateCursor(windowEnd: Date, previous?: Date): Date {
  return previous && previous.getTime() > windowEnd.getTime()
    ? new Date(previous.getTime())
    : new Date(windowEnd.getTime());
}
