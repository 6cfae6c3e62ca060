// Shared by basic_read, full_refresh and incremental: loading a test's config and configured
// catalog, grouping records per stream, and reading cursors out of STATE messages.
import type { AirbyteMessage, ConnectorRun } from "../connector.js";
import { resolvePath } from "../config.js";
import {
  cursorPath,
  loadConfiguredCatalog,
  type AirbyteStream,
  type ConfiguredCatalog,
  type ConfiguredStream,
} from "../catalog.js";
import { loadConnectorConfig, runConnector, type CheckContext } from "../context.js";
import { ofType, records, runFailure, type RecordMessage, type StreamStateMessage } from "../protocol.js";
import { toCursor, valueAtPath, type Cursor } from "../values.js";

export interface ReadTestPaths {
  config_path: string;
  configured_catalog_path?: string;
  timeout_seconds?: number;
}

export interface ReadInputs {
  config: Record<string, unknown>;
  catalog: ConfiguredCatalog;
}

/**
 * The test's config and configured catalog. Without configured_catalog_path the catalog is every
 * discovered stream, as Airbyte's suite builds it: full refresh, or incremental where `incremental`
 * is asked for and the stream supports it.
 */
export async function loadReadInputs(ctx: CheckContext, test: ReadTestPaths, incremental = false): Promise<ReadInputs> {
  const config = await loadConnectorConfig(ctx, test.config_path);
  if (test.configured_catalog_path)
    return { config, catalog: loadConfiguredCatalog(resolvePath(ctx.config, test.configured_catalog_path)) };
  const run = await runConnector(ctx, "discover", { config }, test.timeout_seconds);
  const failure = runFailure(run);
  const catalog = ofType(run, "CATALOG")[0]?.catalog as { streams: AirbyteStream[] } | undefined;
  if (failure || !catalog)
    throw new Error(`no configured_catalog_path, and discover failed: ${failure ?? "no CATALOG"}`);
  return {
    config,
    catalog: {
      streams: catalog.streams.map((stream): ConfiguredStream => {
        const inc = incremental && stream.supported_sync_modes.includes("incremental");
        return {
          stream,
          sync_mode: inc ? "incremental" : "full_refresh",
          destination_sync_mode: inc ? "append" : "overwrite",
          ...(inc && stream.default_cursor_field ? { cursor_field: stream.default_cursor_field } : {}),
        };
      }),
    },
  };
}

export function recordsByStream(run: ConnectorRun): Map<string, RecordMessage[]> {
  const byStream = new Map<string, RecordMessage[]>();
  for (const record of records(run)) {
    const list = byStream.get(record.stream) ?? [];
    list.push(record);
    byStream.set(record.stream, list);
  }
  return byStream;
}

export interface StreamCheckpoint {
  /** The whole STATE message, to pass back as input state. */
  message: AirbyteMessage;
  /** The state's cursor at the stream's cursor path, if it has one that parses. */
  cursor: Cursor | undefined;
  /** Index of the message in the run's output. */
  position: number;
}

/** The (stream name, stream_state) pairs a state message carries, for each state type. */
export function streamStatesOf(state: StreamStateMessage): Array<{ name: string; state: unknown }> {
  const type = state.type ?? "LEGACY";
  if (type === "STREAM" && state.stream)
    return [{ name: state.stream.stream_descriptor.name, state: state.stream.stream_state }];
  if (type === "GLOBAL")
    return (state.global?.stream_states ?? []).map((s) => ({ name: s.stream_descriptor.name, state: s.stream_state }));
  if (type === "LEGACY" && state.data !== null && typeof state.data === "object")
    return Object.entries(state.data as Record<string, unknown>).map(([name, s]) => ({ name, state: s }));
  return [];
}

/** For each configured incremental stream, its STATE messages in order, with their cursors. */
export function checkpoints(run: ConnectorRun, catalog: ConfiguredCatalog): Map<string, StreamCheckpoint[]> {
  const cursorPaths = new Map(
    catalog.streams.filter((s) => s.sync_mode === "incremental").map((s) => [s.stream.name, cursorPath(s) ?? []]),
  );
  const byStream = new Map<string, StreamCheckpoint[]>();
  run.messages.forEach((message, position) => {
    if (message.type !== "STATE") return;
    for (const { name, state } of streamStatesOf(message.state as StreamStateMessage)) {
      const path = cursorPaths.get(name);
      if (!path) continue;
      const list = byStream.get(name) ?? [];
      list.push({ message, cursor: toCursor(valueAtPath(state, path)), position });
      byStream.set(name, list);
    }
  });
  return byStream;
}

/** An input state made of the chosen checkpoint of each stream (the STATE messages as Airbyte passes them). */
export function stateInput(chosen: Iterable<StreamCheckpoint>): unknown[] {
  const list = [...chosen].sort((a, b) => a.position - b.position);
  // GLOBAL and LEGACY messages each hold every stream: only the latest chosen one can be passed.
  if (list.some((c) => (c.message.state as StreamStateMessage).type !== "STREAM"))
    return list.length ? [list.at(-1)!.message.state] : [];
  return [...new Set(list.map((c) => c.message))].map((m) => m.state);
}
