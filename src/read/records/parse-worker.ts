// A parse worker thread (started by parse-pool.ts): turns CSV bodies, gzip or not, streamed to it
// chunk by chunk as they come off the wire, into whole record lines of the stream's schema with the
// same converters the main thread uses (convert.ts), so the output is byte-for-byte what an
// in-thread read writes. Lines go back in parts of about PART_BYTES, transferred, and their buffers
// come back once written, to be filled again; a job runs at most MAX_UNACKED_BYTES ahead of what the
// main thread has written, so a slow stdout holds the worker, and memory stays bounded by the pages
// in flight.
import { parentPort } from "node:worker_threads";
import { PassThrough, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { parseCsvRows } from "../../salesforce/csv-rows.js";
import { UnexpectedAnswerError } from "../../salesforce/api-error.js";
import { createCsvRecordConverter, type CsvRecordConverter } from "./convert.js";
import type { FromWorker, PageJob, PartMessage, ToWorker } from "./parse-messages.js";

const PART_BYTES = 512 << 10;
/**
 * How far a job may run ahead of what the main thread wrote: a slow stdout holds every worker within
 * this much. The next Bulk 2.0 page's lines are written between the current page's
 * (salesforce/bulk2-results.ts), so no job waits for another's output and a few parts keep a worker
 * busy (bench, Bulk 2.0, 2 workers / naive: 8 MB 1.55 at 140 MB peak, 32 MB 1.22-1.36 at 138-141
 * MB; before pages were interleaved, 32 MB 1.33 at 183 MB and 8 MB 0.95 at 160 MB).
 */
const MAX_UNACKED_BYTES = 8 << 20;
/** Decompressed chunks fed to the CSV parser: the size of a socket read, as on the main thread. */
const SLICE_BYTES = 64 * 1024;

interface Running {
  /** The body as the main thread hands it over, chunk by chunk. */
  wire: PassThrough;
  unacked: number;
  cancelled: boolean;
  resume: (() => void) | undefined;
}

const port = parentPort!;
const running = new Map<number, Running>();
/** Part buffers the main thread wrote and handed back, to fill again. */
const spare: ArrayBuffer[] = [];
/** Spares kept: as many as a job's lines may be ahead, so a page's buffers are all used again. */
const SPARE_BYTES = MAX_UNACKED_BYTES + PART_BYTES * 4;
let spareBytes = 0;

/** What a part's buffer holds: a part is sent once it passes PART_BYTES, so most fit with room to spare. */
const PART_CAPACITY = PART_BYTES + (PART_BYTES >> 1);

/** A buffer of at least `bytes` (and of PART_CAPACITY): a spare one when one is big enough. */
function partBuffer(bytes: number): Buffer {
  const at = spare.findIndex((buffer) => buffer.byteLength >= bytes);
  if (at >= 0) {
    const buffer = spare.splice(at, 1)[0]!;
    spareBytes -= buffer.byteLength;
    return Buffer.from(buffer);
  }
  return Buffer.from(new ArrayBuffer(Math.max(bytes, PART_CAPACITY)));
}

port.on("message", (message: ToWorker) => {
  if (message.kind === "page") {
    const job: Running = { wire: new PassThrough(), unacked: 0, cancelled: false, resume: undefined };
    running.set(message.id, job);
    void run(message, job).finally(() => {
      running.delete(message.id);
      job.wire.destroy();
    });
    return;
  }
  if (message.kind === "chunk") {
    const { id, bytes } = message;
    // Taken once the parser has pulled it through (a PassThrough holds about one chunk).
    running.get(id)?.wire.write(bytes, () => port.postMessage({ kind: "taken", id, bytes: bytes.byteLength }));
    return;
  }
  if (message.kind === "body-end") {
    running.get(message.id)?.wire.end();
    return;
  }
  if (
    message.kind === "ack" &&
    message.buffer.byteLength >= PART_CAPACITY &&
    spareBytes + message.buffer.byteLength <= SPARE_BYTES
  ) {
    spare.push(message.buffer);
    spareBytes += message.buffer.byteLength;
  }
  const job = running.get(message.id);
  if (job === undefined) return;
  if (message.kind === "cancel") {
    job.cancelled = true;
    job.wire.destroy();
  } else job.unacked -= message.bytes;
  if (job.resume && (job.cancelled || job.unacked <= MAX_UNACKED_BYTES / 2)) {
    job.resume();
    job.resume = undefined;
  }
});

async function run(page: PageJob, job: Running): Promise<void> {
  const send = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  try {
    // Decompressed as it is parsed, never whole; a cut or corrupt gzip body is a broken answer, as it is
    // on the main thread (csv-rows.ts).
    const body = page.gzip ? pipeline(job.wire, createGunzip({ chunkSize: SLICE_BYTES }), () => {}) : job.wire;
    // Each line is written into the part's buffer as soon as it is made, so a line's strings die
    // young: a part built as one string kept ~1,000 lines' strings alive through every young-generation
    // collection until it was sent, which the collector copied again and again.
    const prefix = Buffer.from(page.frame.prefix);
    const suffix = Buffer.from(`${page.frame.suffix}\n`);
    const warnings: string[] = [];
    const nuls = new Map<string, number>();
    let convert: CsvRecordConverter | undefined;
    let header: string[] | undefined;
    let firstRow: string[] | undefined;
    let seen = 0;
    let part: Buffer | undefined;
    let used = 0;
    let rows = 0;
    let delivered = 0;
    const flush = async (): Promise<void> => {
      // A part of skipped rows only (a resume) has no lines: an empty buffer, not kept as a spare.
      const lines = (part ?? Buffer.alloc(0)).subarray(0, used);
      const message: PartMessage = {
        kind: "part",
        id: page.id,
        rows,
        delivered,
        lines,
        warnings: warnings.splice(0),
        nuls: [...nuls],
      };
      if (header !== undefined && seen === rows) Object.assign(message, { header, firstRow });
      nuls.clear();
      // Counted before the send: a transferred buffer reads as 0 bytes here afterwards.
      job.unacked += lines.byteLength;
      send(message, [lines.buffer as ArrayBuffer]);
      part = undefined;
      used = 0;
      rows = 0;
      delivered = 0;
      if (job.unacked > MAX_UNACKED_BYTES && !job.cancelled) await new Promise<void>((r) => (job.resume = r));
    };
    for await (const batch of parseCsvRows(body, page.path)) {
      if (job.cancelled) return;
      if (convert === undefined) {
        header = batch.header;
        firstRow = batch.rows[0];
        convert = createCsvRecordConverter(
          page.schema,
          batch.header,
          (m) => warnings.push(m),
          (column, n) => nuls.set(column, (nuls.get(column) ?? 0) + n),
        );
      }
      for (const row of batch.rows) {
        if (seen < page.skip) {
          seen++;
          rows++;
          continue;
        }
        const json = convert(row);
        // UTF-8 takes at most 3 bytes per UTF-16 unit: room for the line without measuring it first.
        const room = prefix.byteLength + json.length * 3 + suffix.byteLength;
        if (part !== undefined && used + room > part.byteLength) {
          await flush();
          if (job.cancelled) return;
        }
        part ??= partBuffer(room);
        used += prefix.copy(part, used);
        used += part.write(json, used);
        used += suffix.copy(part, used);
        seen++;
        rows++;
        delivered++;
      }
      if (used >= PART_BYTES) await flush();
      if (job.cancelled) return;
    }
    if (rows > 0) await flush();
    if (!job.cancelled) send({ kind: "end", id: page.id });
  } catch (error) {
    if (job.cancelled) return;
    const answer = error instanceof UnexpectedAnswerError;
    send({
      kind: "error",
      id: page.id,
      answer,
      detail: answer ? error.detail : String((error as Error).stack ?? error),
    });
  }
}
