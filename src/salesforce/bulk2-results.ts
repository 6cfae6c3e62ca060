// The results of a completed Bulk API 2.0 query job, page by page by Sforce-Locator: each page its
// own CSV (readCsvResource), checked against the job, and with a decoder that parses on other
// threads the next page read beside the current one.
import type { SalesforceClient } from "./client.js";
import type { HttpResponse } from "./http.js";
import { readCsvResource, type CsvDecoder, type ResourcePart } from "./csv-results.js";
import { ConnectorError } from "../errors.js";
import { UnexpectedAnswerError } from "./api-error.js";

/** What the completed job told us its results are: every page is checked against it. */
export interface JobResultsExpectation {
  /** The header row the job's query implies (its selected fields). */
  header: readonly string[];
  /** The job's numberRecordsProcessed: the pages must add up to it. */
  total: number | undefined;
}

/**
 * How far a read of a job's results got: the page being read (its locator; absent: the first) and
 * its rows handed on, and the page after it when some of its rows were handed on already (it is read
 * beside the current one). Pages of a finished job do not change between reads, so a later run
 * continues here and skips exactly those rows.
 */
export interface ResultsPosition {
  locator?: string;
  rows: number;
  ahead?: { locator: string; rows: number };
}

/** Where reading starts and who hears of each page's end (resumable reads, read/bulk-progress.ts). */
export interface ResultsPaging {
  /** Where an earlier run stopped; default the first page. */
  from?: ResultsPosition | undefined;
  /** After the last row of a page that has a next one was taken: the position now. */
  onPageEnd?: (position: ResultsPosition) => Promise<void>;
}

/** Part of a page, and the position once the consumer has handed it on. */
export interface ResultsPart<T> extends ResourcePart<T> {
  position: ResultsPosition;
}

/** One page being read: its parts as they come, and what its answers said. */
interface PageRead<T> {
  locator: string | undefined;
  parts: AsyncGenerator<ResourcePart<T>, number>;
  /** Rows handed on (by this run, or an earlier one and skipped). */
  delivered: number;
  /** The next page's locator, from this page's headers (the last answer's: one read again may differ). */
  next?: string | undefined;
  firstId?: string | undefined;
  /** Rows in the page, once it was read to its end. */
  rows?: number;
  pending?: Promise<{ page: PageRead<T>; step: IteratorResult<ResourcePart<T>, number> }>;
  abort: AbortController;
}

/**
 * Streams every results page of a completed job, following Sforce-Locator until it is "null". A
 * page cut off mid-way is asked for again with the same locator. Salesforce documents both paging
 * headers on every page ("Sforce-NumberOfRecords: the number of records in this set";
 * "Sforce-Locator: ... If there are no more results, this header is null", Bulk API 2.0 guide, Get
 * Results for a Query Job), so a page without them, with fewer rows, or whose locator was seen
 * before, is asked for again and then fails the stream. Paging is bounded by the job's row count: a
 * page before the last has at least one row, and the pages may not pass numberRecordsProcessed.
 *
 * The next page is requested as soon as this page's headers name its locator, so Salesforce's time
 * to first byte overlaps the parsing of this page. With a decoder that parses on other threads
 * (`decoder.parallel`), the next page's rows are handed on as they are parsed, between this page's
 * (each page's rows in order): both pages keep a core busy, and neither waits for the other's
 * output, so no page's lines pile up. Else its body waits, paused, until this page is read.
 */
