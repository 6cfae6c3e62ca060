import type { Writable } from "node:stream";
import type { AirbyteMessage, AirbyteStreamStatus, AirbyteTraceMessage } from "./types.js";
import type { LogLevel } from "../log.js";
import type { RecordFrame, SyncOutput } from "./sync-output.js";
import { ConnectorError } from "../errors.js";
import { redact } from "./redact.js";
import { StdoutLines } from "./stdout-lines.js";
import type { SalesforceSourceSpec as RawConfig } from "../generated/config.js";
import { FULL_REFRESH_COMPLETE } from "./full-refresh-state.js";

/** Messages whose text is ours or Salesforce's, where a secret could be echoed. */
const FREE_TEXT = new Set<AirbyteMessage["type"]>(["LOG", "TRACE", "CONNECTION_STATUS"]);

/**
 * The one writer of stdout: every line is one Airbyte message. Records are serialised once, batched,
 * and writes wait for 'drain' when the reader is slower than we are (backpressure).
 */
export class MessageWriter implements SyncOutput {
  private readonly lines: StdoutLines;

  constructor(out: Writable = process.stdout) {
    this.lines = new StdoutLines(out);
  }

  /**
   * Any non-record message: serialised here, free text (LOG, TRACE, a check's message) redacted. A
   * CONTROL message carries the whole config, secrets included, by design, so it is written as it is.
   */
  async emit(message: AirbyteMessage): Promise<void> {
    const line = FREE_TEXT.has(message.type) ? redact(JSON.stringify(message)) : JSON.stringify(message);
    this.lines.push(line);
    // Protocol messages other than records are rare and often mark progress (STATE): let them out now.
    await this.flush();
  }

  /** The hot path: each entry of `dataJson` is one record's data, already serialised. */
  async records(stream: string, dataJson: readonly string[], emittedAt: number): Promise<void> {
    const { prefix, suffix } = this.recordFrame(stream, emittedAt);
    for (const data of dataJson) this.lines.push(prefix + data + suffix);
    await this.lines.flushIfFull();
  }

  recordFrame(stream: string, emittedAt: number): RecordFrame {
    return {
      prefix: `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"data":`,
      suffix: `,"emitted_at":${emittedAt}}}`,
    };
  }

  async framedRecords(_stream: string, lines: Uint8Array, _count: number, written: () => void): Promise<void> {
    this.lines.pushLines(lines, written);
    await this.lines.flushIfFull();
  }

  log(level: LogLevel, message: string): Promise<void> {
    return this.emit({ type: "LOG", log: { level, message } });
  }

  readonly warn = (message: string): void => void this.log("WARN", message);
  readonly info = (message: string): void => void this.log("INFO", message);

  streamStatus(stream: string, status: AirbyteStreamStatus): Promise<void> {
    return this.trace("STREAM_STATUS", { stream_status: { stream_descriptor: { name: stream }, status } });
  }

  estimate(stream: string, rowEstimate: number): Promise<void> {
    return this.trace("ESTIMATE", { estimate: { name: stream, type: "STREAM", row_estimate: rowEstimate } });
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

  readonly resumableReads = true;

  /** One STATE after a full-refresh stream's last record, marking it complete as the Python CDK does. */
  fullRefreshComplete(stream: string, recordCount: number): Promise<void> {
    return this.streamState(stream, { ...FULL_REFRESH_COMPLETE }, recordCount);
  }

  traceError(error: ConnectorError, stream?: string): Promise<void> {
    return this.trace("ERROR", {
      error: {
        message: error.message,
        internal_message: error.internalMessage ?? describeCause(error),
        // An unforeseen error's own stack says where it happened; the wrapper's would not.
        stack_trace: (error.cause instanceof Error ? error.cause.stack : undefined) ?? error.stack,
        failure_type: error.failureType,
        ...(stream ? { stream_descriptor: { name: stream } } : {}),
      },
    });
  }

  /** The protocol's way to persist a changed config: CONTROL of type CONNECTOR_CONFIG with all of it. */
  configChanged(config: RawConfig): Promise<void> {
    return this.emit({
      type: "CONTROL",
      control: { type: "CONNECTOR_CONFIG", emitted_at: Date.now(), connectorConfig: { config } },
    });
  }

  flush(): Promise<void> {
    return this.lines.flush();
  }

  /** A TRACE message of `type`, stamped now; `body` holds its one payload (stream_status, estimate, error). */
  private trace(
    type: AirbyteTraceMessage["type"],
    body: Omit<AirbyteTraceMessage, "type" | "emitted_at">,
  ): Promise<void> {
    return this.emit({ type: "TRACE", trace: { type, emitted_at: Date.now(), ...body } });
  }
}

function describeCause(error: Error): string | undefined {
  const cause = error.cause;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}
