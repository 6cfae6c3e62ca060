import type { SalesforceClient } from "./client.js";
import type { HttpResponse } from "./http.js";
import { pause } from "../shutdown.js";
import { UnexpectedAnswerError } from "./api-error.js";
import { parseCsvRows } from "./csv-rows.js";
import { ConnectorError } from "../errors.js";

const DECODE_ATTEMPTS = 6;

/** Part of one CSV body as a decoder hands it on. */
export interface DecodedPart<T> {
  header: readonly string[];
  /** The body's first row, on the part that holds it (delivered or skipped): the page checks see it. */
  firstRow?: readonly string[];
  /** Rows of the body this part covers, skipped ones included. */
  rows: number;
  /** Rows in `output`: the part's rows less those skipped. */
  delivered: number;
  output: T;
}

/**
 * Turns a CSV body into what the caller delivers: rows parsed here (decodeRows), or records parsed
 * and serialised elsewhere (a parse worker, read/records/parse-pool.ts). The body's first `skip`
 * rows are not delivered: an earlier attempt or run delivered them. A body that is not CSV is an
 * UnexpectedAnswerError, a decode that stopped for a reason of its own a DecodeInterruptedError;
 * both are asked for again.
 */
export interface CsvDecoder<T> {
  decode(response: HttpResponse, skip: number, path: string): AsyncIterable<DecodedPart<T>>;
  /**
   * It parses on other threads (parse workers): two bodies decoded at once use two cores, so a
   * reader may read the next page beside the current one (bulk2-results.ts).
   */
  parallel?: boolean;
}

/** A decode stopped for a reason of the decoder's own (a parse worker exited): the body is asked for again. */
export class DecodeInterruptedError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "DecodeInterruptedError";
  }
}

/** The rows of a (decompressed) CSV body, less its first `skip`. */
export async function* decodeRows(
  body: AsyncIterable<Uint8Array>,
  skip: number,
  path: string,
): AsyncGenerator<DecodedPart<string[][]>> {
  let seen = 0;
  for await (const batch of parseCsvRows(body, path)) {
    const firstRow = seen === 0 ? batch.rows[0] : undefined;
    const fresh = seen >= skip ? batch.rows : batch.rows.slice(Math.min(skip - seen, batch.rows.length));
    seen += batch.rows.length;
    yield {
      header: batch.header,
      ...(firstRow ? { firstRow } : {}),
      rows: batch.rows.length,
      delivered: fresh.length,
      output: fresh,
    };
  }
}

/** Decoded output of one CSV resource, with the number of rows (records) it holds. */
export interface ResourcePart<T> {
  output: T;
  count: number;
}

export interface CsvResourceOptions {
  /**
   * Response header holding the page's row count (Bulk 2.0's Sforce-NumberOfRecords): required, and
   * the body must hold exactly that many rows.
   */
  countHeader?: string;
  /**
   * The header row the job's query implies (its selected fields, compared case-insensitively, as
   * SOQL names are); a resource with rows under another header is not this query's answer.
   */
  expectedHeader?: readonly string[];
  /** A request for this resource already sent (a prefetch); used for the first attempt. */
  firstResponse?: Promise<HttpResponse>;
  /**
   * Sees each response as soon as its headers arrive, before the body is read. It may throw an
   * UnexpectedAnswerError (a paging header missing): the resource is then asked for again.
   */
  onHeaders?: (response: HttpResponse) => void;
  /** Sees the header and first row of each answer before any of its rows is delivered; may throw as onHeaders. */
  onFirstRow?: (header: readonly string[], row: readonly string[]) => void;
  /** Rows of this resource an earlier read already delivered: skipped, so none is delivered twice. */
  skipRows?: number;
  /** Aborted: the resource is no longer wanted; its body is dropped and nothing more is delivered or asked for. */
  signal?: AbortSignal;
}

/**
 * Streams one CSV result resource (a Bulk 2.0 page or a Bulk 1.0 result file) through `decoder` and
 * returns how many rows it holds. A body cut off mid-way, or an answer that is not this resource (not CSV, another
 * header, fewer rows than its count header says), is asked for again and the rows already delivered
 * from it are skipped, so nothing is delivered twice; results of a finished job do not change
 * between requests. The checks cost a header lookup per page and a compare per header: no request.
 */