export async function* readJobResults<T>(
  client: SalesforceClient,
  jobId: string,
  maxRecords: number | undefined,
  expectation: JobResultsExpectation,
  decoder: CsvDecoder<T>,
  paging: ResultsPaging = {},
): AsyncGenerator<ResultsPart<T>> {
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
  const from = paging.from;
  /** Rows of a page an earlier run handed on. */
  const skipFor = (locator: string | undefined): number =>
    locator === from?.locator ? (from?.rows ?? 0) : locator === from?.ahead?.locator ? from!.ahead!.rows : 0;

  // The next page asked for early and not yet read (decoders that parse here only).
  let prefetched: { locator: string; response: Promise<HttpResponse> } | undefined;
  let current: PageRead<T>;
  let ahead: PageRead<T> | undefined;

  const open = (locator: string | undefined, firstResponse?: Promise<HttpResponse>): PageRead<T> => {
    const path = pathFor(locator);
    const abort = new AbortController();
    const page: PageRead<T> = { locator, delivered: skipFor(locator), abort } as PageRead<T>;
    page.parts = readCsvResource(client, path, decoder, {
      skipRows: page.delivered,
      countHeader: "Sforce-NumberOfRecords",
      expectedHeader: expectation.header,
      firstResponse,
      signal: abort.signal,
      onFirstRow: (header, row) => {
        const idColumn = header.findIndex((name) => name.toLowerCase() === "id");
        page.firstId = idColumn < 0 ? undefined : row[idColumn];
        const other = page === current ? ahead : current;
        if (page.firstId !== undefined && (firstIds.has(page.firstId) || other?.firstId === page.firstId))
          throw new UnexpectedAnswerError("it repeats a page already read", client.dataPath(path));
      },
      onHeaders: (response) => {
        // The page before it is not among the pages read yet while it is read beside this one.
        const before = page === ahead ? current.locator : undefined;
        page.next = nextLocator(response, locator, seenLocators, before, client.dataPath(path));
        if (page === current) lookAhead(page.next);
      },
    });
    return page;
  };

  /** Stops reading a page: its request or body is dropped, and it delivers nothing more. */
  const abandon = (page: PageRead<T> | undefined): void => {
    if (page === undefined) return;
    page.abort.abort();
    void page.parts.return(0).catch(() => undefined);
  };
  const dropPrefetch = (): void => {
    void prefetched?.response.then((response) => response.discard()).catch(() => undefined);
    prefetched = undefined;
  };

  /** The page after the current one, named by its headers: asked for now. */
  const lookAhead = (next: string | undefined): void => {
    if (ahead !== undefined && ahead.locator !== next) {
      // The current page, asked for again, names another next page than its first answer did.
      if (ahead.delivered > skipFor(ahead.locator))
        throw resultsMismatch(jobId, `page ${current.locator ?? "1"} named two different next pages`);
      abandon(ahead);
      ahead = undefined;
    }
    if (prefetched !== undefined && prefetched.locator !== next) dropPrefetch();
    if (next === undefined || ahead !== undefined || prefetched !== undefined) return;
    const response = handled(client.request(pathFor(next), CSV));
    if (decoder.parallel) ahead = open(next, response);
    else prefetched = { locator: next, response };
  };

  const position = (): ResultsPosition => {
    const at: ResultsPosition = { rows: current.delivered };
    if (current.locator !== undefined) at.locator = current.locator;
    if (ahead !== undefined && ahead.delivered > 0) at.ahead = { locator: ahead.locator!, rows: ahead.delivered };
    return at;
  };

  let total = 0;
  current = open(from?.locator);
  try {
    for (;;) {
      if (current.rows !== undefined) {
        const { rows, next } = current;
        total += rows;
        if (expectation.total !== undefined && total > expectation.total)
          throw resultsMismatch(jobId, `more than the ${expectation.total} rows the job reported`);
        if (next !== undefined && rows === 0) throw resultsMismatch(jobId, "a page with no rows that is not the last");
        if (current.locator !== undefined) seenLocators.add(current.locator);
        if (current.firstId !== undefined) firstIds.add(current.firstId);
        if (next === undefined) break;
        const response = prefetched?.locator === next ? prefetched.response : undefined;
        prefetched = undefined;
        current = ahead ?? open(next, response);
        ahead = undefined;
        // The consumer has taken every row of the page by now (a generator runs on only when asked). A
        // page read whole beside the one before it ends at once: one page end, after it.
        if (current.rows === undefined) await paging.onPageEnd?.(position());
        // Read ahead of time, its headers named its next page already.
        if (current.next !== undefined) lookAhead(current.next);
        continue;
      }
      const reading = ahead !== undefined && ahead.rows === undefined ? [current, ahead] : [current];
      for (const page of reading) page.pending ??= handled(page.parts.next().then((step) => ({ page, step })));
      const { page, step } = await Promise.race(reading.map((p) => p.pending!));
      page.pending = undefined;
      if (step.done) {
        page.rows = step.value;
        continue;
      }
      page.delivered += step.value.count;
      yield { ...step.value, position: position() };
    }
    // A read resumed at a later page has not seen the rows before it: only a read from the first page
    // can be held to the job's whole count.
    if (expectation.total !== undefined && from?.locator === undefined && total !== expectation.total)
      throw resultsMismatch(jobId, `${total} rows; the job reported numberRecordsProcessed ${expectation.total}`);
  } finally {
    // Done, or abandoned (the stream failed): free the connections of pages still open.
    if (current.rows === undefined) abandon(current);
    abandon(ahead);
    dropPrefetch();
  }
}

/**
 * The page's Sforce-Locator: required, "null" on the last page, never one already read, this page's
 * own, or the page before it (`before`, while that is still being read).
 */
function nextLocator(
  response: HttpResponse,
  current: string | undefined,
  seen: ReadonlySet<string>,
  before: string | undefined,
  path: string,
): string | undefined {
  const header = response.header("sforce-locator");
  if (header === undefined || header.trim() === "") throw new UnexpectedAnswerError("no Sforce-Locator header", path);
  if (header === "null") return undefined;
  if (header === current || header === before || seen.has(header))
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
