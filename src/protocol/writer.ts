import type { Writable } from "node:stream";
import type { AirbyteMessage, AirbyteStreamStatus } from "./types.js";
import { ConnectorError } from "../errors.js";
import { redact } from "./redact.js";
import type { SyncOutput } from "../read/sync-output.js";

/** Bytes gathered before one write to stdout: fewer, larger writes are what makes a million records cheap. */
const FLUSH_BYTES = 256 * 1024;

export type LogLevel = "FATAL" | "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";

/**
 * The one writer of stdout: every line is one Airbyte message. Records are serialised once, batched,
 * and writes wait for 'drain' when the reader is slower than we are (backpressure).
 */
export class MessageWriter implements SyncOutput {
  private buffer: string[] = [];
  private bufferedBytes = 0;

  constructor(private readonly out: Writable = process.stdout) {}

  /** Any non-record message: serialised here, free text redacted. */
  async emit(message: AirbyteMessage): Promise<void> {
    const line =
      message.type === "LOG" || message.type === "TRACE" ? redact(JSON.stringify(message)) : JSON.stringify(message);
    await this.push(line);
    // Protocol messages other than records are rare and often mark progress (STATE): let them out now.
    await this.flush();
  }

  /** The hot path: each entry of `dataJson` is one record's data, already serialised. */
  async records(stream: string, dataJson: readonly string[], emittedAt: number): Promise<void> {
    const prefix = `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"data":`;
    const suffix = `,"emitted_at":${emittedAt}}}\n`;
    for (const data of dataJson) {
      const line = prefix + data + suffix;
      this.buffer.push(line);
      this.bufferedBytes += line.length;
    }
    if (this.bufferedBytes >= FLUSH_BYTES) await this.flush();
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

  async flush(): Promise<void> {
    if (this.bufferedBytes === 0) return;
    const chunk = this.buffer.join("");
    this.buffer = [];
    this.bufferedBytes = 0;
    if (!this.out.write(chunk)) await waitForDrain(this.out);
  }

  private async push(line: string): Promise<void> {
    this.buffer.push(line, "\n");
    this.bufferedBytes += line.length + 1;
    if (this.bufferedBytes >= FLUSH_BYTES) await this.flush();
  }
}

function describeCause(error: Error): string | undefined {
  const cause = error.cause;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}

function waitForDrain(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off("error", onError);
      resolve();
    };
    const onError = (err: Error): void => {
      out.off("drain", onDrain);
      reject(err);
    };
    out.once("drain", onDrain);
    out.once("error", onError);
  });
}
