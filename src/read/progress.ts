// Progress of a read for people: Airbyte's sync log and Meltano's stderr show a LOG line per stream
// at most every interval while its records flow; with `--progress` on a terminal, one live line on
// stderr instead. Self-contained: the sync feeds it "n records emitted", "estimate n" and "stream
// done"; it knows nothing of windows, APIs or protocols.

import type { Log } from "../log.js";

/** Milliseconds since the epoch; injectable so tests drive time. */
export type Clock = () => number;

export const DEFAULT_PROGRESS_INTERVAL_MS = 30_000;

/** The LOG interval; tests shorten it (as SOURCE_SALESFORCE_POLL_BASE_MS shortens Bulk polling). */
export function progressIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.SOURCE_SALESFORCE_PROGRESS_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_PROGRESS_INTERVAL_MS;
}

export interface ProgressSnapshot {
  stream: string;
  records: number;
  /** Salesforce's row count for the queries started so far, when it gave one. */
  estimate: number | undefined;
  /** Records after the first batch over the time since it; undefined before any time has passed. */
  recordsPerSecond: number | undefined;
  /** Only when the estimate is ahead of the records and there is a rate. */
  etaSeconds: number | undefined;
}

/** One stream's counts; decides when a progress line is due. */
export class StreamProgress {
  private records = 0;
  private estimate: number | undefined;
  private firstRecordAt: number | undefined;
  /** The first batch arrived at `firstRecordAt` after an unknown wait: the rate leaves it out. */
  private firstBatch = 0;
  private lastReportAt: number;
  private finished = false;

  constructor(
    readonly stream: string,
    private readonly intervalMs: number,
    private readonly now: Clock = Date.now,
  ) {
    // The first line comes one interval after the stream starts, not at its first record.
    this.lastReportAt = now();
  }

  /** Counts `n` more records emitted; returns a snapshot when a report is due (at most once per interval). */
  recordsEmitted(n: number): ProgressSnapshot | undefined {
    if (this.finished) return undefined;
    const at = this.now();
    if (this.firstRecordAt === undefined) {
      this.firstRecordAt = at;
      this.firstBatch = n;
    }
    this.records += n;
    if (at - this.lastReportAt < this.intervalMs) return undefined;
    this.lastReportAt = at;
    return this.snapshot();
  }

  /** Salesforce's total for the stream so far (the sync adds up its windows' counts). */
  setEstimate(total: number): void {
    if (!this.finished) this.estimate = total;
  }

  /** No report after this. */
  done(): void {
    this.finished = true;
  }

  get isDone(): boolean {
    return this.finished;
  }

  snapshot(): ProgressSnapshot {
    const seconds = this.firstRecordAt === undefined ? 0 : (this.now() - this.firstRecordAt) / 1000;
    const recordsPerSecond = seconds > 0 ? (this.records - this.firstBatch) / seconds : undefined;
    const left = this.estimate === undefined ? 0 : this.estimate - this.records;
    return {
      stream: this.stream,
      records: this.records,
      estimate: this.estimate,
      recordsPerSecond,
      etaSeconds: left > 0 && recordsPerSecond ? left / recordsPerSecond : undefined,
    };
  }
}

const count = (n: number): string => Math.round(n).toLocaleString("en-US");

/** "12 s", "4 min", "1 h 05 min": precise enough to plan around. */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** The LOG line: `Stream 'Account': 120,000 of ~200,000 records (60%), 4,000 records/s, ETA 20 s.` */
export function progressLine(s: ProgressSnapshot): string {
  const parts = [
    s.estimate !== undefined && s.records <= s.estimate
      ? `${count(s.records)} of ~${count(s.estimate)} records (${percent(s)})`
      : `${count(s.records)} records so far`,
  ];
  if (s.recordsPerSecond !== undefined) parts.push(`${count(s.recordsPerSecond)} records/s`);
  if (s.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(s.etaSeconds)}`);
  return `Stream '${s.stream}': ${parts.join(", ")}.`;
}

/** The live form, several streams side by side: `Account 120,000/~200,000 60% 4,000/s ETA 20 s`. */
export function compactProgress(s: ProgressSnapshot): string {
  const parts = [
    s.estimate !== undefined && s.records <= s.estimate
      ? `${count(s.records)}/~${count(s.estimate)} ${percent(s)}`
      : count(s.records),
  ];
  if (s.recordsPerSecond !== undefined) parts.push(`${count(s.recordsPerSecond)}/s`);
  if (s.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(s.etaSeconds)}`);
  return `${s.stream} ${parts.join(" ")}`;
}

