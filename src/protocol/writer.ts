import type { Writable } from "node:stream";
import type { AirbyteMessage, AirbyteStreamStatus } from "./types.js";
import { ConnectorError } from "../errors.js";
import { redact } from "./redact.js";
import { StdoutLines } from "./stdout-lines.js";
import type { SyncOutput } from "../read/sync-output.js";
import { FULL_REFRESH_COMPLETE } from "../read/state.js";

export type LogLevel = "FATAL" | "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";

/**
 * The one writer of stdout: every line is one Airbyte message. Records are serialised once, batched,
 * and writes wait for 'drain' when the reader is slower than we are (backpressure).
 */
export class MessageWriter implements SyncOutput {
  private readonly lines: StdoutLines;

  constructor(out: Writable = process.stdout) {
    this.lines = new StdoutLines(out);
  }

  /** Any non-record message: serialised here, free text redacted. */
  async emit(message: AirbyteMessage): Promise<void> {
    const line =
      message.type === "LOG" || message.type === "TRACE" ? redact(JSON.stringify(message)) : JSON.stringify(message);
    this.lines.push(line);
    // Protocol messages other than records are rare and often mark progress (STATE): let them out now.
    await this.flush();
  }

  /** The hot path: each entry of `dataJson` is one record's data, already serialised. */
  async records(stream: string, dataJson: readonly string[], emittedAt: number): Promise<void> {
    const prefix = `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"data":`;
    const suffix = `,"emitted_at":${emittedAt}}}`;
    for (const data of dataJson) this.lines.push(prefix + data + suffix);
    await this.lines.flushIfFull();
  }

  log(level: LogLevel, message: string): Promise<void> {
    return this.emit({ type: "LOG", log: { level, message } });
  }

  streamStatus(stream: string, status: AirbyteStreamStatus): Promise<void> {
    return this.emit({
      type: "TRACE",
      trace: {
        type: "STREAM_STATUS",
        emitted_at: Date.now(),
        stream_status: { stream_descriptor: { name: stream }, status },
      },
    });
  }

  estimate(stream: string, rowEstimate: number): Promise<void> {
    return this.emit({
      type: "TRACE",
      trace: {
        type: "ESTIMATE",
        emitted_at: Date.now(),
        estimate: { name: stream, type: "STREAM", row_estimate: rowEstimate },
      },
    });
  }

  streamState(stream: string, streamState: Record<string, unknown>, recordCount: number): Promise<void> {
    return this.emit({
      type: "STATE",
      state: {
        type: "STREAM",
        stream: { stream_descriptor: { name: stream }, stream_state: streamState },
        sourceStats: { recordCount },
      },
    });
  }

  /** One STATE after a full-refresh stream's last record, marking it complete as the Python CDK does. */
  fullRefreshComplete(stream: string, recordCount: number): Promise<void> {
    return this.streamState(stream, { ...FULL_REFRESH_COMPLETE }, recordCount);
  }

  traceError(error: ConnectorError, stream?: string): Promise<void> {
    return this.emit({
      type: "TRACE",
      trace: {
        type: "ERROR",
        emitted_at: Date.now(),
        error: {
          message: error.message,
          internal_message: error.internalMessage ?? describeCause(error),
          // An unforeseen error's own stack says where it happened; the wrapper's would not.
          stack_trace: (error.cause instanceof Error ? error.cause.stack : undefined) ?? error.stack,
          failure_type: error.failureType,
          ...(stream ? { stream_descriptor: { name: stream } } : {}),
        },
      },
    });
  }

  flush(): Promise<void> {
    return this.lines.flush();
  }
}

function describeCause(error: Error): string | undefined {
  const cause = error.cause;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}
