// Airbyte catalog <-> Singer catalog. Discovery is the Airbyte connector's; this module only
// re-expresses each stream as a Singer catalog entry with breadcrumb metadata, and turns a Singer
// catalog with `selected` metadata back into the ConfiguredAirbyteCatalog the shared read runs.
import type {
  AirbyteCatalog,
  AirbyteStream,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
} from "../protocol/types.js";
import type { Log } from "../log.js";
import { configError } from "../errors.js";
import { isObject } from "../util/is-object.js";
import { CDC_DELETED_AT } from "../catalog/object-stream.js";

export type Breadcrumb = string[];

export interface SingerMetadataEntry {
  breadcrumb: Breadcrumb;
  metadata: Record<string, unknown>;
}

export interface SingerCatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: Record<string, unknown>;
  metadata: SingerMetadataEntry[];
}

export interface SingerCatalog {
  streams: SingerCatalogEntry[];
}

/** What the writer needs to announce one selected stream (SCHEMA) and name it in RECORD/STATE. */
export interface SelectedStream {
  /** The catalog's tap_stream_id: the Airbyte stream name the sync uses, and the bookmark key. */
  tapStreamId: string;
  /** The catalog's `stream`: the name RECORD and SCHEMA messages carry. */
  stream: string;
  /** The stream's schema restricted to the selected and automatic properties. */
  schema: Record<string, unknown>;
  keyProperties: string[];
  /** [replication key] for incremental streams, absent for full table. */
  bookmarkProperties: string[] | undefined;
}

export interface Selection {
  catalog: ConfiguredAirbyteCatalog;
  streams: SelectedStream[];
}

const INCREMENTAL = "INCREMENTAL";
const FULL_TABLE = "FULL_TABLE";

// ---------------------------------------------------------------------------------------------
// Discover: Airbyte stream -> Singer catalog entry
// ---------------------------------------------------------------------------------------------

/**
 * One Singer entry per discovered stream. Streams are not selected by default (an org has hundreds
 * of objects); fields are, so selecting a stream alone reads all of its fields. The primary key and
 * the replication key are `automatic`; every field of a query stream is too, since its SOQL (not
 * the catalog) decides what is read.
 */
export function toSingerCatalog(catalog: AirbyteCatalog, queryStreamNames: ReadonlySet<string>): SingerCatalog {
  return { streams: catalog.streams.map((stream) => toSingerEntry(stream, queryStreamNames.has(stream.name))) };
}

function toSingerEntry(stream: AirbyteStream, isQueryStream: boolean): SingerCatalogEntry {
  const keyProperties = primaryKeyFields(stream);
  const replicationKey = stream.supported_sync_modes.includes("incremental")
    ? stream.default_cursor_field?.[0]
    : undefined;
  const streamMetadata: Record<string, unknown> = {
    inclusion: "available",
    "selected-by-default": false,
    "table-key-properties": keyProperties,
    "valid-replication-keys": replicationKey === undefined ? [] : [replicationKey],
  };
  if (replicationKey === undefined) {
    streamMetadata["forced-replication-method"] = FULL_TABLE;
    streamMetadata["replication-method"] = FULL_TABLE;
  } else {
    streamMetadata["replication-method"] = INCREMENTAL;
    streamMetadata["replication-key"] = replicationKey;
  }
  // hard_deletes' marker is written by the connector, and a destination needs it to apply deletes.
  const automatic = new Set([
    ...keyProperties,
    ...(replicationKey === undefined ? [] : [replicationKey]),
    CDC_DELETED_AT,
  ]);
  const properties = propertiesOf(stream.json_schema);
  const metadata: SingerMetadataEntry[] = [{ breadcrumb: [], metadata: streamMetadata }];
  for (const field of Object.keys(properties)) {
    metadata.push({
      breadcrumb: ["properties", field],
      metadata: {
        inclusion: isQueryStream || automatic.has(field) ? "automatic" : "available",
        "selected-by-default": true,
      },
    });
  }
  return { tap_stream_id: stream.name, stream: stream.name, schema: oneTypePerProperty(stream.json_schema), metadata };
}

/**
 * Singer targets want one JSON type per property: the Meltano SDK's SQL targets store a property of
 * several non-null types as VARCHAR (singer_sdk/sql/connector.py, JSONSchemaToSQL
 * `handle_multiple_types`), and the SDK's standard attribute tests (is_boolean, is_numeric,
 * is_object) fail on such a union. So a property typed with more than one non-null type (anyType:
 * string|number|boolean; json and complexvalue: any JSON) is a string here, nested properties too.
 * The sync reads by this schema: such values arrive as text (numbers and booleans as written, JSON
 * values as JSON text), so records match the SCHEMA message.
 */
