import type { Config } from "../config.js";
import type { Log } from "../log.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import type { BulkResume } from "./bulk-progress.js";
import type { RecordFrame } from "../protocol/sync-output.js";

/** Where extracted records go: each record's data already serialised as JSON. */
export interface RecordSink {
  records(dataJson: string[]): Promise<void>;
  /**
   * How each record's line is framed around its data, so a parse worker can write whole lines
   * (read/records/parse-pool.ts); undefined (or absent) when records must come through records().
   */
  recordFrame?(): RecordFrame | undefined;
  /** `count` whole record lines framed with recordFrame(), UTF-8; `written` is called once they are out. */
  framedRecords?(lines: Uint8Array, count: number, written: () => void): Promise<void>;
  /** Salesforce's own count of what the query returns, where it reports one. */
  estimate(rows: number): Promise<void>;
  readonly log: Log;
}

/**
 * Reads one window of a stream (without a window: the whole stream) through one Salesforce API and
 * hands every record to the sink. One implementation per API: extract-bulk2.ts, extract-bulk1.ts,
 * extract-rest.ts; extract.ts chooses. The Bulk ones continue an earlier run's job and report their
 * progress through `resume` (bulk-progress.ts); REST has no job to keep and ignores it.
 */
export type Extractor = (
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
  resume?: BulkResume,
) => Promise<void>;
