// One stream's read: which API reads what, and the STATE each finished piece earns. Incremental
// streams probe their whole remaining range with one REST query (`ORDER BY cursor, Id`; probes of
// streams starting together share Composite requests); the probe's answer decides:
//   done                            -> its records are the range; STATE = the range's end;
//   totalSize < bulk_threshold      -> REST continues with nextRecordsUrl, a STATE after each page;
//   totalSize >= bulk_threshold     -> its rows are dropped and Bulk reads windows from its FIRST
//                                      record on (a state far in the past walks no empty window);
//                                      an object Bulk cannot serve reads those windows through REST.
// bulk_threshold 0 (or a SELECT too long for a GET) reads Bulk windows as before the engine, with the
// first-change lookup on a first sync. Full refresh: the same probe, unordered; STATE checkpoints
// while Bulk reads (Airbyte's resumable full refresh), then the complete marker.
// Bulk reads checkpoint their job's progress (bulk-progress.ts); a state holding one continues that
// job first (the incremental window it was reading, or the whole full refresh) without a probe.
import type { SyncOutput } from "../protocol/sync-output.js";
import type { StreamPlan } from "./plan.js";
import type { ResumePoint, StreamCursor } from "./state.js";
import type { Window } from "../util/datetime.js";
import { ConnectorError } from "../errors.js";
import { CompositeQueryBatcher, nextPages, type QueryPage } from "../salesforce/composite-query.js";
import { parseTimestamp, SALESFORCE_VALUE } from "../util/datetime.js";
import { createRestRecordConverter } from "./records/convert.js";
import { reportStreamValues, valueLogFor } from "./value-log.js";
import { earliestCursor } from "./first-change.js";
import { IncrementalCursor } from "./stream-cursor.js";
import { WindowExtractor, type ExtractContext } from "./extract.js";
import { discardJob, type BulkProgress, type BulkResume } from "./bulk-progress.js";
import { resumeBlob } from "./state.js";
import type { StreamSink } from "./sink.js";
import { extractChildStream } from "./child-stream.js";
import { lastFullRead, planFullRead } from "./formula-refresh.js";
import { deletionsWindow, emitHardDeletes, markSoftDeletes } from "./hard-deletes.js";
import { deletedRecordsPath, parseDeletedRecords } from "../salesforce/deleted-records.js";

export interface StreamContext extends ExtractContext {
  writer: SyncOutput;
  batcher: CompositeQueryBatcher;
  syncStartedAt: Date;
}

/** Reads one stream from STARTED to COMPLETE; throws what stops it (the scheduler reports it). */
export async function readStream(
  ctx: StreamContext,
  plan: StreamPlan,
  input: StreamCursor | undefined,
  sink: StreamSink,
  point?: ResumePoint,
): Promise<void> {
  await ctx.writer.streamStatus(plan.name, "STARTED");
  const read = new StreamRead(ctx, plan, sink);
  try {
    if (plan.incremental) await read.incremental(input, point);
    else await read.fullRefresh(point);
  } finally {
    reportStreamValues(plan);
  }
  await ctx.writer.streamStatus(plan.name, "COMPLETE");
}

class StreamRead {
  private readonly windows: WindowExtractor;
  private readonly threshold: number;

  constructor(
    private readonly ctx: StreamContext,
    private readonly plan: StreamPlan,
    private readonly sink: StreamSink,
  ) {
    this.windows = new WindowExtractor(ctx, plan, sink);
    if (plan.capture.hardDeletes && plan.operation === "queryAll") sink.transform = markSoftDeletes(plan.cursorField!);
    this.threshold = ctx.config.spec.bulk_threshold;
  }

