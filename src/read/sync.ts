import type { Config } from "../config.js";
import type { Log } from "../log.js";
import type { SyncOutput } from "../protocol/sync-output.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { StreamCursor } from "./state.js";
import { ApiAllowanceError, asConnectorError, ConnectorError } from "../errors.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import { extract } from "./extract.js";
import type { RecordSink } from "./extractor.js";
import { nextStateCursor, planWindows, SAFETY_LAG_MS, syncWindowBounds } from "./windows.js";
import { stateBlob } from "./state.js";
import { earliestCursor } from "./first-change.js";
import { startProgress, type StreamProgressFeed } from "./progress.js";
import { stoppedBy, type SyncStoppedError } from "../shutdown.js";
import { extractChildStream } from "./child-stream.js";
import { formulaRefreshDue, fullReadKeys, lastFullRead } from "./formula-refresh.js";
import { emitHardDeletes } from "./hard-deletes.js";
import { COVERAGE_LAG_MS } from "../salesforce/deleted-records.js";

export interface SyncContext {
  client: SalesforceClient;
  config: Config;
  writer: SyncOutput;
  syncStartedAt: Date;
  /** `--progress`: a live progress line on stderr (when a terminal) instead of progress LOG lines. */
  liveProgress?: boolean;
}

/**
 * Reads the planned streams one after another. Incremental streams read half-open windows
 * [from, to) on their cursor and emit STATE = `to` only after the window's last record, so an
 * interrupted sync resumes at the last finished window. A failing stream is reported and the
 * others still run; a stop for the org's API quota stops them all, as does a SIGTERM/SIGINT (the
 * window being read then gets no STATE).
 */
export async function runSync(plans: StreamPlan[], states: Map<string, StreamCursor>, ctx: SyncContext): Promise<void> {
  const failed: Array<{ name: string; error: ConnectorError }> = [];
  const progress = startProgress({ live: ctx.liveProgress === true, log: ctx.writer.info });
  let stopped: SyncStoppedError | undefined;
  for (const plan of plans) {
    stopped = stoppedBy();
    if (stopped) break;
    const streamProgress = progress.stream(plan.name);
    try {
      await syncStream(plan, states.get(plan.name), ctx, streamProgress);
    } catch (caught) {
      streamProgress.done();
      stopped = stoppedBy();
      if (stopped) {
        await ctx.writer.streamStatus(plan.name, "INCOMPLETE");
        break;
      }
      const error = streamError(caught, plan);
      failed.push({ name: plan.name, error });
      await ctx.writer.streamStatus(plan.name, "INCOMPLETE");
      await ctx.writer.traceError(error, plan.name);
      // The org's API allowance is shared: once it stops one stream it would stop every other.
      if (caught instanceof ApiAllowanceError) break;
    }
  }
  progress.close();
  const usage = ctx.client.usage;
  ctx.writer.info(
    `Sent ${usage.requestsSent} Salesforce API requests${usage.used !== undefined ? `; the org has used ${usage.used} of ${usage.max} today` : ""}.`,
  );
  if (stopped) throw stopped;
  if (failed.length > 0) {
    const first = failed[0]!.error;
    throw new ConnectorError(
      `${failed.length} of ${plans.length} streams did not finish: ${failed.map((f) => f.name).join(", ")}. First error: ${first.message}`,
      first.failureType,
    );
  }
}

/**
 * A first sync starts at the object's earliest change in range rather than at start_date. Returns
 * `end` when the range holds no record at all.
 */
