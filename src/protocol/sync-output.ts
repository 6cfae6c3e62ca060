import type { AirbyteStreamStatus } from "./types.js";
import type { ConnectorError } from "../errors.js";
import type { Log } from "../log.js";
import type { SalesforceSourceSpec as RawConfig } from "../generated/config.js";

/**
 * What a sync writes to. The Airbyte CLI's MessageWriter and the Singer tap's SingerWriter both
 * implement it, so one sync loop (windows, state rules, retries) serves both protocols.
 */
/** The text around a record's data on its output line: `prefix + dataJson + suffix`, then a newline. */
export interface RecordFrame {
  prefix: string;
  suffix: string;
}

export interface SyncOutput extends Log {
  /** Each entry of `dataJson` is one record's data, already serialised. */
  records(stream: string, dataJson: readonly string[], emittedAt: number): Promise<void>;
  /** How this output frames a record of `stream`: what a parse worker needs to write whole lines itself. */
  recordFrame(stream: string, emittedAt: number): RecordFrame;
  /**
   * `count` record lines framed with recordFrame, UTF-8, each ending in a newline: written as they
   * are; `written` is called once stdout has them (the buffer may then be reused).
   */
  framedRecords(stream: string, lines: Uint8Array, count: number, written: () => void): Promise<void>;
  /** The stream's cursor after a finished window; `recordCount` records were written since the last one. */
  streamState(stream: string, streamState: Record<string, unknown>, recordCount: number): Promise<void>;
  /**
   * A full-refresh stream wrote its last record, `recordCount` of them since its last STATE. The
   * Airbyte writer says so with a STATE (what CAT at strictness high and the CDK expect); a Singer
   * tap keeps no bookmark for a FULL_TABLE stream, so the Singer writer has no such method.
   */
  fullRefreshComplete?(stream: string, recordCount: number): Promise<void>;
  /**
   * The protocol keeps a stream's checkpoints of a Bulk read under way (`__resume` beside the cursor,
   * read/bulk-progress.ts), so a killed read continues its job. Airbyte's stream state is opaque
   * JSON; the Singer tap's bookmarks hold only the replication key (its documented contract), so it
   * does not set this and its reads emit no checkpoints.
   */
  readonly resumableReads?: boolean;
  streamStatus(stream: string, status: AirbyteStreamStatus): Promise<void>;
  estimate(stream: string, rowEstimate: number): Promise<void>;
  traceError(error: ConnectorError, stream?: string): Promise<void>;
  /**
   * The config changed during the run (Salesforce rotated the refresh token): `config` is the whole
   * config to use from now on. Airbyte persists it from a CONTROL message; the Singer tap rewrites
   * its config file.
   */
  configChanged(config: RawConfig): Promise<void>;
  flush(): Promise<void>;
}
