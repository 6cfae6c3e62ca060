import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { RecordSink } from "./extractor.js";
import { ConnectorError } from "../errors.js";
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
import { createCsvRecordConverterCache } from "./records/convert.js";
import { valueLogFor } from "./value-log.js";
import type { Window } from "../util/datetime.js";
import { pause } from "../shutdown.js";

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
 */
export async function extractBulk1(
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
): Promise<void> {
  const bulk = config.spec.bulk_api;
  if (bulk.version !== "1.0") throw new Error("extractBulk1 needs bulk_api.version 1.0");
  const chunkingFor = (): PkChunking | undefined => pkChunkingFor(plan.object, bulk.chunk_size);
  const job = new Bulk1Job(client, config, plan, sink);

  const runWindow = async (
    current: Window | undefined,
    chunking: PkChunking | undefined,
    splits: number,
  ): Promise<void> => {
    const soql = plan.query.select(current);
    try {
      await job.run(soql, chunking);
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

/** Runs Bulk 1.0 query jobs for one stream and hands their rows to the sink. */
class Bulk1Job {
  private readonly converterFor;

  constructor(
    private readonly client: SalesforceClient,
    private readonly config: Config,
    private readonly plan: StreamPlan,
    private readonly sink: RecordSink,
  ) {
    const values = valueLogFor(plan, sink.log);
    this.converterFor = createCsvRecordConverterCache(plan.schema, values.warn, values.nul);
  }

  /** `estimate`: report Salesforce's row count (not for a chunk's re-run, which is part of a larger job). */
  async run(soql: string, chunking: PkChunking | undefined, estimate = true): Promise<void> {
    const { client } = this;
    const job = await createJob(client, this.plan.object, this.plan.operation, chunking);
    try {
      const original = await addQueryBatch(client, job.id, soql);
      await this.collect(job.id, original.id, chunking !== undefined, estimate);
    } catch (error) {
      await setJobState(client, job.id, "Aborted").catch(() => undefined);
      throw error;
    }
  }

  /** Polls the job's batches, downloading each as it completes, until every batch is done. */
  private async collect(jobId: string, originalId: string, chunked: boolean, estimate: boolean): Promise<void> {
    const poll = defaultPollSettings(this.config.jobTimeoutMs);
    const pool = new TaskPool(this.config.spec.concurrency);
    const handled = new Set<string>();
    const deadline = Date.now() + poll.timeoutMs;
    let closed = false;
    for (let delay = poll.firstDelayMs; ; delay = Math.min(poll.maxDelayMs, delay * 2)) {
      await pause(delay);
      if (pool.failure) break;
      const batches = await listBatches(this.client, jobId);
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
          pool.add(() => this.download({ ...batch, jobId }));
        } else if (batch.state === "Failed" || batch.state === "NotProcessed") {
          handled.add(batch.id);
          if (!chunked) throw new BatchFailedError(batch);
          pool.add(() => this.retryChunk(jobId, batch));
        }
      }
      if (allCreated && !closed) {
        await setJobState(this.client, jobId, "Closed");
        closed = true;
      }
      if (allCreated && work.every((b) => handled.has(b.id))) {
        const processed = work.reduce((sum, b) => sum + (b.state === "Completed" ? b.numberRecordsProcessed : 0), 0);
        if (estimate) await this.sink.estimate(processed);
        break;
      }
      if (Date.now() >= deadline) {
        throw new ConnectorError(
          `Bulk 1.0 job ${jobId} for ${this.plan.object} did not finish within job_timeout; it was aborted. Raise job_timeout or narrow stream_slice_step.`,
          "transient_error",
        );
      }
    }
    await pool.idle();
  }

  private async download(batch: BatchInfo): Promise<void> {
    for await (const rows of readBatchResults(this.client, batch, this.plan.fields)) {
      await this.sink.records(rows.rows.map(this.converterFor(rows.header)));
    }
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
