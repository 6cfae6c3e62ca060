// How a Bulk CSV body becomes a stream's records: parsed and converted on the main thread, or handed
// to the parse pool (parse-pool.ts), whose workers write whole record lines. Either way the same
// converters (convert.ts) make the same bytes, and the page checks of salesforce/csv-results.ts see
// the same header, first row and counts.
import type { JsonSchemaObject } from "../../protocol/types.js";
import { decodeRows, type CsvDecoder, type DecodedPart } from "../../salesforce/csv-results.js";
import { UnexpectedAnswerError } from "../../salesforce/api-error.js";
import type { RecordSink } from "../extractor.js";
import type { StreamValueLog } from "../value-log.js";
import { createCsvRecordConverterCache } from "./convert.js";
import { JobError, parsePool } from "./parse-pool.js";
import { letYoungGenerationGrow } from "../../heap-tuning.js";

/** Records as a decoder hands them on: each record's data JSON (to be framed), or whole framed lines. */
export type RecordOutput = { dataJson: string[] } | { lines: Uint8Array; written: () => void };

export function deliverRecords(sink: RecordSink, output: RecordOutput, count: number): Promise<void> {
  return "lines" in output ? sink.framedRecords!(output.lines, count, output.written) : sink.records(output.dataJson);
}

/**
 * The decoder for one stream's Bulk bodies: with `workers` > 1 and a sink that takes framed lines,
 * the parse pool; else this thread.
 */
export function recordDecoder(
  schema: JsonSchemaObject,
  sink: RecordSink,
  values: StreamValueLog,
  workers: number,
): CsvDecoder<RecordOutput> {
  const here = inThreadDecoding(schema, values);
  const inThread: CsvDecoder<RecordOutput> = { decode: (response, skip, path) => here(response.body, skip, path) };
  if (workers <= 1 || sink.recordFrame?.() === undefined || sink.framedRecords === undefined) {
    letYoungGenerationGrow();
    return inThread;
  }
  return workerDecoder(schema, sink, values, workers);
}

type BodyDecoding = (
  body: AsyncIterable<Uint8Array>,
  skip: number,
  path: string,
) => AsyncGenerator<DecodedPart<RecordOutput>>;

/** Parsing and converting on this thread. */
function inThreadDecoding(schema: JsonSchemaObject, values: StreamValueLog): BodyDecoding {
  // One converter per distinct header: warnings about a column come once per stream, not per page.
  const converterFor = createCsvRecordConverterCache(schema, values.warn, values.nul);
  return async function* (body, skip, path) {
    for await (const part of decodeRows(body, skip, path))
      yield { ...part, output: { dataJson: part.output.map(converterFor(part.header)) } };
  };
}

function workerDecoder(
  schema: JsonSchemaObject,
  sink: RecordSink,
  values: StreamValueLog,
  workers: number,
): CsvDecoder<RecordOutput> {
  const pool = parsePool(workers);
  return {
    parallel: true,
    decode(response, skip, path) {
      const job = pool.run({ schema, frame: sink.recordFrame!()!, gzip: response.gzipped, skip, path });
      job.feed(response.wireBody);
      return (async function* parts(): AsyncGenerator<DecodedPart<RecordOutput>> {
        try {
          for (let part = await job.next(); part !== undefined; part = await job.next()) {
            for (const message of part.warnings) values.warn(message);
            for (const [column, removed] of part.nuls) values.nul(column, removed);
            yield {
              header: part.header ?? [],
              ...(part.firstRow ? { firstRow: part.firstRow } : {}),
              rows: part.rows,
              delivered: part.delivered,
              output: { lines: part.lines, written: () => job.written(part.lines) },
            };
          }
        } catch (error) {
          if (error instanceof JobError && error.answer) throw new UnexpectedAnswerError(error.detail, path);
          throw error;
        } finally {
          job.cancel();
        }
      })();
    },
  };
}
