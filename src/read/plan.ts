import type { DescribeSObjectResult, Field } from "jsforce";
import type { Config } from "../config.js";
import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream } from "../protocol/types.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { QueryOperation } from "../salesforce/bulk2.js";
import { configError, ConnectorError } from "../errors.js";
import { describeObjects } from "../salesforce/describe.js";
import { isSalesforceIdentifier } from "../salesforce/soql.js";
import { BULK_UNSUPPORTED_OBJECTS } from "../catalog/excluded-objects.js";
import { BULK_UNSUPPORTED_TYPES } from "../catalog/json-schema.js";
import { chooseCursorField } from "../catalog/object-stream.js";

export type JsonSchemaObject = { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** Everything `sync` needs to read one configured stream, decided before any job is created. */
export interface StreamPlan {
  name: string;
  object: string;
  /** Selected fields that exist in Salesforce now, in the catalog schema's order. */
  fields: string[];
  /** The catalog schema restricted to `fields`. */
  schema: JsonSchemaObject;
  cursorField: string | undefined;
  incremental: boolean;
  api: "bulk" | "rest";
  /** Why REST, for the log line. */
  restReason: string | undefined;
  userFilter: string | undefined;
  operation: QueryOperation;
}

type Warn = (message: string) => void;

/**
 * Checks the configured catalog against a fresh describe of its objects (Composite: one API call per
 * 25 streams) and turns each stream into a plan. Anything wrong with the catalog is one config_error
 * naming the stream, raised before any Bulk job exists. A field deleted in Salesforce since
 * discovery is dropped with a warning.
 */
export async function planStreams(
  client: SalesforceClient,
  config: Config,
  catalog: ConfiguredAirbyteCatalog,
  warn: Warn,
): Promise<StreamPlan[]> {
  const configured = catalog.streams;
  const queryStreamNames = new Set((config.spec.query_streams ?? []).map((q) => q.name));
  const seen = new Set<string>();
  for (const stream of configured) {
    const name = stream.stream.name;
    if (seen.has(name)) throw configError(`The catalog lists stream '${name}' twice. Keep one entry per stream.`);
    seen.add(name);
    if (queryStreamNames.has(name)) {
      throw configError(`Stream '${name}' is a query stream; reading query streams is not supported yet.`);
    }
    if (!isSalesforceIdentifier(name)) {
      throw configError(
        `Stream '${name}' is not a Salesforce object name. Run discover again and use the streams it lists.`,
      );
    }
  }
  const describes = new Map<string, DescribeSObjectResult>();
  await describeObjects(
    client,
    configured.map((s) => s.stream.name),
    config.spec.concurrency,
    (outcome) => {
      if ("describe" in outcome) {
        describes.set(outcome.name, outcome.describe);
        return;
      }
      const { error } = outcome;
      if (error.status === 404 || error.errorCode === "NOT_FOUND" || error.errorCode === "INVALID_TYPE") {
        throw configError(
          `The catalog names object '${outcome.name}', which this Salesforce org does not have (or the user cannot see). Run discover again and refresh the connection's streams.`,
        );
      }
      throw new ConnectorError(
        `Salesforce could not describe '${outcome.name}' (${error.errorCode}: ${error.salesforceMessage}). Run the sync again; if it persists, deselect the stream.`,
        "transient_error",
      );
    },
  );
  return configured.map((stream) => planStream(stream, describes.get(stream.stream.name)!, config, warn));
}

function planStream(
  configured: ConfiguredAirbyteStream,
  describe: DescribeSObjectResult,
  config: Config,
  warn: Warn,
): StreamPlan {
  const name = configured.stream.name;
  const catalogSchema = configured.stream.json_schema as Partial<JsonSchemaObject>;
  const catalogProperties = catalogSchema.properties ?? {};
  const describeFields = new Map<string, Field>(describe.fields.map((f) => [f.name, f]));

  if (!configured.stream.supported_sync_modes.includes(configured.sync_mode)) {
    throw configError(
      `Stream '${name}' is configured for ${configured.sync_mode}, which it does not support (${configured.stream.supported_sync_modes.join(", ")}). Change the stream's sync mode.`,
    );
  }
  const fields: string[] = [];
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [field, fieldSchema] of Object.entries(catalogProperties)) {
    if (!isSalesforceIdentifier(field)) {
      throw configError(
        `Stream '${name}' selects '${field}', which is not a Salesforce field name. Run discover again and reset the stream's schema.`,
      );
    }
    if (!describeFields.has(field)) {
      warn(
        `Stream '${name}': field ${field} no longer exists in Salesforce; it is left out of this sync. Refresh the source schema to drop it.`,
      );
      continue;
    }
    fields.push(field);
    properties[field] = fieldSchema;
  }
  if (fields.length === 0)
    throw configError(
      `Stream '${name}' selects no field that exists in Salesforce. Run discover again and select fields.`,
    );

  const incremental = configured.sync_mode === "incremental";
  const cursorField = chooseCursorField(describe.fields);
  if (incremental && cursorField === undefined) {
    throw configError(
      `Stream '${name}' has no SystemModstamp, LastModifiedDate or CreatedDate, so it cannot sync incrementally. Use full_refresh.`,
    );
  }
  const unsupportedFields = fields.filter((f) => BULK_UNSUPPORTED_TYPES.has(describeFields.get(f)!.type));
  const restReason = BULK_UNSUPPORTED_OBJECTS.has(describe.name)
    ? "the Bulk API does not support this object"
    : unsupportedFields.length > 0
      ? `the Bulk API cannot select ${unsupportedFields.join(", ")} (compound or base64 fields)`
      : undefined;
  return {
    name,
    object: describe.name,
    fields,
    schema: { ...catalogSchema, properties } as JsonSchemaObject,
    cursorField,
    incremental,
    api: restReason ? "rest" : "bulk",
    restReason,
    userFilter: objectFilter(config, describe.name),
    operation: config.spec.source_action === "query_all" ? "queryAll" : "query",
  };
}

/** object_filters entries match the object name case-insensitively, as SOQL does. */
function objectFilter(config: Config, object: string): string | undefined {
  for (const [name, where] of config.objectFilters) if (name.toLowerCase() === object.toLowerCase()) return where;
  return undefined;
}