function oneTypePerProperty(schema: Record<string, unknown>): Record<string, unknown> {
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [];
  // A Salesforce time has no zone ("19:02:01", Airbyte's TimeWithoutTimezone), but JSON Schema's
  // `time` format is RFC 3339's full-time, which requires an offset: the Meltano SDK's record check
  // (python-jsonschema with its format checkers) would refuse every value. Singer gets a plain string.
  if (schema.format === "time") {
    const { format: _format, ...rest } = schema;
    return rest;
  }
  if (types.filter((t) => t !== "null").length > 1) {
    const { properties: _properties, items: _items, ...rest } = schema;
    return { ...rest, type: types.includes("null") ? ["null", "string"] : "string" };
  }
  if (!isObject(schema.properties)) return schema;
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([name, child]) => [
      name,
      isObject(child) ? oneTypePerProperty(child) : child,
    ]),
  );
  return { ...schema, properties };
}

function primaryKeyFields(stream: AirbyteStream): string[] {
  return (stream.source_defined_primary_key ?? []).flatMap((path) =>
    path.length === 1 && path[0] !== undefined ? [path[0]] : [],
  );
}

// ---------------------------------------------------------------------------------------------
// Sync: Singer catalog with selection -> ConfiguredAirbyteCatalog
// ---------------------------------------------------------------------------------------------

/**
 * The selected streams and fields of a Singer catalog (`--catalog`, or the older `--properties`)
 * as the ConfiguredAirbyteCatalog the Airbyte read takes. Selection follows the Singer spec:
 * `selected` metadata at the stream breadcrumb `[]` and at `["properties", field]`, falling back to
 * `selected-by-default`; `automatic` fields are always read and `unsupported` ones never. The
 * legacy `selected` inside the schema is honoured when there is no metadata.
 */
export function selectStreams(input: unknown, warn: Log["warn"]): Selection {
  if (!isObject(input) || !Array.isArray(input.streams)) {
    throw configError(
      'The catalog is not a Singer catalog: expected {"streams": [...]}. Run the tap with --discover to create one.',
    );
  }
  const configured: ConfiguredAirbyteStream[] = [];
  const streams: SelectedStream[] = [];
  input.streams.forEach((entry, index) => {
    const selected = selectStream(entry, index, warn);
    if (selected) {
      configured.push(selected.configured);
      streams.push(selected.stream);
    }
  });
  return { catalog: { streams: configured }, streams };
}

function selectStream(
  entry: unknown,
  index: number,
  warn: Log["warn"],
): { configured: ConfiguredAirbyteStream; stream: SelectedStream } | undefined {
  if (!isObject(entry)) throw catalogError(`streams item ${index} is not an object`);
  const tapStreamId = stringOr(entry.tap_stream_id, stringOr(entry.stream, undefined));
  if (tapStreamId === undefined) throw catalogError(`streams item ${index} has no tap_stream_id`);
  const streamName = stringOr(entry.stream, tapStreamId);
  const schema = entry.schema;
  if (!isObject(schema) || !isObject(schema.properties)) {
    throw catalogError(`stream '${tapStreamId}' has no schema with properties`);
  }
  const metadata = metadataMap(entry.metadata, tapStreamId);
  const streamMeta = metadata.get(breadcrumbKey([])) ?? {};
  if (streamMeta.inclusion === "unsupported") return undefined;
  const selected =
    booleanOr(streamMeta.selected) ??
    booleanOr(entry.selected) ??
    booleanOr(schema.selected) ??
    booleanOr(streamMeta["selected-by-default"]) ??
    false;
  if (!selected) return undefined;

  const validKeys = stringArray(streamMeta["valid-replication-keys"]);
  const keyProperties = (
    stringArray(streamMeta["table-key-properties"]) ??
    stringArray(entry.key_properties) ??
    []
  ).filter((key) => Object.hasOwn(schema.properties as object, key));
  const replication = replicationOf(tapStreamId, streamMeta, entry, validKeys ?? [], warn);

  const automatic = new Set([
    ...keyProperties,
    ...(validKeys ?? []),
    ...(replication.key ? [replication.key] : []),
    CDC_DELETED_AT,
  ]);
  const properties: Record<string, unknown> = {};
  for (const [field, fieldSchema] of Object.entries(schema.properties)) {
    const fieldMeta = metadata.get(breadcrumbKey(["properties", field]));
    if (fieldIsSelected(field, fieldSchema, fieldMeta, automatic)) properties[field] = fieldSchema;
  }
  const jsonSchema = { ...schema, properties };
  const incremental = replication.key !== undefined;
  const cursorFields = validKeys ?? [];
  const airbyteStream: AirbyteStream = {
    name: tapStreamId,
    json_schema: jsonSchema,
    supported_sync_modes: cursorFields.length > 0 ? ["full_refresh", "incremental"] : ["full_refresh"],
    ...(cursorFields.length > 0 ? { source_defined_cursor: true, default_cursor_field: [cursorFields[0]!] } : {}),
    ...(keyProperties.length > 0 ? { source_defined_primary_key: keyProperties.map((key) => [key]) } : {}),
  };
  const configured: ConfiguredAirbyteStream = {
    stream: airbyteStream,
    sync_mode: incremental ? "incremental" : "full_refresh",
    ...(incremental ? { cursor_field: [replication.key!] } : {}),
    destination_sync_mode: "append",
    ...(keyProperties.length > 0 ? { primary_key: keyProperties.map((key) => [key]) } : {}),
  };
  return {
    configured,
    stream: {
      tapStreamId,
      stream: streamName,
      schema: withoutAnnotations(jsonSchema),
      keyProperties,
      bookmarkProperties: incremental ? [replication.key!] : undefined,
    },
  };
}

