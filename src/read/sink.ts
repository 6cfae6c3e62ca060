import type { Log } from "../log.js";
import type { RecordFrame, SyncOutput } from "../protocol/sync-output.js";
import type { ApiName } from "../salesforce/api-usage.js";
import type { RecordSink } from "./extractor.js";
import type { StreamProgressFeed } from "./progress.js";
import type { SyncStats } from "./summary.js";

/**
 * Hands a stream's records to the writer and keeps its counts: RUNNING on the first, per-window
 * totals, estimates, progress, and records per API for the summary (`api`: who reads now).
 */
export class StreamSink implements RecordSink {
  private running = false;
  private windowRecords = 0;
  private estimatedBefore = 0;
  private windowEstimate = 0;
  api: ApiName = "REST";
  /** Rewrites a batch before it is written (hard_deletes under query_all: read/hard-deletes.ts). */
  transform: ((batch: string[]) => string[]) | undefined;

  readonly log: Log;

  constructor(
    private readonly name: string,
    private readonly writer: SyncOutput,
    private readonly progress: StreamProgressFeed,
    private readonly stats: SyncStats,
  ) {
    this.log = writer;
  }

  async records(batch: string[]): Promise<void> {
    if (batch.length === 0) return;
    await this.starting();
    await this.writer.records(this.name, this.transform ? this.transform(batch) : batch, Date.now());
    await this.counted(batch.length);
  }

  /** A transform works on each record's data: with one, records come through records(). */
  recordFrame(): RecordFrame | undefined {
    return this.transform ? undefined : this.writer.recordFrame(this.name, Date.now());
  }

  async framedRecords(lines: Uint8Array, count: number, written: () => void): Promise<void> {
    await this.starting();
    await this.writer.framedRecords(this.name, lines, count, written);
    await this.counted(count);
  }

  private async starting(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.writer.streamStatus(this.name, "RUNNING");
  }

  private async counted(count: number): Promise<void> {
    this.windowRecords += count;
    this.stats.records(this.api, count);
    await this.progress.records(count);
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
