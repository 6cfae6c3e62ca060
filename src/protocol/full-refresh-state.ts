// Airbyte's markers for a finished full refresh (protocol conventions of the Python CDK).

/**
 * The stream_state after a full-refresh stream's last record. It is the Airbyte Python CDK's: its
 * FullRefreshCheckpointReader (airbyte_cdk/sources/streams/checkpoint/checkpoint_reader.py) emits
 * {"__ab_no_cursor_state_message": true} (NO_CURSOR_STATE_KEY, airbyte_cdk/sources/streams/core.py)
 * once a stream that cannot checkpoint has read everything.
 */
export const FULL_REFRESH_COMPLETE: Readonly<Record<string, unknown>> = Object.freeze({
  __ab_no_cursor_state_message: true,
});

/**
 * Keys that only say a full refresh finished: the marker above, and the CDK's resumable full
 * refresh one (FULL_REFRESH_COMPLETE_STATE, {"__ab_full_refresh_sync_complete": true}). A state
 * holding only these has no cursor: the stream is read from the start.
 */
export const COMPLETION_KEYS: ReadonlySet<string> = new Set([
  "__ab_no_cursor_state_message",
  "__ab_full_refresh_sync_complete",
]);