function fieldIsSelected(
  field: string,
  fieldSchema: unknown,
  meta: Record<string, unknown> | undefined,
  automatic: ReadonlySet<string>,
): boolean {
  if (automatic.has(field)) return true;
  if (meta?.inclusion === "automatic") return true;
  if (meta?.inclusion === "unsupported") return false;
  return (
    booleanOr(meta?.selected) ??
    (isObject(fieldSchema) ? booleanOr(fieldSchema.selected) : undefined) ??
    booleanOr(meta?.["selected-by-default"]) ??
    // A field without any metadata (a hand-written catalog) is read.
    true
  );
}

/**
 * INCREMENTAL on the stream's replication key when the catalog asks for it (the default where the
 * stream has one), else FULL_TABLE. Only the key discovery offered can be used: the read windows on
 * the cursor it chose, so another key would be silently ignored.
 */
function replicationOf(
  name: string,
  streamMeta: Record<string, unknown>,
  entry: Record<string, unknown>,
  validKeys: string[],
  warn: Log["warn"],
): { key: string | undefined } {
  const forced = streamMeta["forced-replication-method"];
  const forcedMethod = isObject(forced) ? forced["replication-method"] : forced;
  const rawMethod =
    streamMeta["replication-method"] ??
    entry.replication_method ??
    forcedMethod ??
    (validKeys.length > 0 ? INCREMENTAL : FULL_TABLE);
  const method = typeof rawMethod === "string" ? rawMethod.toUpperCase() : rawMethod;
  if (method === FULL_TABLE) return { key: undefined };
  if (method !== INCREMENTAL) {
    throw configError(
      `Stream '${name}': replication-method ${JSON.stringify(rawMethod)} is not supported. Use INCREMENTAL or FULL_TABLE.`,
    );
  }
  const requested = stringOr(streamMeta["replication-key"], stringOr(entry.replication_key, undefined));
  if (validKeys.length === 0) {
    if (requested !== undefined) {
      throw configError(
        `Stream '${name}' cannot replicate incrementally on ${requested}: it has no usable replication key. Set its replication-method to FULL_TABLE.`,
      );
    }
    warn(`Stream '${name}' has no replication key, so it is read in full (FULL_TABLE).`);
    return { key: undefined };
  }
  const key = requested ?? validKeys[0]!;
  if (!validKeys.includes(key)) {
    throw configError(
      `Stream '${name}': replication-key ${key} is not supported; this tap replicates it on ${validKeys.join(", ")}. Remove the replication-key metadata or set it to ${validKeys[0]}.`,
    );
  }
  return { key };
}

function metadataMap(value: unknown, stream: string): Map<string, Record<string, unknown>> {
  const map = new Map<string, Record<string, unknown>>();
  if (value === undefined || value === null) return map;
  if (!Array.isArray(value)) throw catalogError(`stream '${stream}' has metadata that is not an array`);
  for (const item of value) {
    if (!isObject(item) || !Array.isArray(item.breadcrumb) || !isObject(item.metadata)) {
      throw catalogError(`stream '${stream}' has a metadata item without breadcrumb and metadata`);
    }
    const key = breadcrumbKey(item.breadcrumb.map(String));
    // Later entries refine earlier ones for the same breadcrumb.
    map.set(key, { ...map.get(key), ...item.metadata });
  }
  return map;
}

const breadcrumbKey = (breadcrumb: readonly string[]): string => JSON.stringify(breadcrumb);

/** The schema a SCHEMA message carries: the Airbyte routing annotations (`x-…`) are not for targets. */
function withoutAnnotations(schema: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !key.startsWith("x-")));
}

function propertiesOf(schema: Record<string, unknown>): Record<string, unknown> {
  return isObject(schema.properties) ? schema.properties : {};
}

function catalogError(problem: string) {
  return configError(`The catalog is not usable: ${problem}. Run the tap with --discover and select from its output.`);
}

function booleanOr(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

function stringOr<T extends string | undefined>(value: unknown, fallback: T): string | T {
  return typeof value === "string" && value !== "" ? value : fallback;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
}
