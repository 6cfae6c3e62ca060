// The deleted-records resource, `GET /sobjects/{object}/deleted/?start=&end=` ("sObject Get Deleted",
// REST API Developer Guide; the rules are getDeleted()'s, SOAP API Developer Guide): every deletion of
// an object (recycle bin and hard deletes) in a range, from the org's delete log. What it keeps:
// - "Results are returned for no more than 15 days previous to the day the call is executed (or
//   earlier if an administrator has purged the Recycle Bin)": earliestDateAvailable says where it begins;
// - start must precede end by more than one minute (else INVALID_REPLICATION_DATE); seconds are ignored;
// - latestDateCovered (<= end): deletions after it were not complete yet and come in the next range;
// - at most 600,000 Ids per answer, else EXCEEDED_ID_LIMIT: "choose start and end dates that are
//   closer together" (the range is halved).
import type { SalesforceClient } from "./client.js";
import { SalesforceApiError } from "./api-error.js";
import { parseTimestamp, SALESFORCE_VALUE, type Window } from "../util/datetime.js";

export interface DeletedRecord {
  id: string;
  deletedDate: Date;
}

export interface DeletedRecords {
  deleted: DeletedRecord[];
  /** Where the delete log begins: deletions before it are no longer listed. */
  earliestDateAvailable: Date | undefined;
  latestDateCovered: Date | undefined;
}

const MINUTE_MS = 60_000;
/** How far back the resource answers (15 days), less a margin for the clock between us and Salesforce. */
export const DELETE_LOG_KEEPS_MS = 15 * 24 * 3_600_000 - 10 * MINUTE_MS;
/** Salesforce refuses a range of one minute or less; seconds are cut off, so ask for at least two. */
const MIN_RANGE_MS = 2 * MINUTE_MS;
/**
 * How far before a saved state the next range must start, whatever the lookback: the previous range
 * was covered to the minute only (latestDateCovered), so its last partial minute is asked again.
 */
export const COVERAGE_LAG_MS = 2 * MINUTE_MS;

/**
 * The range to ask for a window: its start no earlier than the log keeps (`clipped` then), at least
 * two minutes wide (earlier deletions re-listed are harmless: a delete is idempotent).
 */
export function deletedRecordsRange(window: Window, now: Date): Window & { clipped: boolean } {
  const keepsFrom = now.getTime() - DELETE_LOG_KEEPS_MS;
  const to = window.to.getTime();
  const from = Math.min(Math.max(window.from.getTime(), keepsFrom), to - MIN_RANGE_MS);
  return { from: new Date(from), to: new Date(to), clipped: window.from.getTime() < keepsFrom };
}

/** The resource's path for a range (relative to the data API root), e.g. for a Composite subrequest. */
export function deletedRecordsPath(object: string, range: Window): string {
  const iso = (date: Date): string => encodeURIComponent(date.toISOString());
  return `/sobjects/${encodeURIComponent(object)}/deleted/?start=${iso(range.from)}&end=${iso(range.to)}`;
}

/** A Composite subrequest asking for a range (the resource is an sObject resource, not a query). */
export function deletedRecordsSubrequest(
  client: SalesforceClient,
  object: string,
  range: Window,
  referenceId: string,
): { method: "GET"; url: string; referenceId: string } {
  return { method: "GET", url: client.dataPath(deletedRecordsPath(object, range)), referenceId };
}

/** Reads the resource's answer; anything else in it is a system error naming the object. */
export function parseDeletedRecords(object: string, body: unknown): DeletedRecords {
  const answer = body as { deletedRecords?: unknown; earliestDateAvailable?: unknown; latestDateCovered?: unknown };
  if (!answer || typeof answer !== "object" || !Array.isArray(answer.deletedRecords)) {
    throw new SalesforceApiError(
      502,
      "UNEXPECTED_ANSWER",
      "no deletedRecords array in the answer",
      `deleted ${object}`,
    );
  }
  const deleted = answer.deletedRecords.map((entry: unknown): DeletedRecord => {
    const { id, deletedDate } = (entry ?? {}) as { id?: unknown; deletedDate?: unknown };
    const date = typeof deletedDate === "string" ? parseTimestamp(deletedDate, SALESFORCE_VALUE) : undefined;
    if (typeof id !== "string" || !/^[a-zA-Z0-9]{15,18}$/.test(id) || !date) {
      throw new SalesforceApiError(
        502,
        "UNEXPECTED_ANSWER",
        `a deleted record is not {id, deletedDate}: ${JSON.stringify(entry).slice(0, 100)}`,
        `deleted ${object}`,
      );
    }
    return { id, deletedDate: date };
  });
  const date = (value: unknown): Date | undefined =>
    typeof value === "string" ? parseTimestamp(value, SALESFORCE_VALUE) : undefined;
  return {
    deleted,
    earliestDateAvailable: date(answer.earliestDateAvailable),
    latestDateCovered: date(answer.latestDateCovered),
  };
}

/** One plain request for a range; a range with more than 600,000 deletions is asked in halves. */
export async function getDeletedRecords(
  client: SalesforceClient,
  object: string,
  range: Window,
): Promise<DeletedRecords> {
  try {
    return parseDeletedRecords(object, await client.json<unknown>(deletedRecordsPath(object, range)));
  } catch (error) {
    const span = range.to.getTime() - range.from.getTime();
    if (!(error instanceof SalesforceApiError) || error.errorCode !== "EXCEEDED_ID_LIMIT" || span < 2 * MIN_RANGE_MS)
      throw error;
    const middle = new Date(range.from.getTime() + Math.floor(span / 2 / MINUTE_MS) * MINUTE_MS);
    const first = await getDeletedRecords(client, object, { from: range.from, to: middle });
    const second = await getDeletedRecords(client, object, { from: middle, to: range.to });
    return {
      deleted: [...first.deleted, ...second.deleted],
      earliestDateAvailable: first.earliestDateAvailable,
      latestDateCovered: second.latestDateCovered,
    };
  }
}
