// The parse pool: worker threads (parse-worker.ts) that turn Bulk CSV bodies into record lines, so
// gunzip, csv-parse, typing and serialisation run on every core while the main thread fetches and
// writes. One pool per process, its size from parse_workers; workers start on first use, are
// replaced when one exits, and do not keep the process alive while idle.
import { finished, type Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { DecodeInterruptedError } from "../../salesforce/csv-results.js";
import type { FromWorker, PageJob, PartMessage, ToWorker } from "./parse-messages.js";

/**
 * Tests import src/*.ts through vitest, and a worker thread cannot load TypeScript: there the
 * worker is the built copy (`npm test` builds first).
 */
const WORKER_URL = import.meta.url.endsWith(".ts")
  ? new URL("../../../dist/read/records/parse-worker.js", import.meta.url)
  : new URL("./parse-worker.js", import.meta.url);

/**
 * A worker's heap: a young generation this small is collected often, which keeps the strings a page
 * makes from piling up (V8's default lets each thread grow by tens of MB before it collects). Bench,
 * 2 workers, one run each: 8 MB gave Bulk 1.0 149.5-150.9 MB peak; 6 MB 138.6 MB (2.0: 131.6 MB);
 * 4 MB 142.7 MB and slower. With each line written into its part at once (parse-worker.ts), Bulk
 * 1.0: 6 MB 127.7-138.0 MB, 8 MB 204.5 MB.
 */
const WORKER_LIMITS = {
  maxYoungGenerationSizeMb: 6,
  // Room for pages of very wide records (131,072-character text fields); a worker that runs out
  // exits, and its page is asked for again (csv-results.ts).
  maxOldGenerationSizeMb: 256,
};

/**
 * How far the wire body may be read ahead of what the worker has parsed: a Bulk 1.0 result file of a
 * gigabyte streams through in this much, and a slow worker stops the socket.
 */
const WIRE_AHEAD_BYTES = 1 << 20;

/** What a job's consumer reads: its parts, then its end or what stopped it. */
type JobMessage = Exclude<FromWorker, { kind: "taken" }>;

/** A job's messages as they arrive, read in order by one consumer. */
export class JobOutput {
  private readonly queue: JobMessage[] = [];
  private waiting: ((message: JobMessage) => void) | undefined;
  private failure: Error | undefined;
  finished = false;
  /** While the body streams to the worker: the worker parsed `bytes` more of it. */
  private taken: ((bytes: number) => void) | undefined;
  private stopFeeding: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly host: PoolWorker,
  ) {}

  /**
   * Streams the body to the worker as it comes off the wire, each chunk transferred, never gathered
   * here. A socket error or a body cut short fails the job with that error, after the parts of the
   * rows before it (whole rows: the worker's parser never sees the body's end).
   */
  feed(wire: Readable): void {
    /** Wire bytes handed to the worker and not yet parsed. */
    let ahead = 0;
    const onData = (chunk: Buffer): void => {
      // A chunk sharing its memory with another cannot be transferred alone: copied.
      const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
      const bytes = whole ? chunk : new Uint8Array(chunk);
      ahead += bytes.byteLength;
      this.host.post({ kind: "chunk", id: this.id, bytes }, [bytes.buffer as ArrayBuffer]);
      if (ahead > WIRE_AHEAD_BYTES) wire.pause();
    };
    this.taken = (bytes) => {
      ahead -= bytes;
      if (wire.isPaused() && ahead <= WIRE_AHEAD_BYTES / 2) wire.resume();
    };
    wire.on("data", onData);
    const cleanup = finished(wire, (error) => {
      this.stopFeeding?.();
      if (error) this.fail(error);
      else this.host.post({ kind: "body-end", id: this.id });
    });
    this.stopFeeding = () => {
      this.stopFeeding = undefined;
      this.taken = undefined;
      wire.off("data", onData);
      cleanup();
      // The body may still fail after this (it is discarded): not a crash.
      wire.on("error", () => undefined);
    };
  }

  deliver(message: FromWorker): void {
    if (message.kind === "taken") return this.taken?.(message.bytes);
    if (message.kind !== "part") this.finished = true;
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake(message);
    } else this.queue.push(message);
  }

  fail(error: Error): void {
    if (this.finished) return;
    this.stopFeeding?.();
    this.host.post({ kind: "cancel", id: this.id });
    this.failure = error;
    this.finished = true;
    this.deliver({ kind: "error", id: this.id, answer: false, detail: error.message });
  }

  /** The next part; undefined at the end. Throws what stopped the job. */
  async next(): Promise<PartMessage | undefined> {
    const message = this.queue.shift() ?? (await new Promise<JobMessage>((resolve) => (this.waiting = resolve)));
    if (message.kind === "part") return message;
    this.host.done(this);
    if (message.kind === "end") return undefined;
    if (this.failure) throw this.failure;
    throw new JobError(message.answer, message.detail);
  }

  /** A part's lines were written: its buffer goes back to the worker (it is not ours to keep). */
  written(lines: Uint8Array): void {
    this.host.recycle(this.finished ? undefined : this.id, lines);
  }

  /** The consumer stops reading before the end; the body left on the wire is the caller's to discard. */
  cancel(): void {
    this.stopFeeding?.();
    // A job that ended in the worker but was never read to its end still holds the worker (ref'd).
    if (!this.finished) this.host.post({ kind: "cancel", id: this.id });
    this.finished = true;
    this.host.done(this);
  }
}

