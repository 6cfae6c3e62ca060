// Configured catalogs: loading (validated as ConfiguredAirbyteCatalog) and the per-test variants
// Airbyte's suite derives from them (full-refresh-only, incremental-only).
import { formatErrors, protocolValidator } from "./protocol.js";
import { readJsonFile } from "./environment.js";

export interface AirbyteStream {
  name: string;
  namespace?: string;
  json_schema: Record<string, unknown>;
  supported_sync_modes: string[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  [key: string]: unknown;
}

export interface ConfiguredStream {
  stream: AirbyteStream;
  sync_mode: "full_refresh" | "incremental";
  destination_sync_mode: string;
  cursor_field?: string[];
  primary_key?: string[][];
  [key: string]: unknown;
}

export interface ConfiguredCatalog {
  streams: ConfiguredStream[];
}

export function loadConfiguredCatalog(path: string): ConfiguredCatalog {
  const catalog = readJsonFile(path);
  const validate = protocolValidator("ConfiguredAirbyteCatalog");
  if (!validate(catalog))
    throw new Error(`${path} is not a ConfiguredAirbyteCatalog: ${formatErrors(validate.errors)}`);
  return catalog as ConfiguredCatalog;
}

/** The cursor a configured incremental stream syncs on: its cursor_field, else the stream's default. */
export function cursorPath(configured: ConfiguredStream): string[] | undefined {
  const path = configured.cursor_field?.length ? configured.cursor_field : configured.stream.default_cursor_field;
  return path?.length ? path : undefined;
}

export function primaryKey(configured: ConfiguredStream): string[][] | undefined {
  const key = configured.primary_key?.length ? configured.primary_key : configured.stream.source_defined_primary_key;
  return key?.length ? key : undefined;
}

/** Every stream that supports full refresh, set to full refresh (for the sequential-reads test). */
export function fullRefreshOnly(catalog: ConfiguredCatalog): ConfiguredCatalog {
  return {
    streams: catalog.streams
      .filter((s) => s.stream.supported_sync_modes.includes("full_refresh"))
      .map(({ cursor_field: _cursor, ...s }) => ({
        ...s,
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite",
      })),
  };
}

/** The configured incremental streams only. */
export function incrementalOnly(catalog: ConfiguredCatalog): ConfiguredCatalog {
  return { streams: catalog.streams.filter((s) => s.sync_mode === "incremental") };
}