  async incremental(input: StreamCursor | undefined, point: ResumePoint | undefined): Promise<void> {
    const { plan, sink, ctx } = this;
    const usable = point && this.windows.usesBulk ? point : undefined;
    const cursor = new IncrementalCursor(
      plan.cursorField!,
      input,
      ctx.config,
      ctx.syncStartedAt,
      usable,
      this.fullReads(input),
    );
    const emit = (blob: Record<string, unknown>): Promise<void> =>
      ctx.writer.streamState(plan.name, blob, sink.takeWindowCount());
    if (cursor.resumed) {
      this.announce(`${this.apiLabel()}, continuing the window an earlier attempt was reading`);
      await this.windows.read(cursor.resumed, this.resumeFor(cursor, cursor.resumed, point!.job));
      sink.windowDone();
      await emit(cursor.finished(cursor.resumed.to));
      // The rest of the range is read as any other (probed first): a short tail costs no new job.
      if (cursor.start >= cursor.end) return;
    } else if (point) await this.dropEarlierJob(point.job, "its window is not this sync's to read");
    if (cursor.start >= cursor.end) {
      // Nothing to read yet; a saved state is repeated so the platform keeps it.
      if (input === undefined) return;
      if (input.cursor > cursor.end)
        ctx.writer.warn(
          `Stream '${plan.name}': the saved state ${input.cursor.toISOString()} is in the future; no records are read until then.`,
        );
      await emit(cursor.repeatInput());
      return;
    }
    const probe = this.probeQuery(plan.query.ordered(cursor.range));
    // Asked now, so that the probe's Composite request carries it; its records go out first.
    const deletions = this.hardDeletes(input);
    if (probe === undefined) {
      this.announce(this.apiLabel());
      await deletions;
      const from = cursor.fromStartDate ? await this.skipEmptyStart(cursor.range) : cursor.start;
      await this.readWindows(cursor, from, emit);
      return;
    }
    // Both asked before either is awaited (one Composite request); the deletions' records go out
    // first, and are all out before the stream ends, whichever of the two fails.
    const firstPage = ctx.batcher.firstPage(probe, plan.operation);
    void firstPage.catch(() => undefined);
    await deletions;
    const first = await firstPage;
    if (!first.done && first.totalSize >= this.threshold) {
      // Bulk reads the range in windows; so does REST for a large object Bulk cannot serve (one
      // ordered query over years of a big object risks QUERY_TIMEOUT), starting at the first change.
      this.announce(
        this.windows.usesBulk
          ? `${this.apiLabel()} (${first.totalSize} rows, bulk_threshold ${this.threshold})`
          : `REST (${this.windows.reasonForRest}; ${first.totalSize} rows, bulk_threshold ${this.threshold}: windows of stream_slice_step)`,
      );
      const firstChange = this.cursorOf(first.records[0]);
      await this.readWindows(cursor, firstChange ?? cursor.start, emit);
      return;
    }
    this.announce(this.restLabel(first));
    await this.restPages(first, async (page, last) => {
      if (page.done) return;
      const stamp = this.cursorOf(last);
      if (stamp) await emit(cursor.orderedUpTo(stamp));
    });
    await emit(cursor.finished());
  }

  async fullRefresh(point: ResumePoint | undefined): Promise<void> {
    const { plan, sink, ctx } = this;
    const complete = (): Promise<void> =>
      ctx.writer.fullRefreshComplete?.(plan.name, sink.takeWindowCount()) ?? Promise.resolve();
    if (plan.capture.child) {
      this.announce(this.apiLabel());
      sink.api = "REST";
      await extractChildStream(ctx.client, ctx.config, plan, sink, ctx.firstPage);
      await complete();
      return;
    }
    const resume = this.fullRefreshResume();
    if (point && resume && point.window === undefined && this.windows.usesBulk) {
      this.announce(`${this.apiLabel()}, continuing the job an earlier attempt was reading`);
      await this.windows.read(undefined, { ...resume, from: point.job });
      await complete();
      return;
    }
    if (point) await this.dropEarlierJob(point.job, "this read does not continue it");
    const probe = this.probeQuery(plan.query.select(undefined));
    if (probe === undefined) {
      this.announce(this.apiLabel());
      await this.windows.read(undefined, resume);
      await complete();
      return;
    }
    const first = await ctx.batcher.firstPage(probe, plan.operation);
    if (this.windows.usesBulk && !first.done && first.totalSize >= this.threshold) {
      this.announce(`${this.apiLabel()} (${first.totalSize} rows, bulk_threshold ${this.threshold})`);
      await this.windows.read(undefined, resume);
    } else {
      this.announce(this.restLabel(first));
      await this.restPages(first, async () => undefined);
    }
    await complete();
  }

  /**
   * The probe's SOQL, or undefined when the stream skips the probe: bulk_threshold 0 for what Bulk can
   * serve, or a query stream with its own ORDER BY. A SELECT too long for a GET (hundreds of fields)
   * is still probed: its first page comes in a Composite request's body (composite-query.ts), the
   * pages after it by short query locators.
   */
  private probeQuery(soql: string | undefined): string | undefined {
    if (soql === undefined) return undefined;
    if (this.windows.usesBulk && this.threshold === 0) return undefined;
    return soql;
  }

  /** Windows from `from` to the range's end (Bulk, or REST after a rejection), STATE = each window's end after its last record. */
  private async readWindows(
    cursor: IncrementalCursor,
    from: Date,
    emit: (blob: Record<string, unknown>) => Promise<void>,
  ): Promise<void> {
    const windows = cursor.windows(from);
    for (const window of windows) {
      await this.windows.read(window, this.resumeFor(cursor, window));
      this.sink.windowDone();
      await emit(cursor.finished(window.to));
    }
    // A range that holds no record has still been read up to its end.
    if (windows.length === 0) await emit(cursor.finished());
  }

  /** Checkpoints of a Bulk window: the cursor where it was, plus the window and the job's progress. */
  private resumeFor(cursor: IncrementalCursor, window: Window, from?: BulkProgress): BulkResume | undefined {
    if (!this.ctx.writer.resumableReads) return undefined;
    return {
      from,
      checkpoint: (job) =>
        this.ctx.writer.streamState(this.plan.name, cursor.checkpoint(window, job), this.sink.takeWindowCount()),
    };
  }

