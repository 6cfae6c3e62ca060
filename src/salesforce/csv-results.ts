import { parse } from "csv-parse";
import type { SalesforceClient } from "./client.js";
import type { HttpResponse } from "./http.js";
import { pause } from "../shutdown.js";

/** Rows of one CSV result file or page, delivered in batches (one per HTTP chunk) with its header. */
export interface RowBatch {
  header: string[];
  rows: string[][];
}

export interface CsvResourceOptions {
  /** Response header holding the row count to check the body against (Bulk 2.0's Sforce-NumberOfRecords). */
  countHeader?: string;
  /** A request for this resource already sent (a prefetch); used for the first attempt. */
  firstResponse?: Promise<HttpResponse>;
  /** Sees each response as soon as its headers arrive, before the body is read. */
  onHeaders?: (response: HttpResponse) => void;
}

/**
 * Streams one CSV result resource (a Bulk 2.0 page or a Bulk 1.0 result file). A body cut off
 * mid-way is asked for again and the rows already delivered from it are skipped, so nothing is
 * delivered twice; results of a finished job do not change between requests.
 */
export async function* readCsvResource(
  client: SalesforceClient,
  path: string,
  options: CsvResourceOptions & { sessionHeader?: "bearer" | "x-sfdc-session" } = {},
): AsyncGenerator<RowBatch> {
  let delivered = 0;
  for (let attempt = 1; ; attempt++) {
    const response =
      attempt === 1 && options.firstResponse
        ? await options.firstResponse
        : await client.request(path, { headers: { Accept: "text/csv" }, sessionHeader: options.sessionHeader });
    options.onHeaders?.(response);
    const expected = options.countHeader ? Number(response.header(options.countHeader) ?? NaN) : NaN;
    let seen = 0;
    try {
      for await (const batch of parseCsvBody(response)) {
        const fresh = seen >= delivered ? batch.rows : batch.rows.slice(delivered - seen);
        seen += batch.rows.length;
        if (fresh.length === 0) continue;
        yield { header: batch.header, rows: fresh };
        delivered += fresh.length;
      }
      if (!Number.isNaN(expected) && seen !== expected) {
        // A short body with no socket error: treat it like a cut connection and ask again.
        throw Object.assign(new Error(`result had ${seen} rows, ${options.countHeader} said ${expected}`), {
          code: "ECONNRESET",
        });
      }
      return;
    } catch (error) {
      const decision = client.decideAfterBodyFailure(error, attempt);
      if (decision.action !== "retry") throw decision.action === "fail" ? decision.error : error;
      await pause(decision.delayMs);
    }
  }
}

/** Parses one CSV body, yielding the rows each chunk completes. */
async function* parseCsvBody(response: HttpResponse): AsyncGenerator<RowBatch> {
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
    if (parseError) throw parseError;
    const rows = drain();
    if (rows.length > 0) yield { header: header!, rows };
  }
  parser.end();
  // Whatever the parser still holds (the last row, chunks it had not reached) comes out before 'end'.
  const rest: string[][] = drain();
  for await (const row of parser as AsyncIterable<string[]>) {
    if (header === undefined) header = row;
    else rest.push(row);
  }
  if (rest.length > 0) yield { header: header!, rows: rest };
}
