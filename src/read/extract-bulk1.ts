import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { RecordSink } from "./extractor.js";
import type { Log } from "../log.js";
import { ConnectorError } from "../errors.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import { defaultPollSettings } from "../salesforce/bulk2.js";
import {
  addQueryBatch,
  batchRequest,
  createJob,
  listBatches,
  readBatchResults,
  setJobState,
  type BatchInfo,
  type PkChunking,
} from "../salesforce/bulk1.js";
import { pkChunkingFor } from "../salesforce/facts.js";
import { TaskPool } from "../util/concurrency.js";
import { deliverRecords, recordDecoder } from "./records/record-decoder.js";
import { valueLogFor } from "./value-log.js";
import type { Window } from "../util/datetime.js";
import { pause } from "../shutdown.js";
import {
  CHECKPOINT_RECORDS,
  checkpointEvery,
  NAME_PENDING_JOB_AFTER_POLLS,
  QUERY_CHANGED,
  otherBulkApi,
  resumeRefusal,
  queryHash,
  type Bulk1Progress,
  type BulkProgress,
  type BulkResume,
} from "./bulk-progress.js";

/** Salesforce's messages for a query too big for one batch (Singer's tap-salesforce retries these the same way). */
const TOO_BIG = /QUERY_TIMEOUT|Retried more than|Failed to write query result/i;
/** A window is halved at most this often (1/64 of the window) before the stream fails. */
const MAX_SPLITS = 6;

class BatchFailedError extends Error {
  constructor(readonly batch: BatchInfo) {
    super(`batch ${batch.id} failed: ${batch.stateMessage}`);
  }
}

/** The original batch of a PK-chunked job failed: Salesforce could not chunk this query. */
class ChunkingRejectedError extends BatchFailedError {}

/**
 * Bulk API 1.0 for one window: PK chunking where configured and the object supports it, every
 * completed batch's result files downloaded as soon as it completes (`concurrency` at once).
 * A failed chunk's Id range is run again once as its own job; a single batch too big for
 * Salesforce is run again with PK chunking on, then with the window halved.
 *
 * With `resume`, an earlier run's job for this window is continued (its batches not yet read; a
 * batch read in part from its next row), with a checkpoint each time another chunk_size rows (at most
 * CHECKPOINT_RECORDS) were handed on: batches download `concurrency` at once, so a checkpoint per
 * finished batch could leave several batches' rows after the last one. The re-runs of a failed chunk and the halves of a window are
 * jobs of their own that no checkpoint names: a resumed read runs them again.
 */
export async function extractBulk1(
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
  resume?: BulkResume,
): Promise<void> {
  const bulk = config.spec.bulk_api;
  if (bulk.version !== "1.0") throw new Error("extractBulk1 needs bulk_api.version 1.0");
  const chunkingFor = (): PkChunking | undefined => pkChunkingFor(plan.object, bulk.chunk_size);
  const job = new Bulk1Job(client, config, plan, sink);
  const query = queryHash(plan.query.select(window), plan.operation);
  let continuation = resume?.from ? await continuable(client, resume.from, query, plan, sink.log) : undefined;

  const runWindow = async (
    current: Window | undefined,
    chunking: PkChunking | undefined,
    splits: number,
  ): Promise<void> => {
    const soql = plan.query.select(current);
    // Only a job for the window as asked is named in checkpoints.
    const tracked = current === window && resume ? { resume, query } : undefined;
    try {
      if (continuation) {
        const earlier = continuation;
        continuation = undefined;
        await job.continue(earlier.progress, earlier.batches, tracked);
        return;
      }
      await job.run(soql, chunking, true, tracked);
      return;
    } catch (error) {
      if (error instanceof ChunkingRejectedError) {
        sink.log.warn(
          `Stream '${plan.name}': Salesforce could not PK-chunk the query (${error.batch.stateMessage}); running it as one batch.`,
        );
        return runWindow(current, undefined, splits);
      }
      if (!(error instanceof BatchFailedError) || !TOO_BIG.test(error.batch.stateMessage))
        throw asStreamError(error, plan);
      if (!chunking && plan.pkChunkable && chunkingFor()) {
        sink.log.warn(
          `Stream '${plan.name}': the batch was too big for Salesforce (${error.batch.stateMessage}); running it again with PK chunking.`,
        );
        return runWindow(current, chunkingFor(), splits);
      }
      if (current && splits < MAX_SPLITS && current.to.getTime() - current.from.getTime() >= 2 * 60_000) {
        const middle = new Date(Math.floor((current.from.getTime() + current.to.getTime()) / 2));
        sink.log.warn(
          `Stream '${plan.name}': the batch was too big for Salesforce (${error.batch.stateMessage}); reading the window in two halves.`,
        );
        await runWindow({ from: current.from, to: middle }, chunking, splits + 1);
        await runWindow({ from: middle, to: current.to }, chunking, splits + 1);
        return;
      }
      throw asStreamError(error, plan);
    }
  };
  await runWindow(window, bulk.pk_chunking && plan.pkChunkable ? chunkingFor() : undefined, 0);
}

