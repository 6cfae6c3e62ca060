// Bulk API 2.0 query jobs. jsforce's bulk2.query() result stream is not used: it sends no
// maxRecords, feeds every page into one parser (page 2's header becomes a record), buffers whole
// pages and crashes on small pages (jsforce issues 1546, 1693). Results are paged here by
// locator + maxRecords, each page streamed through its own CSV parser.
import type { SalesforceClient } from "./client.js";
import type { HttpResponse } from "./http.js";
import { readCsvResource, type CsvDecoder, type ResourcePart } from "./csv-results.js";
import { ConnectorError } from "../errors.js";
import { UnexpectedAnswerError } from "./api-error.js";
import { isObject } from "../util/is-object.js";
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

export async function createQueryJob(
  client: SalesforceClient,
  soql: string,
  operation: QueryOperation,
): Promise<Bulk2JobInfo> {
  const job = await client.json<unknown>("/jobs/query", {
    method: "POST",
    json: { operation, query: soql, contentType: "CSV", columnDelimiter: "COMMA", lineEnding: "LF" },
  });
  // Without the job's id nothing can follow (not repeated: the job may exist).
  if (!isObject(job) || typeof job.id !== "string" || job.id === "")
    throw new UnexpectedAnswerError(
      "the answer to creating a query job names no job id",
      client.dataPath("/jobs/query"),
    );
  return job as unknown as Bulk2JobInfo;
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

/** What the completed job told us its results are: every page is checked against it. */
export interface JobResultsExpectation {
  /** The header row the job's query implies (its selected fields). */
  header: readonly string[];
  /** The job's numberRecordsProcessed: the pages must add up to it. */
  total: number | undefined;
}

/** Where reading starts and who hears of each page's end (resumable reads, read/bulk-progress.ts). */
export interface ResultsPaging {
  /** Start at the page this locator names (a page an earlier run did not finish); default the first. */
  locator?: string | undefined;
  /** Rows of the first page read (the one `locator` names) an earlier run already delivered. */
  skipRows?: number;
  /** After the last row of a page that has a next one was taken: the next page's locator. */
  onPageEnd?: (nextLocator: string) => Promise<void>;
}

/**
 * Streams every results page of a completed job, following Sforce-Locator until it is "null". Each
 * page is its own CSV with its own header; a page cut off mid-way is asked for again with the same
 * locator. Salesforce documents both paging headers on every page ("Sforce-NumberOfRecords: the
 * number of records in this set"; "Sforce-Locator: ... If there are no more results, this header is
 * null", Bulk API 2.0 guide, Get Results for a Query Job), so a page without them, with fewer rows,
 * or whose locator was seen before, is asked for again and then fails the stream. Paging is bounded
 * by the job's row count: a page before the last has at least one row, and the pages may not pass
 * numberRecordsProcessed.
 *
 * The next page is requested as soon as this page's headers name its locator, so Salesforce's time
 * to first byte overlaps the parsing of this page; a decoder that can (a parse worker) starts
 * decoding it at once, else its body waits, paused, until it is read.
 */
export async function* readJobResults<T>(
  client: SalesforceClient,
  jobId: string,
  maxRecords: number | undefined,
  expectation: JobResultsExpectation,
  decoder: CsvDecoder<T>,
  paging: ResultsPaging = {},
): AsyncGenerator<ResourcePart<T>> {
  const pathFor = (locator: string | undefined): string => {
    const query = new URLSearchParams();
    if (maxRecords !== undefined) query.set("maxRecords", String(maxRecords));
    if (locator !== undefined) query.set("locator", locator);
    return `/jobs/query/${jobId}/results${query.size > 0 ? `?${query}` : ""}`;
  };
  const seenLocators = new Set<string>();
  // A locator can point back at the first page, which has none to compare: the first Id of each page
  // tells a page read before (one string a page).
  const firstIds = new Set<string>();
  let pageFirstId: string | undefined;
  let locator = paging.locator;
  // The next page's request, sent early, with the locator it asks for: an answer read again may name
  // another locator than the first try did (the first was not Salesforce's), and then it is not used.
  let prefetched: Promise<HttpResponse> | undefined;
  let prefetchedFor: string | undefined;
  const dropPrefetch = (): void => {
    void prefetched
      ?.then((response) => {
        decoder.cancel?.(response);
        response.discard();
      })
      .catch(() => undefined);
    prefetched = undefined;
  };
  let skipRows = paging.skipRows ?? 0;
  let total = 0;
  try {
    do {
      let next: string | undefined;
      const path = pathFor(locator);
      const firstResponse = prefetchedFor === locator ? prefetched : undefined;
      if (firstResponse === undefined) dropPrefetch();
      prefetched = undefined;
      const rows: number = yield* readCsvResource(client, path, decoder, {
        skipRows,
        countHeader: "Sforce-NumberOfRecords",
        expectedHeader: expectation.header,
        firstResponse,
        onFirstRow: (header, row) => {
          const idColumn = header.findIndex((name) => name.toLowerCase() === "id");
          pageFirstId = idColumn < 0 ? undefined : row[idColumn];
          if (pageFirstId !== undefined && firstIds.has(pageFirstId))
            throw new UnexpectedAnswerError("it repeats a page already read", client.dataPath(path));
        },
        onHeaders: (response) => {
          next = nextLocator(response, locator, seenLocators, client.dataPath(path));
          if (prefetched !== undefined && prefetchedFor !== next) dropPrefetch();
          if (next !== undefined && prefetched === undefined) {
            const nextPath = pathFor(next);
            prefetched = handled(
              client.request(nextPath, CSV).then((response) => {
                // Not a CSV answer: left for readCsvResource to refuse, not decoded ahead.
                if (decoder.start && /^\s*text\/csv/i.test(response.header("content-type") ?? "text/csv"))
                  decoder.start(response, nextPath);
                return response;
              }),
            );
            prefetchedFor = next;
          }
        },
      });
      skipRows = 0;
      total += rows;
      if (expectation.total !== undefined && total > expectation.total)
        throw resultsMismatch(jobId, `more than the ${expectation.total} rows the job reported`);
      if (next !== undefined && rows === 0) throw resultsMismatch(jobId, "a page with no rows that is not the last");
      if (locator !== undefined) seenLocators.add(locator);
      if (pageFirstId !== undefined) firstIds.add(pageFirstId);
      pageFirstId = undefined;
      locator = next;
      // The consumer has taken every row of the page by now (a generator runs on only when asked).
      if (locator !== undefined) await paging.onPageEnd?.(locator);
    } while (locator !== undefined);
    // A read resumed at a later page (paging.locator) has not seen the rows before it: only a read
    // from the first page can be held to the job's whole count.
    if (expectation.total !== undefined && paging.locator === undefined && total !== expectation.total)
      throw resultsMismatch(jobId, `${total} rows; the job reported numberRecordsProcessed ${expectation.total}`);
  } finally {
    // Abandoned (the stream failed): free the prefetched page's connection.
    dropPrefetch();
  }
}

/** The page's Sforce-Locator: required, "null" on the last page, never one already read (or this page's own). */
function nextLocator(
  response: HttpResponse,
  current: string | undefined,
  seen: ReadonlySet<string>,
  path: string,
): string | undefined {
  const header = response.header("sforce-locator");
  if (header === undefined || header.trim() === "") throw new UnexpectedAnswerError("no Sforce-Locator header", path);
  if (header === "null") return undefined;
  if (header === current || seen.has(header))
    throw new UnexpectedAnswerError("its Sforce-Locator points back at a page already read", path);
  return header;
}

/** The pages, each as its headers said, do not add up to the job: which rows are missing is unknown. */
function resultsMismatch(jobId: string, detail: string): ConnectorError {
  return new ConnectorError(
    `The results of Bulk job ${jobId} do not add up: ${detail}. No state was saved past the records before this job; run the sync again.`,
    "transient_error",
  );
}

const CSV = { headers: { Accept: "text/csv" } };

/** A promise that may settle while nobody awaits it yet: its rejection must not count as unhandled. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