  /** Airbyte's resumable full refresh: checkpoints `{__resume: {job}}` while Bulk reads, then the complete marker. */
  private fullRefreshResume(): BulkResume | undefined {
    const { writer } = this.ctx;
    if (!writer.resumableReads || !writer.fullRefreshComplete) return undefined;
    return {
      checkpoint: (job) => writer.streamState(this.plan.name, resumeBlob({ job }), this.sink.takeWindowCount()),
    };
  }

  /** A job an earlier attempt left that this read will not continue: removed, with a LOG line why. */
  private async dropEarlierJob(job: BulkProgress, why: string): Promise<void> {
    this.ctx.writer.info(`Stream '${this.plan.name}': not continuing the earlier Bulk job ${job.job}: ${why}.`);
    await discardJob(this.ctx.client, job, this.ctx.writer.warn);
  }

  /** The probe's page and the ones after it, each handed to the sink, then to `afterPage`. */
  private async restPages(
    first: QueryPage,
    afterPage: (page: QueryPage, last: Record<string, unknown> | undefined) => Promise<void>,
  ): Promise<void> {
    const { plan, sink } = this;
    const values = valueLogFor(plan, sink.log);
    const convert = createRestRecordConverter(plan.schema, plan.fields, values.warn, values.nul);
    sink.api = "REST";
    await sink.estimate(first.totalSize);
    const deliver = async (page: QueryPage): Promise<void> => {
      await sink.records(page.records.map(convert));
      await afterPage(page, page.records.at(-1));
    };
    await deliver(first);
    for await (const page of nextPages(this.ctx.client, first)) await deliver(page);
    sink.windowDone();
  }

  /** formula_refresh: where this sync's range starts and the keys its STATEs carry (formula-refresh.ts). */
  private fullReads(input: StreamCursor | undefined): ConstructorParameters<typeof IncrementalCursor>[5] {
    const { plan, ctx } = this;
    const { formulaFields } = plan.capture;
    const full = planFullRead({
      formulaRefreshMs: ctx.config.formulaRefreshMs,
      formulaFields,
      state: input,
      syncStartedAt: ctx.syncStartedAt,
      startDate: ctx.config.startDate,
      lookbackMs: ctx.config.lookbackMs,
    });
    if (full.refresh) {
      const last = lastFullRead(input);
      const from =
        full.rangeFrom && full.rangeFrom > ctx.config.startDate ? `, resumed at ${full.rangeFrom.toISOString()}` : "";
      ctx.writer.info(
        `Stream '${plan.name}': reading it in full again for its formula fields (${formulaFields.join(", ")}); last full read ${last ? last.toISOString() : "not recorded"}, formula_refresh ${ctx.config.spec.formula_refresh}${from}.`,
      );
    }
    return { rangeFrom: full.rangeFrom, keys: full.keys };
  }

  /**
   * hard_deletes: the deletions since the saved state, through the Composite batcher (an sObject
   * subrequest beside the probes: no API call of its own when it shares one). Resolves once their
   * records are out.
   */
  private hardDeletes(input: StreamCursor | undefined): Promise<number> {
    const { plan, ctx, sink } = this;
    const window = plan.capture.hardDeletes ? deletionsWindow(input, ctx.config, ctx.syncStartedAt) : undefined;
    if (window === undefined) return Promise.resolve(0);
    const emitted = emitHardDeletes({
      client: ctx.client,
      stream: plan.name,
      object: plan.object,
      cursorField: plan.cursorField!,
      window,
      now: ctx.syncStartedAt,
      sink,
      log: ctx.writer,
      fetch: async (range) =>
        parseDeletedRecords(plan.object, await ctx.batcher.resource(deletedRecordsPath(plan.object, range))),
    });
    // Awaited after the probe's first page; a failure before then must not count as unhandled.
    void emitted.catch(() => undefined);
    return emitted;
  }

  /** A first sync starts at the object's earliest change in range rather than at start_date. */
  private async skipEmptyStart(range: Window): Promise<Date> {
    try {
      const first = await earliestCursor(this.ctx.client, this.plan, range);
      if (first === undefined) return range.to;
      return first === null || first < range.from ? range.from : first;
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      this.ctx.writer.warn(
        `Stream '${this.plan.name}': could not look up its first change (${String(error)}); reading every window from the start date.`,
      );
      return range.from;
    }
  }

  private cursorOf(record: Record<string, unknown> | undefined): Date | undefined {
    const value = record?.[this.plan.cursorField!];
    return typeof value === "string" ? parseTimestamp(value, SALESFORCE_VALUE) : undefined;
  }

  private apiLabel(): string {
    return this.windows.usesBulk
      ? `Bulk API ${this.ctx.config.spec.bulk_api.version}`
      : `REST (${this.windows.reasonForRest})`;
  }

  private restLabel(first: QueryPage): string {
    const reason = this.windows.usesBulk
      ? `${first.totalSize} rows, under bulk_threshold ${this.threshold}`
      : this.windows.reasonForRest;
    return `REST (${reason})`;
  }

  private announce(api: string): void {
    const mode = this.plan.incremental ? "incremental" : "full refresh";
    this.ctx.writer.info(`Stream '${this.plan.name}': reading ${this.plan.object} through ${api}, ${mode}.`);
  }
}