async function skipEmptyStart(ctx: SyncContext, plan: StreamPlan, start: Date, end: Date): Promise<Date> {
  try {
    const first = await earliestCursor(ctx.client, plan, { from: start, to: end });
    if (first === undefined) return end;
    return first === null || first < start ? start : first;
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    ctx.writer.warn(
      `Stream '${plan.name}': could not look up its first change (${String(error)}); reading every window from the start date.`,
    );
    return start;
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

async function syncStream(
  plan: StreamPlan,
  state: StreamCursor | undefined,
  ctx: SyncContext,
  progress: StreamProgressFeed,
): Promise<void> {
  const { writer, config } = ctx;
  await writer.streamStatus(plan.name, "STARTED");
  const api = plan.api === "bulk" ? `Bulk API ${config.spec.bulk_api.version}` : `REST (${plan.restReason})`;
  const mode = plan.incremental ? "incremental" : "full refresh";
  writer.info(`Stream '${plan.name}': reading ${plan.object} through ${api}, ${mode}.`);
  const sink = new StreamSink(plan.name, writer, progress);
  if (plan.incremental) await syncIncremental(plan, state, ctx, sink);
  else {
    if (plan.capture.child) await extractChildStream(ctx.client, config, plan, sink);
    else await extract(ctx.client, config, plan, undefined, sink);
    await writer.fullRefreshComplete?.(plan.name, sink.takeWindowCount());
  }
  progress.done();
  await writer.streamStatus(plan.name, "COMPLETE");
}

/** Windows [from, to) in order; STATE = `to` after each window's last record. */
async function syncIncremental(
  plan: StreamPlan,
  state: StreamCursor | undefined,
  ctx: SyncContext,
  sink: StreamSink,
): Promise<void> {
  const { writer, config } = ctx;
  const cursorField = plan.cursorField!;
  // formula_refresh: a due stream is read as if it had no state (from start_date); its last full read
  // is recorded in the STATE after its last window.
  const { formulaFields } = plan.capture;
  const refresh = formulaRefreshDue({
    formulaRefreshMs: config.formulaRefreshMs,
    formulaFields,
    state,
    syncStartedAt: ctx.syncStartedAt,
  });
  if (refresh) {
    const last = lastFullRead(state);
    writer.info(
      `Stream '${plan.name}': reading it in full again for its formula fields (${formulaFields.join(", ")}); last full read ${last ? last.toISOString() : "not recorded"}, formula_refresh ${config.spec.formula_refresh}.`,
    );
  }
  const readState = refresh ? undefined : state;
  const recordFullRead = config.formulaRefreshMs !== undefined && formulaFields.length > 0 && readState === undefined;
  const emitState = (cursor: Date, last = false): Promise<void> =>
    writer.streamState(
      plan.name,
      stateBlob(cursorField, cursor, fullReadKeys(last && recordFullRead, ctx.syncStartedAt, state?.raw)),
      sink.takeWindowCount(),
    );
  const { start, end } = syncWindowBounds({
    stateCursor: readState?.cursor,
    lookbackMs: config.lookbackMs,
    startDate: config.startDate,
    syncStartedAt: ctx.syncStartedAt,
    safetyLagMs: SAFETY_LAG_MS,
  });
  if (start >= end) {
    // Nothing to read yet; a saved state is repeated so the platform keeps it.
    if (state === undefined) return;
    if (state.cursor > end)
      writer.warn(
        `Stream '${plan.name}': the saved state ${state.cursor.toISOString()} is in the future; no records are read until then.`,
      );
    await emitState(state.cursor);
    return;
  }
  // hard_deletes: deletions since the saved state (a first sync has nothing to delete), before the
  // windows, so a record restored after its deletion comes later with a later cursor.
  if (plan.capture.hardDeletes && state !== undefined) {
    const since = syncWindowBounds({
      stateCursor: state.cursor,
      lookbackMs: config.lookbackMs,
      startDate: config.startDate,
      syncStartedAt: ctx.syncStartedAt,
      safetyLagMs: SAFETY_LAG_MS,
    });
    if (since.start < since.end) {
      await emitHardDeletes({
        client: ctx.client,
        stream: plan.name,
        object: plan.object,
        cursorField,
        window: {
          from: new Date(Math.min(since.start.getTime(), state.cursor.getTime() - COVERAGE_LAG_MS)),
          to: since.end,
        },
        now: ctx.syncStartedAt,
        sink,
        log: writer,
      });
    }
  }
  const from = readState === undefined ? await skipEmptyStart(ctx, plan, start, end) : start;
  let cursor = state?.cursor;
  const windows = planWindows({ start: from, end, stepMs: config.sliceStepMs });
  for (const [index, window] of windows.entries()) {
    await extract(ctx.client, config, plan, window, sink);
    sink.windowDone();
    cursor = nextStateCursor(window.to, cursor);
    await emitState(cursor, index === windows.length - 1);
  }
  // A first sync that found no record since start_date has still read up to `end`.
  if (from >= end) await emitState(nextStateCursor(end, cursor), true);
}

/** Hands a stream's records to the writer and keeps its counts: RUNNING on the first, per-window totals, estimates, progress. */
class StreamSink implements RecordSink {
  private running = false;
  private windowRecords = 0;
  private estimatedBefore = 0;
  private windowEstimate = 0;

  readonly log: Log;

  constructor(
    private readonly name: string,
    private readonly writer: SyncOutput,
    private readonly progress: StreamProgressFeed,
  ) {
    this.log = writer;
  }

  async records(batch: string[]): Promise<void> {
    if (!this.running) {
      this.running = true;
      await this.writer.streamStatus(this.name, "RUNNING");
    }
    await this.writer.records(this.name, batch, Date.now());
    this.windowRecords += batch.length;
    await this.progress.records(batch.length);
  }

  async estimate(rows: number): Promise<void> {
    this.windowEstimate = rows;
    await this.writer.estimate(this.name, this.estimatedBefore + rows);
    this.progress.estimate(this.estimatedBefore + rows);
  }

  windowDone(): void {
    this.estimatedBefore += this.windowEstimate;
    this.windowEstimate = 0;
  }

  /** Records since the last STATE, for its sourceStats. */
  takeWindowCount(): number {
    const count = this.windowRecords;
    this.windowRecords = 0;
    return count;
  }
}