export async function* readCsvResource<T>(
  client: SalesforceClient,
  path: string,
  decoder: CsvDecoder<T>,
  options: CsvResourceOptions & { sessionHeader?: "bearer" | "x-sfdc-session" } = {},
): AsyncGenerator<ResourcePart<T>, number> {
  let delivered = options.skipRows ?? 0;
  const expectedHeader = options.expectedHeader?.map((name) => name.toLowerCase());
  const signal = options.signal;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const response =
      attempt === 1 && options.firstResponse
        ? await options.firstResponse
        : await client.request(path, { headers: { Accept: "text/csv" }, sessionHeader: options.sessionHeader });
    // Destroying the body stops its decode, wherever it runs, with an error.
    const drop = (): void => void response.wireBody.destroy();
    signal?.addEventListener("abort", drop, { once: true });
    let seen = 0;
    try {
      signal?.throwIfAborted();
      checkCsvContentType(response, path);
      options.onHeaders?.(response);
      const expected = options.countHeader === undefined ? undefined : rowCount(response, options.countHeader, path);
      let headerChecked = expectedHeader === undefined;
      for await (const part of decoder.decode(response, delivered, path)) {
        if (!headerChecked) {
          checkHeader(part.header, expectedHeader!, path);
          headerChecked = true;
        }
        if (part.firstRow !== undefined) options.onFirstRow?.(part.header, part.firstRow);
        seen += part.rows;
        if (expected !== undefined && seen > expected)
          throw new UnexpectedAnswerError(`more rows than ${options.countHeader} (${expected}) says`, path);
        if (part.delivered === 0) continue;
        yield { output: part.output, count: part.delivered };
        delivered += part.delivered;
      }
      if (expected !== undefined && seen !== expected) {
        // A short body with no socket error (cut at a row boundary): ask again.
        throw new UnexpectedAnswerError(`${seen} rows, ${options.countHeader} said ${expected}`, path);
      }
      return seen;
    } catch (error) {
      response.discard();
      if (signal?.aborted) throw error;
      if (error instanceof DecodeInterruptedError) {
        // Not Salesforce's doing: asked again at once, a few times, then the stream fails saying why.
        if (attempt < DECODE_ATTEMPTS) continue;
        throw new ConnectorError(
          `Decoding ${path} stopped ${attempt} times (${error.message}). Run the sync again; if it recurs, set parse_workers to 1 to parse on the main thread.`,
          "system_error",
        );
      }
      const decision = client.decideAfterBodyFailure(error, attempt);
      if (decision.action !== "retry") throw decision.action === "fail" ? decision.error : error;
      await pause(decision.delayMs);
    } finally {
      signal?.removeEventListener("abort", drop);
    }
  }
}

/**
 * Bulk 2.0 and Bulk 1.0 send results as text/csv (both guides: "Formats: CSV"). An answer that says
 * it is something else (an HTML page) is refused; one that says nothing is left to the other checks.
 */
function checkCsvContentType(response: HttpResponse, path: string): void {
  const type = response.header("content-type");
  if (type !== undefined && !/^\s*text\/csv\s*(;|$)/i.test(type))
    throw new UnexpectedAnswerError(`Content-Type ${JSON.stringify(type.slice(0, 80))}, not text/csv`, path);
}

function rowCount(response: HttpResponse, name: string, path: string): number {
  const text = response.header(name);
  const count = text === undefined || !/^\d+$/.test(text.trim()) ? NaN : Number(text);
  if (!Number.isSafeInteger(count))
    throw new UnexpectedAnswerError(text === undefined ? `no ${name} header` : `${name} is not a count`, path);
  return count;
}

function checkHeader(header: readonly string[], expected: readonly string[], path: string): void {
  const first = header[0]?.startsWith("\uFEFF") ? [header[0].slice(1), ...header.slice(1)] : header;
  const same = first.length === expected.length && first.every((name, i) => name.toLowerCase() === expected[i]);
  if (!same) {
    // Column names only (never values): the first few, cut short.
    const shown = first
      .slice(0, 5)
      .map((name) => name.slice(0, 40))
      .join(",");
    throw new UnexpectedAnswerError(`its header row (${shown}) is not the query's fields`, path);
  }
}
