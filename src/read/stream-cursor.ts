// The per-stream cursor of an incremental stream: the range this sync reads and the STATE each
// finished piece of it earns. Bulk results are unordered, so a Bulk window earns its end only once
// all its records are out; an ordered REST page (ORDER BY cursor, Id) earns the cursor of its last
// record, because the next sync reads `>=` the state minus lookback: records tied on that value
// across the page boundary are read again, never lost.
import type { Config } from "../config.js";
import type { Window } from "../util/datetime.js";
import type { ResumePoint, StreamCursor } from "./state.js";
import type { BulkProgress } from "./bulk-progress.js";
import { stateBlob } from "./state.js";
import { nextStateCursor, planWindows, SAFETY_LAG_MS, syncWindowBounds } from "./windows.js";

export class IncrementalCursor {
  /**
   * `[start, end)`: from the state minus lookback (or start_date) to the sync's start minus the lag;
   * after a `resumed` window, from that window's end.
   */
  readonly start: Date;
  readonly end: Date;
  /**
   * The Bulk window an earlier attempt was reading (its checkpoint's), read first on its job. Its
   * start already had the lookback applied when that attempt planned it, so the range goes on from
   * its end. Undefined when there is none or it does not fit this sync's range.
   */
  readonly resumed: Window | undefined;
  private cursor: Date | undefined;

  /** True when the range starts at start_date: no state, or a formula refresh (formula-refresh.ts). */
  readonly fromStartDate: boolean;
  private reached: Date | undefined;

  constructor(
    private readonly cursorField: string,
    private readonly input: StreamCursor | undefined,
    private readonly config: Config,
    syncStartedAt: Date,
    point?: ResumePoint,
    /**
     * formula_refresh (formula-refresh.ts): `rangeFrom`, where the range starts instead of the state
     * minus lookback (start_date, or where an interrupted refresh got to; the STATE's cursor still
     * never moves backwards); `keys`, the keys a STATE carries besides the cursor, given how far the
     * range is read (`reached`) and whether it is done. Default: the input state's keys.
     */
    private readonly options: {
      rangeFrom?: Date | undefined;
      keys?: (reached: Date, done: boolean) => Record<string, unknown> | undefined;
    } = {},
  ) {
    const from = options.rangeFrom;
    this.fromStartDate = input === undefined || (from !== undefined && from.getTime() <= config.startDate.getTime());
    const { start, end } = syncWindowBounds({
      stateCursor: from === undefined ? input?.cursor : undefined,
      lookbackMs: config.lookbackMs,
      startDate: from ?? config.startDate,
      syncStartedAt,
      safetyLagMs: SAFETY_LAG_MS,
    });
    const resumed = point?.window;
    this.resumed = resumed && resumed.to <= end ? resumed : undefined;
    this.start = this.resumed ? this.resumed.to : start;
    this.end = end;
    this.cursor = input?.cursor;
  }

  get hasState(): boolean {
    return this.input !== undefined;
  }

  /** The state the sync started from (to repeat when there is nothing to read). */
  get inputCursor(): Date | undefined {
    return this.input?.cursor;
  }

  /** The whole range as one window, for a probe. */
  get range(): Window {
    return { from: this.start, to: this.end };
  }

  /** Bulk windows of `stream_slice_step` from `from` (at or after start) to the end. */
  windows(from: Date = this.start): Window[] {
    return planWindows({
      start: from < this.start ? this.start : from,
      end: this.end,
      stepMs: this.config.sliceStepMs,
    });
  }

  /** STATE once every record of a window (or of the rest of the range) ending at `to` is out. */
  finished(to: Date = this.end): Record<string, unknown> {
    this.cursor = nextStateCursor(to, this.cursor);
    this.reached = to;
    return this.blob();
  }

  /** STATE after an ordered page whose last record's cursor is `last` (never before the saved state). */
  orderedUpTo(last: Date): Record<string, unknown> {
    return this.finished(last);
  }

  /**
   * A checkpoint while a Bulk job reads `window`: the cursor where it was (the window's start on a
   * first sync, which is never past an unread record), plus the window and the job's progress.
   */
  checkpoint(window: Window, job: BulkProgress): Record<string, unknown> {
    const keys = this.options.keys ? this.options.keys(this.reached ?? window.from, false) : this.input?.raw;
    return stateBlob(this.cursorField, this.cursor ?? window.from, keys, { window, job });
  }

  /** The input state as given (nothing to read this time). */
  repeatInput(): Record<string, unknown> {
    return stateBlob(this.cursorField, this.input!.cursor, this.input!.raw);
  }

  private blob(): Record<string, unknown> {
    const reached = this.reached ?? this.cursor!;
    const keys = this.options.keys
      ? this.options.keys(reached, reached.getTime() >= this.end.getTime())
      : this.input?.raw;
    return stateBlob(this.cursorField, this.cursor!, keys);
  }
}
