// How a Bulk CSV body becomes a stream's records: parsed and converted on the main thread, or handed
// to the parse pool (parse-pool.ts), whose workers write whole record lines. Either way the same
// converters (convert.ts) make the same bytes, and the page checks of salesforce/csv-results.ts see
// the same header, first row and counts.
import { PassThrough, pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { JsonSchemaObject } from "../../protocol/types.js";
import type { HttpResponse } from "../../salesforce/http.js";
import { DecodeInterruptedError, decodeRows, type CsvDecoder, type DecodedPart } from "../../salesforce/csv-results.js";
import { UnexpectedAnswerError } from "../../salesforce/api-error.js";
import type { RecordSink } from "../extractor.js";
import type { StreamValueLog } from "../value-log.js";
import { createCsvRecordConverterCache } from "./convert.js";
import { JobError, parsePool, type JobOutput } from "./parse-pool.js";

/** Records as a decoder hands them on: each record's data JSON (to be framed), or whole framed lines. */
export type RecordOutput = { dataJson: string[] } | { lines: Uint8Array; written: () => void };

export function deliverRecords(sink: RecordSink, output: RecordOutput, count: number): Promise<void> {
  return "lines" in output ? sink.framedRecords!(output.lines, count, output.written) : sink.records(output.dataJson);
}

/**
 * A body larger than this on the wire is not gathered for a worker: it is parsed here as it streams
 * (a Bulk 1.0 result file can be 1 GB; a Bulk 2.0 page of max_records 50,000 is a few MB).
 */
const MAX_WORKER_BODY_BYTES = 32 << 20;

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
  if (workers <= 1 || sink.recordFrame?.() === undefined || sink.framedRecords === undefined) return inThread;
  return workerDecoder(schema, sink, values, workers, here);
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

/** A body on its way to a worker: gathered off the wire, then handed over. */
interface Handover {
  parts: AsyncIterable<DecodedPart<RecordOutput>>;
  cancel(): void;
}

function workerDecoder(
  schema: JsonSchemaObject,
  sink: RecordSink,
  values: StreamValueLog,
  workers: number,
  here: BodyDecoding,
): CsvDecoder<RecordOutput> {
  const pool = parsePool(workers);
  const early = new WeakMap<HttpResponse, Handover>();

  const handOver = (response: HttpResponse, skip: number, path: string): Handover => {
    let cancelled = false;
    let job: JobOutput | undefined;
    // Started now, not when first read: a page fetched ahead is parsed while the current one is written.
    const gathered = gather(response.wireBody).then((body) => {
      if (body.rest === undefined && !cancelled) {
        const frame = sink.recordFrame!()!;
        job = pool.run({ schema, frame, body: body.bytes, gzip: response.gzipped, skip, path });
      }
      return body;
    });
    gathered.catch(() => undefined);
    async function* parts(): AsyncGenerator<DecodedPart<RecordOutput>> {
      const body = await gathered;
      if (body.rest !== undefined) {
        yield* here(continued(response.gzipped, body.chunks, body.rest), skip, path);
        return;
      }
      if (job === undefined) throw new DecodeInterruptedError("the page's decoding was cancelled");
      try {
        for (let part = await job!.next(); part !== undefined; part = await job!.next()) {
          for (const message of part.warnings) values.warn(message);
          for (const [column, removed] of part.nuls) values.nul(column, removed);
          yield {
            header: part.header ?? [],
            ...(part.firstRow ? { firstRow: part.firstRow } : {}),
            rows: part.rows,
            delivered: part.delivered,
            output: { lines: part.lines, written: () => job!.written(part.lines) },
          };
        }
      } catch (error) {
        if (error instanceof JobError && error.answer) throw new UnexpectedAnswerError(error.detail, path);
        throw error;
      } finally {
        job!.cancel();
      }
    }
    return {
      parts: parts(),
      cancel: () => {
        cancelled = true;
        job?.cancel();
      },
    };
  };

  return {
    decode(response, skip, path) {
      const started = early.get(response);
      early.delete(response);
      if (started !== undefined && skip === 0) return started.parts;
      started?.cancel();
      return handOver(response, skip, path).parts;
    },
    start(response, path) {
      early.set(response, handOver(response, 0, path));
    },
    cancel(response) {
      early.get(response)?.cancel();
      early.delete(response);
    },
  };
}

interface Gathered {
  chunks: Buffer[];
  /** The whole body in one buffer of its own (so it can be transferred), when it fit. */
  bytes: Uint8Array;
  /** Set when the body was too large to gather: the rest of it, still on the wire. */
  rest?: AsyncIterator<Buffer>;
}

async function gather(wire: Readable): Promise<Gathered> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = wire[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.byteLength;
    if (size > MAX_WORKER_BODY_BYTES) return { chunks, bytes: new Uint8Array(0), rest: iterator };
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { chunks: [], bytes };
}

/** The body again: the chunks already read and then the rest of the wire, decompressed. */
function continued(gzipped: boolean, chunks: Buffer[], rest: AsyncIterator<Buffer>): Readable {
  const wire = new PassThrough();
  void (async () => {
    try {
      for (const chunk of chunks) if (!wire.write(chunk)) await new Promise((r) => wire.once("drain", r));
      for (let next = await rest.next(); !next.done; next = await rest.next())
        if (!wire.write(next.value)) await new Promise((r) => wire.once("drain", r));
      wire.end();
    } catch (error) {
      wire.destroy(error as Error);
    }
  })();
  return gzipped ? pipeline(wire, createGunzip(), () => {}) : wire;
}
