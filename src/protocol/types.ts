// Protocol types, generated from schemas/airbyte_protocol.yaml (see scripts/generate-types.mjs).

export type {
  AirbyteMessage,
  AirbyteCatalog,
  AirbyteStream,
  AirbyteRecordMessage,
  AirbyteStateMessage,
  AirbyteStreamState,
  AirbyteLogMessage,
  AirbyteTraceMessage,
  AirbyteConnectionStatus,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  ConnectorSpecification,
  StreamDescriptor,
  SyncMode,
  AirbyteStreamStatus,
} from "./generated/airbyte-protocol.js";

/** A JSON schema as the catalog carries it: a stream's json_schema, or one of its properties. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A stream's json_schema: `properties` maps each field (or relationship parent) to its schema. */
export type JsonSchemaObject = JsonSchema & { readonly properties?: Readonly<Record<string, unknown>> };
