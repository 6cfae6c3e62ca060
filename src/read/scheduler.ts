import type { Config } from "../config.js";
import type { SyncOutput } from "../protocol/sync-output.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { ResumePoint, StreamCursor } from "./state.js";
import { ApiAllowanceError, asConnectorError, ConnectorError } from "../errors.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import { CompositeQueryBatcher } from "../salesforce/composite-query.js";
import { COMPOSITE_QUERY_LIMIT } from "../salesforce/probe-queries.js";
import { Semaphore } from "../util/concurrency.js";
import { startProgress } from "./progress.js";
import { stoppedBy, type SyncStoppedError } from "../shutdown.js";
import { StreamSink } from "./sink.js";
import { SyncStats } from "./summary.js";
import { readStream, type StreamContext } from "./stream-read.js";

export interface SyncContext {
  client: SalesforceClient;
  config: Config;
  writer: SyncOutput;
  syncStartedAt: Date;
  /** `--progress`: a live progress line on stderr (when a terminal) instead of progress LOG lines. */
  liveProgress?: boolean;
  /** The Bulk reads an earlier attempt left under way, by stream (state.ts parseResumePoints). */
  resumePoints?: Map<string, ResumePoint>;
}

/**
 * Reads the planned streams concurrently. Requests in flight are bounded once, in the client
 * (`concurrency`), and Bulk jobs open at once by `max_bulk_jobs`; up to `concurrency` x 5 streams are
 * open at once, so the probes of streams starting together fill Composite requests (5 queries each).
 * Records of different streams interleave by whole batches; each stream's STATE comes only after
 * its records (stream-read.ts). A failing stream is reported (INCOMPLETE, TRACE) and the others go
 * on; a stop for the org's API allowance, or SIGTERM/SIGINT, stops them all (the piece being read
 * then gets no STATE). Ends with one summary LOG line.
 */
export async function runSync(plans: StreamPlan[], states: Map<string, StreamCursor>, ctx: SyncContext): Promise<void> {
  const { client, config, writer } = ctx;
  const stats = new SyncStats();
  const batcher = new CompositeQueryBatcher(client);
  const streamCtx: StreamContext = {
    client,
    config,
    writer,
    syncStartedAt: ctx.syncStartedAt,
    batcher,
    firstPage: (soql, operation) => batcher.firstPage(soql, operation),
    bulkJobs: new Semaphore(config.spec.max_bulk_jobs),
  };
  const progress = startProgress({ live: ctx.liveProgress === true, log: writer.info });
  const slots = new Semaphore(config.spec.concurrency * COMPOSITE_QUERY_LIMIT);
  const failed: Array<{ name: string; error: ConnectorError }> = [];
  let allowanceStop: ApiAllowanceError | undefined;
  let stopped: SyncStoppedError | undefined;

  const runOne = async (plan: StreamPlan): Promise<void> => {
    stopped ??= stoppedBy();
    if (stopped || allowanceStop) return;
    const streamProgress = progress.stream(plan.name);
    const sink = new StreamSink(plan.name, writer, streamProgress, stats);
    try {
      await readStream(streamCtx, plan, states.get(plan.name), sink, ctx.resumePoints?.get(plan.name));
    } catch (caught) {
      await writer.streamStatus(plan.name, "INCOMPLETE");
      stopped ??= stoppedBy();
      if (stopped) return;
      if (caught instanceof ApiAllowanceError) {
        // The org's API allowance is shared: once it stops one stream it stops every other; the
        // sync reports it once.
        if (allowanceStop) return;
        allowanceStop = caught;
      }
      const error = streamError(caught, plan);
      failed.push({ name: plan.name, error });
      await writer.traceError(error, plan.name);
    } finally {
      streamProgress.done();
    }
  };

  await Promise.all(plans.map((plan) => slots.use(() => runOne(plan))));
  progress.close();
  writer.info(stats.summary(client.usage));
  if (stopped) throw stopped;
  if (failed.length > 0) {
    const first = failed[0]!.error;
    throw new ConnectorError(
      `${failed.length} of ${plans.length} streams did not finish: ${failed.map((f) => f.name).join(", ")}. First error: ${first.message}`,
      first.failureType,
    );
  }
}

/** Salesforce's rejection of a stream's query usually means the config's SOQL is wrong: say where to look. */
const QUERY_REJECTED = new Set([
  "MALFORMED_QUERY",
  "INVALID_FIELD",
  "INVALID_QUERY_FILTER_OPERATOR",
  "INVALID_TYPE",
  "InvalidBatch",
]);

function streamError(caught: unknown, plan: StreamPlan): ConnectorError {
  if (caught instanceof SalesforceApiError) {
    const where =
      plan.query.kind === "query_stream"
        ? `the query of query stream '${plan.name}'`
        : `object_filters for ${plan.object}`;
    if (QUERY_REJECTED.has(caught.errorCode)) {
      // Salesforce repeats the query with a caret above its last line, which says what is wrong.
      const reason = caught.salesforceMessage.trim().split("\n").at(-1);
      return new ConnectorError(
        `Salesforce rejected the query of stream '${plan.name}' (${caught.errorCode}: ${reason}). Check ${where}.`,
        "config_error",
        { internalMessage: caught.message },
      );
    }
    return new ConnectorError(
      `Salesforce answered ${caught.errorCode} for stream '${plan.name}': ${caught.salesforceMessage}`,
      caught.status >= 500 ? "transient_error" : "system_error",
      { internalMessage: caught.message, cause: caught },
    );
  }
  return asConnectorError(caught);
}
