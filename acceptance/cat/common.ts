// Ports of connector_acceptance_test/utils/common.py: the configured catalogs CAT builds (from the
// discovered catalog, or from a custom file whose streams are replaced by the discovered ones) and
// the full-refresh-only / incremental-only variants its tests derive from them.
import { readFileSync } from "node:fs";
import type { AirbyteMessage } from "./models.js";
import { isValidModel } from "./models.js";
import { parsePyJson } from "./python.js";
import { fail } from "./pytest.js";

export interface AirbyteStream {
  name: string;
  namespace?: string | null;
  json_schema: Record<string, unknown>;
  supported_sync_modes: string[];
  source_defined_cursor?: boolean | null;
  default_cursor_field?: string[] | null;
  source_defined_primary_key?: string[][] | null;
  [key: string]: unknown;
}

export interface ConfiguredStream {
  stream: AirbyteStream;
  sync_mode: string;
  destination_sync_mode: string;
  cursor_field?: string[] | null;
  primary_key?: string[][] | null;
  [key: string]: unknown;
}

export interface ConfiguredCatalog {
  streams: ConfiguredStream[];
}

export type DiscoveredCatalog = Map<string, AirbyteStream>;

/** build_configured_catalog_from_discovered_catalog_and_empty_streams */
export function catalogFromDiscovered(
  discovered: DiscoveredCatalog,
  emptyStreams: ReadonlyArray<{ name: string }>,
): ConfiguredCatalog {
  const empty = new Set(emptyStreams.map((s) => s.name));
  return {
    streams: [...discovered.values()]
      .filter((stream) => !empty.has(stream.name))
      .map((stream) => ({
        stream: structuredClone(stream),
        sync_mode: stream.supported_sync_modes[0]!,
        destination_sync_mode: "append",
        cursor_field: stream.default_cursor_field ?? null,
        primary_key: stream.source_defined_primary_key ?? null,
      })),
  };
}

/** build_configured_catalog_from_custom_catalog: the file's streams, each replaced by the discovered one. */
export function catalogFromCustom(path: string, discovered: DiscoveredCatalog): ConfiguredCatalog {
  let catalog: unknown;
  try {
    catalog = parsePyJson(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`ConfiguredAirbyteCatalog.parse_file(${path}): ${(error as Error).message}`);
  }
  if (!isValidModel("ConfiguredAirbyteCatalog", catalog))
    throw new Error(`ConfiguredAirbyteCatalog.parse_file(${path}): not a valid ConfiguredAirbyteCatalog`);
  const parsed = catalog as ConfiguredCatalog;
  for (const configured of parsed.streams) {
    const stream = discovered.get(configured.stream.name);
    if (!stream)
      fail(`The ${configured.stream.name} stream you have set in ${path} is not part of the discovered_catalog`);
    configured.stream = structuredClone(stream);
  }
  return parsed;
}

/** full_refresh_only_catalog (mutates, as CAT's does) */
export function fullRefreshOnlyCatalog(catalog: ConfiguredCatalog): ConfiguredCatalog {
  catalog.streams = catalog.streams.filter((s) => s.stream.supported_sync_modes.includes("full_refresh"));
  for (const s of catalog.streams) s.sync_mode = "full_refresh";
  return catalog;
}

/** incremental_only_catalog (mutates, as CAT's does) */
export function incrementalOnlyCatalog(catalog: ConfiguredCatalog): ConfiguredCatalog {
  catalog.streams = catalog.streams.filter((s) => s.stream.supported_sync_modes.includes("incremental"));
  for (const s of catalog.streams) s.sync_mode = "incremental";
  return catalog;
}

/** filter_output(messages, type) */
export function filterOutput(messages: readonly AirbyteMessage[], type: string): AirbyteMessage[] {
  return messages.filter((m) => m.type === type);
}

export interface RecordMessage {
  stream: string;
  namespace?: string | null;
  data: Record<string, unknown>;
  emitted_at: number;
}

export interface StateMessage {
  type?: string | null;
  stream?: {
    stream_descriptor: { name: string; namespace?: string | null };
    stream_state?: Record<string, unknown> | null;
  } | null;
  global?: unknown;
  data?: unknown;
  sourceStats?: { recordCount?: number | null } | null;
}

export const recordOf = (m: AirbyteMessage): RecordMessage => m.record as RecordMessage;
export const stateOf = (m: AirbyteMessage): StateMessage => m.state as StateMessage;
