// Bulk API 2.0 query jobs. jsforce's bulk2.query() result stream is not used: it sends no
// maxRecords, feeds every page into one parser (page 2's header becomes a record), buffers whole
// pages and crashes on small pages (jsforce issues 1546, 1693). Results are paged here by
// locator + maxRecords, each page streamed through its own CSV parser.
import type { SalesforceClient } from "./client.js";
import type { HttpResponse } from "./http.js";
import { readCsvResource, type RowBatch } from "./csv-results.js";
import { ConnectorError } from "../errors.js";
import { pause } from "../shutdown.js";

export interface Bulk2JobInfo {
  id: string;
  state: "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";
  object?: string;
  errorMessage?: string;
  numberRecordsProcessed?: number;
  apiVersion?: number | string;
}

export type QueryOperation = "query" | "queryAll";

/** A job that ended Failed or Aborted: the caller may run the query again as a new job. */
export class BulkJobFailedError extends Error {
  constructor(readonly job: { id: string; state: string; errorMessage?: string }) {
    super(`Bulk job ${job.id} ended ${job.state}: ${job.errorMessage ?? "no message from Salesforce"}`);
    this.name = "BulkJobFailedError";
  }
}

export function createQueryJob(
  client: SalesforceClient,
  soql: string,
  operation: QueryOperation,
): Promise<Bulk2JobInfo> {
  return client.json<Bulk2JobInfo>("/jobs/query", {
    method: "POST",
    json: { operation, query: soql, contentType: "CSV", columnDelimiter: "COMMA", lineEnding: "LF" },
  });
}

export interface PollSettings {
  timeoutMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const defaultPollSettings = (timeoutMs: number): PollSettings => ({
  timeoutMs,
  // Small jobs finish in a second or two; big ones take minutes. Double from 0.5 s up to 15 s:
  // few calls for big jobs, little waiting for small ones. Tests shorten the first delay.
  firstDelayMs: Number(process.env.SOURCE_SALESFORCE_POLL_BASE_MS ?? 500),
  maxDelayMs: 15_000,
});

/**
 * Polls until JobComplete; Failed/Aborted throw BulkJobFailedError; past the timeout the job is
 * aborted. `onPending` hears of each poll that found the job still running (with its count).
 */
export async function waitForJob(
  client: SalesforceClient,
  jobId: string,
  settings: PollSettings,
  onPending?: (polls: number) => Promise<void>,
): Promise<Bulk2JobInfo> {
  const deadline = Date.now() + settings.timeoutMs;
  let delay = settings.firstDelayMs;
  for (let polls = 1; ; polls++) {
    await pause(delay);
    const job = await client.json<Bulk2JobInfo>(`/jobs/query/${jobId}`);
    if (job.state === "JobComplete") return job;
    if (job.state === "Failed" || job.state === "Aborted") throw new BulkJobFailedError(job);
    if (Date.now() >= deadline) {
      await abortJob(client, jobId).catch(() => undefined);
      throw new ConnectorError(
        `Bulk query job ${jobId} did not finish within job_timeout (${Math.round(settings.timeoutMs / 60000)} min); it was aborted. Raise job_timeout or narrow stream_slice_step.`,
        "transient_error",
      );
    }
    await onPending?.(polls);
    delay = Math.min(settings.maxDelayMs, delay * 2);
  }
}

export async function abortJob(client: SalesforceClient, jobId: string): Promise<void> {
  (await client.request(`/jobs/query/${jobId}`, { method: "PATCH", json: { state: "Aborted" } })).discard();
}

export async function deleteJob(client: SalesforceClient, jobId: string): Promise<void> {
  (await client.request(`/jobs/query/${jobId}`, { method: "DELETE" })).discard();
}

/** Where reading starts and who hears of each page's end (resumable reads, read/bulk-progress.ts). */
export interface ResultsPaging {
  /** Start at the page this locator names (a page an earlier run did not finish); default the first. */
  locator?: string | undefined;
  /** After the last row of a page that has a next one was taken: the next page's locator. */
  onPageEnd?: (nextLocator: string) => Promise<void>;
}

/**
 * Streams every results page of a completed job, following Sforce-Locator until it is "null". Each
 * page is its own CSV with its own header and its row count is checked against
 * Sforce-NumberOfRecords; a page cut off mid-way is asked for again with the same locator.
 *
 * The next page is requested as soon as this page's headers name its locator, so Salesforce's time
 * to first byte overlaps the parsing of this page (its body waits, paused, until it is read).
 */
export async function* readJobResults(
  client: SalesforceClient,
  jobId: string,
  maxRecords: number | undefined,
  paging: ResultsPaging = {},
): AsyncGenerator<RowBatch> {
  const pathFor = (locator: string | undefined): string => {
    const query = new URLSearchParams();
    if (maxRecords !== undefined) query.set("maxRecords", String(maxRecords));
    if (locator !== undefined) query.set("locator", locator);
    return `/jobs/query/${jobId}/results${query.size > 0 ? `?${query}` : ""}`;
  };
  let locator = paging.locator;
  let prefetched: Promise<HttpResponse> | undefined;
  try {
    do {
      let next: string | undefined;
      const firstResponse = prefetched;
      prefetched = undefined;
      yield* readCsvResource(client, pathFor(locator), {
        countHeader: "sforce-numberofrecords",
        firstResponse,
        onHeaders: (response) => {
          const header = response.header("sforce-locator");
          next = header && header !== "null" ? header : undefined;
          if (next !== undefined && prefetched === undefined) prefetched = handled(client.request(pathFor(next), CSV));
        },
      });
      locator = next;
      // The consumer has taken every row of the page by now (a generator runs on only when asked).
      if (locator !== undefined) await paging.onPageEnd?.(locator);
    } while (locator !== undefined);
  } finally {
    // Abandoned (the stream failed): free the prefetched page's connection.
    void prefetched?.then((response) => response.discard()).catch(() => undefined);
  }
}

const CSV = { headers: { Accept: "text/csv" } };

/** A promise that may settle while nobody awaits it yet: its rejection must not count as unhandled. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