/** A job's worker failed it: `answer` = the body is not valid CSV or gzip. */
export class JobError extends Error {
  constructor(
    readonly answer: boolean,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "JobError";
  }
}

class PoolWorker {
  readonly jobs = new Map<number, JobOutput>();
  private readonly worker: Worker;

  constructor(private readonly onGone: (worker: PoolWorker) => void) {
    this.worker = new Worker(WORKER_URL, { resourceLimits: WORKER_LIMITS });
    this.worker.unref();
    this.worker.on("message", (message: FromWorker) => this.jobs.get(message.id)?.deliver(message));
    this.worker.on("error", (error) => this.gone(`failed: ${error.message}`));
    this.worker.on("exit", (code) => this.gone(`exited with code ${code}`));
  }

  start(job: PageJob): JobOutput {
    const output = new JobOutput(job.id, this);
    if (this.jobs.size === 0) this.worker.ref();
    this.jobs.set(job.id, output);
    this.worker.postMessage(job);
    return output;
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.exited) this.worker.postMessage(message, transfer);
  }

  /**
   * Hands a written part's buffer back (transferred) for the worker to fill again: the main thread's
   * heap is small and collected rarely, so buffers left to the garbage collector would pile up.
   */
  recycle(id: number | undefined, lines: Uint8Array): void {
    const buffer = lines.buffer as ArrayBuffer;
    this.post({ kind: "ack", id: id ?? 0, bytes: lines.byteLength, buffer }, [buffer]);
  }

  done(output: JobOutput): void {
    if (!this.jobs.delete(output.id)) return;
    if (this.jobs.size === 0) this.worker.unref();
  }

  /** Test hook (test/read/parse-pool.test.ts): stops the thread as a crash would. */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private exited = false;

  private gone(why: string): void {
    this.exited = true;
    this.onGone(this);
    for (const job of [...this.jobs.values()]) job.fail(new DecodeInterruptedError(`the parse worker ${why}`));
    this.jobs.clear();
  }
}

export class ParsePool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;

  constructor(readonly size: number) {}

  /** Hands a body to the least busy worker (a new one while the pool is not full). */
  run(job: Omit<PageJob, "kind" | "id">): JobOutput {
    let host = this.workers.find((worker) => worker.jobs.size === 0);
    if (host === undefined && this.workers.length < this.size) {
      host = new PoolWorker((gone) => {
        const at = this.workers.indexOf(gone);
        if (at >= 0) this.workers.splice(at, 1);
      });
      this.workers.push(host);
    }
    host ??= this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    return host.start({ kind: "page", id: this.nextId++, ...job });
  }

  /** Test hook: the workers now running. */
  get running(): readonly { terminate(): Promise<number>; jobs: ReadonlyMap<number, unknown> }[] {
    return this.workers;
  }
}

let shared: ParsePool | undefined;

/** The process's pool of `size` workers (created on first use; a later size replaces an idle pool's). */
export function parsePool(size: number): ParsePool {
  if (shared === undefined || shared.size !== size) shared = new ParsePool(size);
  return shared;
}
