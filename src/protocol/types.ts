/** Protocol types, generated from schemas/airbyte_protocol.yaml (see scripts/generate-types.mjs). */
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
