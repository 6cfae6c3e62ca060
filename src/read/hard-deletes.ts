// hard_deletes: each deletion the deleted-records resource lists for an incremental stream's range
// becomes a record {Id, <cursor>: deletedDate, IsDeleted: true, _ab_cdc_deleted_at: deletedDate}, which
// Airbyte's deduplicating destinations turn into a delete. The resource keeps 15 days: a range older
// than that is read as far as it goes, with one WARN per stream; the state is not held back for it.
import type { Config } from "../config.js";
import type { Log } from "../log.js";
import type { SalesforceClient } from "../salesforce/client.js";
import { CDC_DELETED_AT } from "../catalog/object-stream.js";
import {
  COVERAGE_LAG_MS,
  deletedRecordsRange,
  getDeletedRecords,
  type DeletedRecord,
  type DeletedRecords,
} from "../salesforce/deleted-records.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import type { Window } from "../util/datetime.js";
import type { RecordSink } from "./extractor.js";
import type { StreamCursor } from "./state.js";
import { SAFETY_LAG_MS, syncWindowBounds } from "./windows.js";

/**
 * The range whose deletions a sync reads: from the saved state minus lookback_window (and at least
 * COVERAGE_LAG_MS before the state, as the resource covers whole minutes) to the sync's end. None on a
 * first sync (nothing was delivered that a delete could remove) or when the state is in the future.
 */
export function deletionsWindow(
  state: StreamCursor | undefined,
  config: Config,
  syncStartedAt: Date,
): Window | undefined {
  if (state === undefined) return undefined;
  const { start, end } = syncWindowBounds({
    stateCursor: state.cursor,
    lookbackMs: config.lookbackMs,
    startDate: config.startDate,
    syncStartedAt,
    safetyLagMs: SAFETY_LAG_MS,
  });
  if (start >= end) return undefined;
  return { from: new Date(Math.min(start.getTime(), state.cursor.getTime() - COVERAGE_LAG_MS)), to: end };
}

const RECORDS_PER_BATCH = 2_000;

/**
 * With query_all, a record in the recycle bin comes from the query too (IsDeleted = true) with the
 * same cursor value as its deletion record; marked the same way, a deduplicating destination deletes
 * it whichever of the two it keeps. Only records whose text holds `"IsDeleted":true` are parsed.
 */
export function markSoftDeletes(cursorField: string): (batch: string[]) => string[] {
  return (batch) =>
    batch.map((json) => {
      if (!json.includes('"IsDeleted":true')) return json;
      const record = JSON.parse(json) as Record<string, unknown>;
      if (record.IsDeleted !== true || record[CDC_DELETED_AT] != null) return json;
      return JSON.stringify({ ...record, [CDC_DELETED_AT]: record[cursorField] ?? null });
    });
}

/** The record of one deletion, as JSON text (what a RecordSink takes). */
export function hardDeleteRecord(cursorField: string, deleted: DeletedRecord): string {
  const at = deleted.deletedDate.toISOString();
  return JSON.stringify({ Id: deleted.id, [cursorField]: at, IsDeleted: true, [CDC_DELETED_AT]: at });
}

/** The WARN when the range begins before what the resource keeps, or undefined. */
export function olderThanLogWarning(
  stream: string,
  window: Window,
  answer: Pick<DeletedRecords, "earliestDateAvailable">,
  clipped: boolean,
): string | undefined {
  const earliest = answer.earliestDateAvailable;
  if (!clipped && (earliest === undefined || window.from >= earliest)) return undefined;
  const from = earliest ?? window.from;
  return (
    `Stream '${stream}': hard_deletes reads deletions since ${from.toISOString()} only (Salesforce keeps the last 15 days), ` +
    `but this sync starts at ${window.from.toISOString()}; deletions before then are not captured. Sync more often than every 15 days, or reset the stream.`
  );
}

export interface HardDeletesInput {
  client: SalesforceClient;
  stream: string;
  object: string;
  cursorField: string;
  /** The sync's range of the stream: [state - lookback, end). */
  window: Window;
  now: Date;
  sink: RecordSink;
  log: Log;
  /** Asks the resource; default a plain request (the probe may carry it in a Composite request instead). */
  fetch?: (range: Window) => Promise<DeletedRecords>;
}

/**
 * Emits a record per deletion in the window. A refusal of the resource (an object it does not serve,
 * a purge that moved earliestDateAvailable past the range) is a WARN, not a failure of the stream:
 * the live records are still read. Returns the number of deletion records emitted.
 */
export async function emitHardDeletes(input: HardDeletesInput): Promise<number> {
  const { client, stream, object, cursorField, window, sink, log } = input;
  const range = deletedRecordsRange(window, input.now);
  const plain = (r: Window): Promise<DeletedRecords> => getDeletedRecords(client, object, r);
  // Over 600,000 deletions: the plain client asks the range in halves.
  const fetchOrHalve = async (r: Window): Promise<DeletedRecords> => {
    try {
      return await (input.fetch ?? plain)(r);
    } catch (error) {
      if (input.fetch && error instanceof SalesforceApiError && error.errorCode === "EXCEEDED_ID_LIMIT")
        return plain(r);
      throw error;
    }
  };
  let answer: DeletedRecords;
  try {
    answer = await fetchOrHalve(range);
  } catch (error) {
    if (!(error instanceof SalesforceApiError) || error.status >= 500) throw error;
    log.warn(
      `Stream '${stream}': hard_deletes could not read ${object}'s deleted records (${error.errorCode}: ${error.salesforceMessage}); only the live records are read.`,
    );
    return 0;
  }
  const warning = olderThanLogWarning(stream, window, answer, range.clipped);
  if (warning) log.warn(warning);
  // A range widened to two minutes may list a deletion again: a delete applied twice is still one delete.
  const { deleted } = answer;
  for (let i = 0; i < deleted.length; i += RECORDS_PER_BATCH) {
    await sink.records(deleted.slice(i, i + RECORDS_PER_BATCH).map((d) => hardDeleteRecord(cursorField, d)));
  }
  return deleted.length;
}