function asStreamError(error: unknown, plan: StreamPlan): unknown {
  if (!(error instanceof BatchFailedError)) return error;
  return new ConnectorError(
    `Salesforce could not run the Bulk 1.0 query for ${plan.object}: ${error.batch.stateMessage}. Run the sync again; if it persists, narrow stream_slice_step or lower bulk_api.chunk_size.`,
    "transient_error",
  );
}

/**
 * The earlier run's job, if it can be continued: checked with one call (its batch list, which the
 * read needs anyway). Else undefined, after a LOG line saying why and removing that job.
 */
async function continuable(
  client: SalesforceClient,
  from: BulkProgress,
  query: string,
  plan: StreamPlan,
  log: Log,
): Promise<{ progress: Bulk1Progress; batches: BatchInfo[] } | undefined> {
  const refuse = resumeRefusal(client, from, plan.name, log);
  if (from.api !== "1.0") return refuse(otherBulkApi(from, "1.0"));
  if (from.query !== query) return refuse(QUERY_CHANGED);
  let batches: BatchInfo[];
  try {
    batches = await listBatches(client, from.job);
  } catch (error) {
    if (error instanceof SalesforceApiError && /^Invalid(Job|Batch)$/.test(error.errorCode))
      return refuse("Salesforce no longer has it (jobs are deleted after seven days)", false);
    throw error;
  }
  if (!batches.some((b) => b.id === from.batch)) return refuse(`it does not list its batch ${from.batch}`);
  log.info(`Stream '${plan.name}': continuing Bulk job ${from.job} (${from.done.length} batches read before).`);
  return { progress: from, batches };
}

/**
 * What a job's reads have handed on, reported as a checkpoint each `every` rows (the rows of batches
 * read in part are counted, so nothing after the last checkpoint is more than `every` rows, whatever
 * the number of batches downloading at once). Batches download concurrently, so
 * handing rows on and taking a checkpoint are done one at a time: a checkpoint covers exactly the
 * rows written before it (its STATE's recordCount is right) and never a row not yet written.
 */
class JobProgress {
  private readonly done: Set<string>;
  private readonly partial: Map<string, number>;
  private closed: boolean;
  private sinceCheckpoint = 0;
  private turn: Promise<unknown> = Promise.resolve();
  /** Some STATE names this job: a failed read leaves it for the next run. */
  named: boolean;

  constructor(
    private readonly jobId: string,
    private readonly batch: string,
    private readonly chunked: boolean,
    private readonly tracked: Tracked | undefined,
    private readonly every: number,
    earlier?: Bulk1Progress,
  ) {
    this.done = new Set(earlier?.done);
    this.partial = new Map(Object.entries(earlier?.partial ?? {}));
    this.closed = earlier?.closed ?? false;
    this.named = earlier !== undefined;
  }

  isDone(batchId: string): boolean {
    return this.done.has(batchId);
  }

  /** Rows of a batch handed on so far (by an earlier run, for a batch not being read now). */
  handedOn(batchId: string): number {
    return this.partial.get(batchId) ?? 0;
  }