function percent(s: ProgressSnapshot): string {
  return s.estimate ? `${Math.floor((100 * s.records) / s.estimate)}%` : "100%";
}

/** What the sync loop holds per stream. */
export interface StreamProgressFeed {
  records(n: number): Promise<void>;
  estimate(total: number): void;
  done(): void;
}

/** What the sync loop holds per sync. */
export interface SyncProgress {
  stream(name: string): StreamProgressFeed;
  /** The sync is over: a live line is erased. */
  close(): void;
}

/** The part of a tty stream the live line uses (process.stderr, or a fake in tests). */
export interface Terminal {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressOptions {
  /** `--progress`: a live line instead of LOG lines, when `terminal` is a tty. */
  live: boolean;
  /** Writes one progress LOG line (INFO). */
  log: Log["info"];
  terminal?: Terminal;
  intervalMs?: number;
  now?: Clock;
}

/** LOG lines, or the live line when `--progress` was given and stderr is a terminal. */
export function startProgress(options: ProgressOptions): SyncProgress {
  const terminal = options.terminal ?? process.stderr;
  const now = options.now ?? Date.now;
  if (options.live && terminal.isTTY === true) return new LiveProgress(terminal, now);
  return new LoggedProgress(options.log, options.intervalMs ?? progressIntervalMs(), now);
}

class LoggedProgress implements SyncProgress {
  constructor(
    private readonly log: Log["info"],
    private readonly intervalMs: number,
    private readonly now: Clock,
  ) {}

  stream(name: string): StreamProgressFeed {
    const tracker = new StreamProgress(name, this.intervalMs, this.now);
    return {
      records: async (n) => {
        const due = tracker.recordsEmitted(n);
        if (due) this.log(progressLine(due));
      },
      estimate: (total) => tracker.setEstimate(total),
      done: () => tracker.done(),
    };
  }

  close(): void {}
}

/** How often the live line is redrawn while records flow. */
export const LIVE_REDRAW_MS = 200;

/**
 * One line on a terminal, redrawn in place (`\r` + text + erase to end of line) with every active
 * stream. Other writers share the terminal (the Singer tap logs to stderr): each of their writes
 * first erases the line, which the next redraw brings back below their text.
 */
class LiveProgress implements SyncProgress {
  private readonly active = new Set<StreamProgress>();
  private readonly terminalWrite: (chunk: string) => boolean;
  /** The terminal's own `write` property, if it had one (process.stderr's is inherited). */
  private readonly ownWrite: PropertyDescriptor | undefined;
  private visible = false;
  private lastDrawAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly terminal: Terminal,
    private readonly now: Clock,
  ) {
    this.ownWrite = Object.getOwnPropertyDescriptor(terminal, "write");
    const write = terminal.write.bind(terminal) as (...args: unknown[]) => boolean;
    this.terminalWrite = write;
    terminal.write = (...args: unknown[]): boolean => {
      this.erase();
      return write(...args);
    };
  }

  stream(name: string): StreamProgressFeed {
    // The live line is time-throttled itself; the tracker's interval only matters for LOG lines.
    const tracker = new StreamProgress(name, Number.POSITIVE_INFINITY, this.now);
    this.active.add(tracker);
    return {
      records: async (n) => {
        tracker.recordsEmitted(n);
        if (this.now() - this.lastDrawAt >= LIVE_REDRAW_MS) this.draw();
      },
      estimate: (total) => tracker.setEstimate(total),
      done: () => {
        tracker.done();
        this.active.delete(tracker);
        this.draw();
      },
    };
  }

  close(): void {
    this.active.clear();
    this.erase();
    // Other writers write straight to the terminal again.
    if (this.ownWrite) Object.defineProperty(this.terminal, "write", this.ownWrite);
    else delete (this.terminal as Partial<Terminal>).write;
  }

  private draw(): void {
    this.lastDrawAt = this.now();
    // Streams that started but have no record yet (a Bulk job running) take no room.
    const shown = [...this.active].map((t) => t.snapshot()).filter((s) => s.records > 0);
    if (shown.length === 0) return this.erase();
    const text = shown.map(compactProgress).join(" | ");
    // A pty without a size reports 0 columns.
    const width = Math.max(20, (this.terminal.columns || 80) - 1);
    this.terminalWrite(`\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\x1b[K`);
    this.visible = true;
  }

  private erase(): void {
    if (!this.visible) return;
    this.visible = false;
    this.terminalWrite("\r\x1b[K");
  }
}
