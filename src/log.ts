// The one way a module tells the person running the connector something. Records, state and the
// other protocol messages go through SyncOutput (protocol/sync-output.ts), which extends this; the
// Airbyte writer carries log lines as LOG messages, the Singer writer as stderr lines.

/** The levels of an Airbyte LOG message. */
export type LogLevel = "FATAL" | "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";

/**
 * Both members are plain functions, so either may be handed on alone: a module that only ever warns
 * (the field-type table, the record encoders) takes `Log["warn"]`. Logging never waits for stdout.
 */
export interface Log {
  /** Something the person running the sync should look at; the sync goes on. */
  readonly warn: (message: string) => void;
  /** Progress: which API a stream reads through, how many requests a sync sent. */
  readonly info: (message: string) => void;
}

/** For a caller with nowhere to report to. */
export const SILENT_LOG: Log = { warn: () => {}, info: () => {} };