  isClosed(): boolean {
    return this.closed;
  }

  markClosed(): void {
    this.closed = true;
  }

  /** `handOn` writes `rows` rows of `batchId` to the sink. */
  deliver(batchId: string, rows: number, handOn: () => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      if (this.sinceCheckpoint > 0 && this.sinceCheckpoint + rows > this.every) await this.checkpoint();
      await handOn();
      this.partial.set(batchId, this.handedOn(batchId) + rows);
      this.sinceCheckpoint += rows;
    });
  }

  /** A checkpoint naming the job, if none did yet (a job Salesforce takes long to run). */
  name(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.named) await this.checkpoint();
    });
  }

  /** Every row of `batchId` was handed on. */
  batchRead(batchId: string): Promise<void> {
    return this.exclusive(async () => {
      this.partial.delete(batchId);
      this.done.add(batchId);
    });
  }

  private async checkpoint(): Promise<void> {
    if (!this.tracked) return;
    await this.tracked.resume.checkpoint({
      api: "1.0",
      job: this.jobId,
      query: this.tracked.query,
      batch: this.batch,
      chunked: this.chunked,
      closed: this.closed,
      done: [...this.done],
      partial: Object.fromEntries(this.partial),
    });
    this.named = true;
    this.sinceCheckpoint = 0;
  }

  private exclusive(task: () => Promise<void>): Promise<void> {
    const run = this.turn.then(task);
    this.turn = run.catch(() => undefined);
    return run;
  }
}

interface Tracked {
  resume: BulkResume;
  query: string;
}

/** Runs Bulk 1.0 query jobs for one stream and hands their rows to the sink. */
class Bulk1Job {
  private readonly decoder;

  constructor(
    private readonly client: SalesforceClient,
    private readonly config: Config,
    private readonly plan: StreamPlan,
    private readonly sink: RecordSink,
  ) {
    this.decoder = recordDecoder(plan.schema, sink, valueLogFor(plan, sink.log), config.parseWorkers);
  }

  /**
   * `estimate`: report Salesforce's row count (not for a chunk's re-run, which is part of a larger
   * job). `tracked`: checkpoints name this job.
   */
  async run(soql: string, chunking: PkChunking | undefined, estimate = true, tracked?: Tracked): Promise<void> {
    const { client } = this;
    const job = await createJob(client, this.plan.object, this.plan.operation, chunking);
    let progress: JobProgress | undefined;
    try {
      const original = await addQueryBatch(client, job.id, soql);
      progress = new JobProgress(
        job.id,
        original.id,
        chunking !== undefined,
        tracked,
        checkpointEvery(chunking?.chunkSize),
      );
      await this.collect(progress, job.id, original.id, chunking !== undefined, estimate);
    } catch (error) {
      await this.abandon(job.id, progress, error);
      throw error;
    }
  }

  /** Reads on an earlier run's job: its batches not read yet, a batch read in part from its next row. */
  async continue(earlier: Bulk1Progress, batches: BatchInfo[], tracked: Tracked | undefined): Promise<void> {
    const chunking = earlier.chunked ? { chunkSize: this.chunkSize() } : undefined;
    const progress = new JobProgress(
      earlier.job,
      earlier.batch,
      earlier.chunked,
      tracked,
      checkpointEvery(chunking?.chunkSize),
      earlier,
    );
    try {
      await this.collect(progress, earlier.job, earlier.batch, earlier.chunked, true, batches);
    } catch (error) {
      await this.abandon(earlier.job, progress, error);
      throw error;
    }
  }

  private chunkSize(): number {
    const bulk = this.config.spec.bulk_api;
    return bulk.version === "1.0" ? bulk.chunk_size : CHECKPOINT_RECORDS;
  }

  /** A job that failed is aborted, unless a STATE names it and the next run can still read on. */
  private async abandon(jobId: string, progress: JobProgress | undefined, error: unknown): Promise<void> {
    if (progress?.named && !(error instanceof BatchFailedError)) return;
    await setJobState(this.client, jobId, "Aborted").catch(() => undefined);
  }

