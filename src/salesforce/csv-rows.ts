// Parsing one CSV body (a Bulk 2.0 page or a Bulk 1.0 result file) into rows. Its own module so a
// parse worker (read/records/parse-worker.ts) can load it without the HTTP client behind it.
import { parse } from "csv-parse";
import { UnexpectedAnswerError } from "./api-error.js";

/** Rows of one CSV body, delivered in batches (one per chunk read) with the body's header row. */
export interface RowBatch {
  header: string[];
  rows: string[][];
}

/**
 * Parses one CSV body from its (decompressed) chunks, yielding the rows each chunk completes. A body
 * that is not CSV, or whose gzip stream is broken, is an UnexpectedAnswerError (asked for again); a
 * socket error while reading passes through as it is.
 */
export async function* parseCsvRows(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  path: string,
): AsyncGenerator<RowBatch> {
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
  try {
    for await (const chunk of chunks) {
      parser.write(chunk);
      if (parseError) throw notCsv(parseError, path);
      const rows = drain();
      if (rows.length > 0) yield { header: header!, rows };
    }
  } catch (error) {
    throw notGzip(error, path) ?? error;
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
  if (error instanceof UnexpectedAnswerError) return error;
  const code = (error as { code?: unknown }).code;
  return new UnexpectedAnswerError(`not valid CSV (${typeof code === "string" ? code : "parse error"})`, path);
}

/** zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR: a gzip stream cut short or corrupt) say the answer is broken. */
function notGzip(error: unknown, path: string): UnexpectedAnswerError | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("Z_")) return undefined;
  return new UnexpectedAnswerError(`not a valid gzip body (${code})`, path);
}
