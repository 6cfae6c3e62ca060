import { parse } from "csv-parse";
import type { SalesforceClient } from "./client.js";
import type { HttpResponse } from "./http.js";
import { pause } from "../shutdown.js";
import { UnexpectedAnswerError } from "./api-error.js";

/** Rows of one CSV result file or page, delivered in batches (one per HTTP chunk) with its header. */
export interface RowBatch {
  header: string[];
  rows: string[][];
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
}

/**
 * Streams one CSV result resource (a Bulk 2.0 page or a Bulk 1.0 result file) and returns how many
 * rows it holds. A body cut off mid-way, or an answer that is not this resource (not CSV, another
 * header, fewer rows than its count header says), is asked for again and the rows already delivered
 * from it are skipped, so nothing is delivered twice; results of a finished job do not change
 * between requests. The checks cost a header lookup per page and a compare per header: no request.
 */
export async function* readCsvResource(
  client: SalesforceClient,
  path: string,
  options: CsvResourceOptions & { sessionHeader?: "bearer" | "x-sfdc-session" } = {},
): AsyncGenerator<RowBatch, number> {
  let delivered = options.skipRows ?? 0;
  const expectedHeader = options.expectedHeader?.map((name) => name.toLowerCase());
  for (let attempt = 1; ; attempt++) {
    const response =
      attempt === 1 && options.firstResponse
        ? await options.firstResponse
        : await client.request(path, { headers: { Accept: "text/csv" }, sessionHeader: options.sessionHeader });
    let seen = 0;
    try {
      checkCsvContentType(response, path);
      options.onHeaders?.(response);
      const expected = options.countHeader === undefined ? undefined : rowCount(response, options.countHeader, path);
      let headerChecked = expectedHeader === undefined;
      for await (const batch of parseCsvBody(response, path)) {
        if (!headerChecked) {
          checkHeader(batch.header, expectedHeader!, path);
          headerChecked = true;
        }
        if (seen === 0) options.onFirstRow?.(batch.header, batch.rows[0]!);
        const fresh = seen >= delivered ? batch.rows : batch.rows.slice(delivered - seen);
        seen += batch.rows.length;
        if (expected !== undefined && seen > expected)
          throw new UnexpectedAnswerError(`more rows than ${options.countHeader} (${expected}) says`, path);
        if (fresh.length === 0) continue;
        yield { header: batch.header, rows: fresh };
        delivered += fresh.length;
      }
      if (expected !== undefined && seen !== expected) {
        // A short body with no socket error (cut at a row boundary): ask again.
        throw new UnexpectedAnswerError(`${seen} rows, ${options.countHeader} said ${expected}`, path);
      }
      return seen;
    } catch (error) {
      response.discard();
      const decision = client.decideAfterBodyFailure(error, attempt);
      if (decision.action !== "retry") throw decision.action === "fail" ? decision.error : error;
      await pause(decision.delayMs);
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

/** Parses one CSV body, yielding the rows each chunk completes. */
async function* parseCsvBody(response: HttpResponse, path: string): AsyncGenerator<RowBatch> {
  const parser = parse({ bom: true, relax_quotes: false });
  let header: string[] | undefined;
  const drain = (): string[][] => {
    const rows: string[][] = [];
    for (let row = parser.read() as string[] | null; row !== null; row = parser.read() as string[] | null) {
      if (header === undefined) header = row;
      else rows.push(row);
    }
    return rows;
  };
  let parseError: Error | undefined;
  parser.once("error", (error) => (parseError = error));
  for await (const chunk of response.body) {
    parser.write(chunk);
    if (parseError) throw notCsv(parseError, path);
    const rows = drain();
    if (rows.length > 0) yield { header: header!, rows };
  }
  parser.end();
  // Whatever the parser still holds (the last row, chunks it had not reached) comes out before 'end'.
  const rest: string[][] = drain();
  try {
    for await (const row of parser as AsyncIterable<string[]>) {
      if (header === undefined) header = row;
      else rest.push(row);
    }
  } catch (error) {
    throw notCsv(error, path);
  }
  if (rest.length > 0) yield { header: header!, rows: rest };
}

/** The parser's code only: its message quotes the offending value, which may be personal data. */
function notCsv(error: unknown, path: string): UnexpectedAnswerError {
  const code = (error as { code?: unknown }).code;
  return new UnexpectedAnswerError(`not valid CSV (${typeof code === "string" ? code : "parse error"})`, path);
}
