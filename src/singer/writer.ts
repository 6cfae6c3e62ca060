import type { Writable } from "node:stream";
import type { AirbyteStreamStatus } from "../protocol/types.js";
import type { ConnectorError } from "../errors.js";
import type { LogLevel } from "../log.js";
import type { RecordFrame, SyncOutput } from "../protocol/sync-output.js";
import type { SelectedStream } from "./catalog.js";
import { redact } from "../protocol/redact.js";
import { StdoutLines } from "../protocol/stdout-lines.js";
import type { RawConfig } from "../config.js";
import { rewriteJsonFile } from "./config-file.js";

export interface SingerWriterOptions {
  /** The selected streams, by tap_stream_id (the name the sync uses). */
  streams?: readonly SelectedStream[];
  /** Bookmarks of the input state: carried into every STATE, so streams not synced keep theirs. */
  bookmarks?: Record<string, unknown>;
  /** The --config file: a changed config (a rotated refresh token) is written back to it. */
  configFile?: string;
  out?: Writable;
  err?: Writable;
}

/**
 * The Singer tap's SyncOutput: stdout carries only SCHEMA, RECORD and STATE lines; logs go to
 * stderr as `LEVEL message`, redacted. A stream's SCHEMA is written when the sync starts it, so it
 * precedes the stream's records and states. Each STATE holds the bookmarks of every stream.
 */
export class SingerWriter implements SyncOutput {
  /** True once any stream failed: the tap then exits non-zero. */
  failed = false;
  private readonly lines: StdoutLines;
  private readonly streams: Map<string, SelectedStream>;
  private readonly announced = new Set<string>();
  private readonly recordPrefixes = new Map<string, string>();
  private readonly bookmarks: Record<string, unknown>;
  private readonly err: Writable;
  private readonly configFile: string | undefined;

  constructor(options: SingerWriterOptions = {}) {
    this.streams = new Map((options.streams ?? []).map((s) => [s.tapStreamId, s]));
    this.bookmarks = { ...options.bookmarks };
    this.lines = new StdoutLines(options.out ?? process.stdout);
    this.err = options.err ?? process.stderr;
    this.configFile = options.configFile;
  }

  /** The hot path: each entry of `dataJson` is one record, already serialised. */
  async records(stream: string, dataJson: readonly string[], emittedAt: number): Promise<void> {
    this.announce(stream);
    const { prefix, suffix } = this.recordFrame(stream, emittedAt);
    for (const data of dataJson) this.lines.push(prefix + data + suffix);
    await this.lines.flushIfFull();
  }

  recordFrame(stream: string, emittedAt: number): RecordFrame {
    let prefix = this.recordPrefixes.get(stream);
    if (prefix === undefined) {
      prefix = `{"type":"RECORD","stream":${JSON.stringify(this.outputName(stream))},"record":`;
      this.recordPrefixes.set(stream, prefix);
    }
    return { prefix, suffix: `,"time_extracted":"${new Date(emittedAt).toISOString()}"}` };
  }

  async framedRecords(stream: string, lines: Uint8Array, _count: number, written: () => void): Promise<void> {
    this.announce(stream);
    this.lines.pushLines(lines, written);
    await this.lines.flushIfFull();
  }

  async streamState(stream: string, streamState: Record<string, unknown>, _recordCount: number): Promise<void> {
    this.announce(stream);
    this.bookmarks[stream] = streamState;
    this.push(JSON.stringify({ type: "STATE", value: { bookmarks: this.bookmarks } }));
    // A STATE marks progress a target may commit: let it out now, after the records it covers.
    await this.flush();
  }

  async streamStatus(stream: string, status: AirbyteStreamStatus): Promise<void> {
    if (status === "STARTED") this.announce(stream);
    else if (status === "COMPLETE") this.logLine("INFO", `Stream '${stream}' is complete.`);
    else if (status === "INCOMPLETE") this.logLine("WARN", `Stream '${stream}' did not finish.`);
    await this.lines.flushIfFull();
  }

  async estimate(_stream: string, _rowEstimate: number): Promise<void> {}

  readonly warn = (message: string): void => this.logLine("WARN", message);
  readonly info = (message: string): void => this.logLine("INFO", message);

  async traceError(error: ConnectorError, stream?: string): Promise<void> {
    this.failed = true;
    this.logLine("ERROR", `${stream === undefined ? "" : `Stream '${stream}': `}${error.message}`);
  }

  /**
   * Singer has no message for a changed config: the tap rewrites its --config file, as singer-io's
   * tap-salesforce does, so the next run starts with the rotated refresh token. If the file cannot be
   * written, the run goes on (its session is valid) but fails at the end: the next one would not log in.
   */
  async configChanged(config: RawConfig): Promise<void> {
    if (this.configFile === undefined) return;
    try {
      await rewriteJsonFile(this.configFile, config);
      this.logLine("INFO", `Salesforce rotated the refresh token; the new one is saved in ${this.configFile}.`);
    } catch (error) {
      this.failed = true;
      const code = (error as NodeJS.ErrnoException).code ?? "write failed";
      this.logLine(
        "ERROR",
        `Salesforce rotated the refresh token, but ${this.configFile} could not be rewritten (${code}), and the old token no longer works. Make the file and its directory writable, then get a new refresh token for credentials.refresh_token.`,
      );
    }
  }

  /** Writes a whole document (the catalog, --about) to stdout. */
  async document(text: string): Promise<void> {
    this.push(text);
    await this.flush();
  }

  flush(): Promise<void> {
    return this.lines.flush();
  }

  /** Writes the stream's SCHEMA once, before anything else of that stream. */
  private announce(stream: string): void {
    if (this.announced.has(stream)) return;
    this.announced.add(stream);
    const selected = this.streams.get(stream);
    if (!selected) return;
    this.push(
      JSON.stringify({
        type: "SCHEMA",
        stream: selected.stream,
        schema: selected.schema,
        key_properties: selected.keyProperties,
        ...(selected.bookmarkProperties ? { bookmark_properties: selected.bookmarkProperties } : {}),
      }),
    );
  }

  private outputName(stream: string): string {
    return this.streams.get(stream)?.stream ?? stream;
  }

  private push(line: string): void {
    this.lines.push(line);
  }

  private logLine(level: LogLevel, message: string): void {
    this.err.write(`${level} ${redact(message)}\n`);
  }
}
