// How far a Bulk read got, so that a later run continues the same job instead of starting a new one
// (issue 12). Salesforce keeps a Bulk 2.0 job's results for seven days and Bulk 1.0 batch results as
// long as the job exists ("Job and Batch Lifespan", Bulk API Developer Guide), so a read killed at
// 60% of an hour-long job can read the other 40% only.
import { createHash } from "node:crypto";
import type { SalesforceClient } from "../salesforce/client.js";
import type { QueryOperation } from "../salesforce/bulk2.js";
import { deleteJob } from "../salesforce/bulk2.js";
import { setJobState } from "../salesforce/bulk1.js";
import type { Log } from "../log.js";
import { isObject } from "../util/is-object.js";

/** A Bulk 2.0 job: its results are read page by page, by locator. */
export interface Bulk2Progress {
  api: "2.0";
  job: string;
  /** queryHash() of the job's SOQL: Salesforce's job info does not give the query text back. */
  query: string;
  /** The locator of the page being read; absent: the first page. */
  locator?: string;
  /** Rows of that page already handed on (pages of a finished job do not change between reads). */
  rows: number;
  /** The page after it, read beside it, and its rows already handed on (salesforce/bulk2-results.ts). */
  ahead?: { locator: string; rows: number };
}

/** A Bulk 1.0 job: batches (PK chunks) complete in any order; each is read whole. */
export interface Bulk1Progress {
  api: "1.0";
  job: string;
  query: string;
  /** The batch the query went in as (under PK chunking the original batch, which ends NotProcessed). */
  batch: string;
  chunked: boolean;
  /** The job was closed (every batch created). */
  closed: boolean;
  /** Batches whose every row was handed on. */
  done: string[];
  /** Rows handed on of batches read in part (their result files in order). */
  partial: Record<string, number>;
}

export type BulkProgress = Bulk2Progress | Bulk1Progress;

/**
 * What a Bulk extractor is given to resume and to report progress. `checkpoint` is called only
 * after every record the progress covers was handed to the sink (awaited), and at least every
 * CHECKPOINT_RECORDS records: Bulk 2.0 after each page but the last (and within a longer page),
 * Bulk 1.0 each time another chunk's worth of rows was handed on (several batches download at
 * once). A job named by a checkpoint is left behind if the read fails, for the next run to
 * continue; one no checkpoint named is deleted (2.0) or aborted (1.0) as before.
 */
export interface BulkResume {
  /** Where an earlier run of the same read stopped. */
  from?: BulkProgress | undefined;
  checkpoint(progress: BulkProgress): Promise<void>;
}

/** Records handed on between two checkpoints at most (a page or batch bigger than this gets several). */
export const CHECKPOINT_RECORDS = 50_000;

/**
 * Records between checkpoints of a read whose unit (a Bulk 2.0 page, a PK chunk) has `unitRows` rows:
 * a unit's worth, what a kill may cost again, at most CHECKPOINT_RECORDS.
 */
export function checkpointEvery(unitRows: number | undefined): number {
  return Math.min(unitRows ?? CHECKPOINT_RECORDS, CHECKPOINT_RECORDS);
}

/**
 * A job still running after this many status polls (7.5 s at the default first delay of 0.5 s) is
 * named in a checkpoint before any of its records: a read killed while Salesforce runs a long query
 * then continues that job, and never leaves it behind unnamed. Quick jobs cost no extra STATE.
 */
export const NAME_PENDING_JOB_AFTER_POLLS = 4;

/** 16 hex digits of SHA-256 over the operation and the SOQL: changed fields or filters change it. */
export function queryHash(soql: string, operation: QueryOperation): string {
  return createHash("sha256").update(`${operation}\n${soql}`).digest("hex").slice(0, 16);
}

/**
 * Deletes (Bulk 2.0) or aborts (Bulk 1.0, which has no delete) a job an earlier run left that will
 * not be resumed, so it stops counting against the org's open jobs. Failures are only logged: the
 * job is gone or Salesforce drops it after seven days anyway.
 */
export async function discardJob(
  client: SalesforceClient,
  progress: BulkProgress,
  warn: (message: string) => void,
): Promise<void> {
  try {
    if (progress.api === "2.0") await deleteJob(client, progress.job);
    else await setJobState(client, progress.job, "Aborted");
  } catch (error) {
    warn(`Could not remove the earlier Bulk ${progress.api} job ${progress.job}: ${String(error)}`);
  }
}

/** The progress a state holds, or undefined when it is not one this connector writes. */
/**
 * Says in a LOG line why an earlier job is not continued, removes it (unless Salesforce no longer
 * has it: `discard` false) and answers undefined: the start of every Bulk API's resume check.
 */
export function resumeRefusal(
  client: SalesforceClient,
  from: BulkProgress,
  streamName: string,
  log: Log,
): (why: string, discard?: boolean) => Promise<undefined> {
  return async (why, discard = true) => {
    log.info(
      `Stream '${streamName}': not continuing the earlier Bulk job ${from.job}: ${why}; reading again with a new job.`,
    );
    if (discard) await discardJob(client, from, log.warn);
    return undefined;
  };
}

/** Why a job of another Bulk API, or of another query, is not continued. */
export const otherBulkApi = (from: BulkProgress, api: BulkProgress["api"]): string =>
  `it is a Bulk API ${from.api} job and bulk_api.version is now ${api}`;
export const QUERY_CHANGED = "the stream's query changed since (its fields or filters)";

export function parseBulkProgress(value: unknown): BulkProgress | undefined {
  if (!isObject(value) || typeof value.job !== "string" || !/^[A-Za-z0-9]{15,18}$/.test(value.job)) return undefined;
  if (typeof value.query !== "string" || value.query === "") return undefined;
  if (value.api === "2.0") {
    const rows = value.rows ?? 0;
    if (!isCount(rows)) return undefined;
    if (value.locator !== undefined && !isLocator(value.locator)) return undefined;
    const ahead = value.ahead;
    if (ahead !== undefined && !(isObject(ahead) && isLocator(ahead.locator) && isCount(ahead.rows))) return undefined;
    return {
      api: "2.0",
      job: value.job,
      query: value.query,
      ...(value.locator !== undefined ? { locator: value.locator } : {}),
      rows,
      ...(ahead !== undefined ? { ahead: { locator: ahead.locator as string, rows: ahead.rows as number } } : {}),
    };
  }
  if (value.api === "1.0") {
    const { batch, chunked, closed, done, partial } = value;
    if (typeof batch !== "string" || typeof chunked !== "boolean" || typeof closed !== "boolean") return undefined;
    if (!Array.isArray(done) || !done.every((id) => typeof id === "string")) return undefined;
    if (!isObject(partial) || !Object.values(partial).every(isCount)) return undefined;
    return {
      api: "1.0",
      job: value.job,
      query: value.query,
      batch,
      chunked,
      closed,
      done: [...(done as string[])],
      partial: { ...(partial as Record<string, number>) },
    };
  }
  return undefined;
}

function isLocator(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