  /**
   * Polls the job's batches, downloading each as it completes, until every batch is done. `listed`:
   * the batch list just read (a continued job's check), used as the first poll.
   */
  private async collect(
    progress: JobProgress,
    jobId: string,
    originalId: string,
    chunked: boolean,
    estimate: boolean,
    listed?: BatchInfo[],
  ): Promise<void> {
    const poll = defaultPollSettings(this.config.jobTimeoutMs);
    const pool = new TaskPool(this.config.spec.concurrency);
    const handled = new Set<string>();
    const deadline = Date.now() + poll.timeoutMs;
    let closed = progress.isClosed();
    const read = (task: () => Promise<void>): void => pool.add(task);
    let first = listed;
    for (let delay = poll.firstDelayMs, polls = 1; ; delay = Math.min(poll.maxDelayMs, delay * 2), polls++) {
      if (!first) await pause(delay);
      if (pool.failure) break;
      const batches = first ?? (await listBatches(this.client, jobId));
      first = undefined;
      const original = batches.find((b) => b.id === originalId);
      if (!original) throw new Error(`Bulk 1.0 job ${jobId} does not list its batch ${originalId}`);
      if (chunked && original.state === "Failed") throw new ChunkingRejectedError(original);
      // Under PK chunking the original batch ends NotProcessed by design once every chunk exists.
      const allCreated = !chunked || original.state === "NotProcessed";
      const work = chunked ? batches.filter((b) => b.id !== originalId) : [original];
      for (const batch of work) {
        if (handled.has(batch.id)) continue;
        if (batch.state === "Completed") {
          handled.add(batch.id);
          if (progress.isDone(batch.id)) continue;
          read(async () => {
            await this.download({ ...batch, jobId }, progress);
            await progress.batchRead(batch.id);
          });
        } else if (batch.state === "Failed" || batch.state === "NotProcessed") {
          handled.add(batch.id);
          if (!chunked) throw new BatchFailedError(batch);
          read(() => this.retryChunk(jobId, batch));
        }
      }
      if (allCreated && !closed) {
        await setJobState(this.client, jobId, "Closed");
        closed = true;
        progress.markClosed();
      }
      if (allCreated && work.every((b) => handled.has(b.id))) {
        const processed = work.reduce((sum, b) => sum + (b.state === "Completed" ? b.numberRecordsProcessed : 0), 0);
        if (estimate) await this.sink.estimate(processed);
        break;
      }
      if (polls >= NAME_PENDING_JOB_AFTER_POLLS) await progress.name();
      if (Date.now() >= deadline) {
        throw new ConnectorError(
          `Bulk 1.0 job ${jobId} for ${this.plan.object} did not finish within job_timeout; it was aborted. Raise job_timeout or narrow stream_slice_step.`,
          "transient_error",
        );
      }
    }
    await pool.idle();
  }

  /** A batch's result files in order (checked against its row count), from the row after those an earlier run handed on. */
  private async download(batch: BatchInfo, progress: JobProgress): Promise<void> {
    const parts = readBatchResults(this.client, batch, this.plan.fields, this.decoder, progress.handedOn(batch.id));
    for await (const part of parts)
      await progress.deliver(batch.id, part.count, () => deliverRecords(this.sink, part.output, part.count));
  }

  /** A failed chunk delivered nothing; its Id range runs once more as a job of its own. */
  private async retryChunk(jobId: string, failed: BatchInfo): Promise<void> {
    const chunkSoql = await batchRequest(this.client, jobId, failed.id);
    this.sink.log.warn(
      `Stream '${this.plan.name}': chunk batch ${failed.id} failed (${failed.stateMessage}); running its Id range again.`,
    );
    try {
      await this.run(chunkSoql.trim(), undefined, false);
    } catch (error) {
      if (error instanceof BatchFailedError)
        throw new BatchFailedError({
          ...error.batch,
          stateMessage: `${failed.stateMessage}; again: ${error.batch.stateMessage}`,
        });
      throw error;
    }
  }
}
