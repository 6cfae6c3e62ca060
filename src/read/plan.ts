import type { DescribeSObjectResult } from "jsforce";
import type { Config } from "../config.js";
import type { Log } from "../log.js";
import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, JsonSchemaObject } from "../protocol/types.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { QueryOperation } from "../salesforce/bulk2.js";
import { configError, ConnectorError } from "../errors.js";
import { describeObjects } from "../salesforce/describe.js";
import { isSalesforceIdentifier } from "../soql/identifiers.js";
import { chooseCursorField } from "../salesforce/facts.js";
import {
  bulkUnsupportedFields,
  CDC_DELETED_AT,
  isBulkUnsupportedObjectStream,
  isFormulaField,
} from "../catalog/object-stream.js";
import { CHILD_OBJECTS, PARENT_IDS_PER_QUERY } from "../catalog/excluded-objects.js";
import { resolveQueryStreams, type ResolvedQueryStream } from "../query-streams/resolve.js";
import { childStreamQuery, objectStreamQuery, queryStreamQuery, type ChildQuery, type StreamQuery } from "./query.js";

/** Everything `sync` needs to read one configured stream, decided before any job is created. */
export interface StreamPlan {
  name: string;
  /** The FROM object. */
  object: string;
  /** Selected fields (relationship paths dotted) that exist in Salesforce now, in SELECT order. */
  fields: string[];
  /** The schema records are typed by. */
  schema: JsonSchemaObject;
  cursorField: string | undefined;
  incremental: boolean;
  api: "bulk" | "rest";
  /** Why REST, for the log line. */
  restReason: string | undefined;
  operation: QueryOperation;
  /** The SOQL of a window, and of its first-change lookup. */
  query: StreamQuery;
  /** Bulk 1.0 PK chunking accepts only a plain WHERE (no ORDER BY or LIMIT). */
  pkChunkable: boolean;
  /** What a cursor on the record's own stamp misses (issue 15). */
  capture: StreamCapture;
}

export interface StreamCapture {
  /** hard_deletes, for an incremental object stream: its deletions come from the deleted-records resource. */
  hardDeletes: boolean;
  /** The selected formula fields (describe `calculated`), for formula_refresh. */
  formulaFields: string[];
  /** A filter-requiring object read as a child of its parent (groups of parent Ids). */
  child: ChildQuery | undefined;
}

const NO_CAPTURE: StreamCapture = { hardDeletes: false, formulaFields: [], child: undefined };

/**
 * Checks the configured catalog against fresh describes (Composite: one API call per 25 objects) and
 * turns each stream into a plan. Anything wrong with the catalog is one config_error naming the
 * stream, raised before any Bulk job exists. A field deleted in Salesforce since discovery is
 * dropped from an object stream with a warning; a query stream's own query must still resolve.
 */
export async function planStreams(
  client: SalesforceClient,
  config: Config,
  catalog: ConfiguredAirbyteCatalog,
  warn: Log["warn"],
): Promise<StreamPlan[]> {
  const queryStreams = new Map((config.spec.query_streams ?? []).map((q) => [q.name, q]));
  const seen = new Set<string>();
  for (const { stream } of catalog.streams) {
    if (seen.has(stream.name))
      throw configError(`The catalog lists stream '${stream.name}' twice. Keep one entry per stream.`);
    seen.add(stream.name);
    if (!queryStreams.has(stream.name) && !isSalesforceIdentifier(stream.name)) {
      throw configError(
        `Stream '${stream.name}' is not a Salesforce object name. Run discover again and use the streams it lists.`,
      );
    }
  }
  const objectStreams = catalog.streams.filter((s) => !queryStreams.has(s.stream.name));
  const describes = await describeCatalogObjects(
    client,
    config,
    objectStreams.map((s) => s.stream.name),
  );
  const configuredQueries = catalog.streams.flatMap((s) => queryStreams.get(s.stream.name) ?? []);
  const resolved = new Map(
    (await resolveQueryStreams(client, configuredQueries, config.spec.concurrency, warn)).map((r) => [r.name, r]),
  );
  return catalog.streams.map((configured) => {
    const query = resolved.get(configured.stream.name);
    return query
      ? planQueryStream(configured, query, config)
      : planObjectStream(configured, describes.get(configured.stream.name)!, config, warn);
  });
}

async function describeCatalogObjects(
  client: SalesforceClient,
  config: Config,
  names: string[],
): Promise<Map<string, DescribeSObjectResult>> {
  const describes = new Map<string, DescribeSObjectResult>();
  await describeObjects(client, names, config.spec.concurrency, (outcome) => {
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
  });
  return describes;
}

function checkSyncMode(configured: ConfiguredAirbyteStream): void {
  const { name, supported_sync_modes: supported } = configured.stream;
  if (!supported.includes(configured.sync_mode)) {
    throw configError(
      `Stream '${name}' is configured for ${configured.sync_mode}, which it does not support (${supported.join(", ")}). Change the stream's sync mode.`,
    );
  }
}

function planObjectStream(
  configured: ConfiguredAirbyteStream,
  describe: DescribeSObjectResult,
  config: Config,
  warn: Log["warn"],
): StreamPlan {
  const name = configured.stream.name;
  checkSyncMode(configured);
  const catalogSchema: JsonSchemaObject = configured.stream.json_schema;
  const describeFields = new Set(describe.fields.map((f) => f.name));
  const fields: string[] = [];
  const properties: Record<string, unknown> = {};
  for (const [field, fieldSchema] of Object.entries(catalogSchema.properties ?? {})) {
    // Written by the connector (hard_deletes), not selected from Salesforce.
    if (field === CDC_DELETED_AT) {
      properties[field] = fieldSchema;
      continue;
    }
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
  // Which API serves the stream is what discover wrote into its schema (x-bulk-*), as the stream's
  // fields are what the catalog selects. A catalog without the keys is tried through Bulk, and
  // Salesforce's refusal sends it to REST (extract.ts).
  const bulkUnsupported = new Set(bulkUnsupportedFields(configured.stream));
  const capture = planCapture(configured, describe, fields, config, incremental, warn);
  const restReason = capture.child
    ? `a child of ${CHILD_OBJECTS.get(describe.name)!.parent}, ${PARENT_IDS_PER_QUERY} parent Ids per query`
    : isBulkUnsupportedObjectStream(configured.stream)
      ? "the Bulk API does not support this object"
      : bulkFieldsReason(fields.filter((field) => bulkUnsupported.has(field)));
  return {
    name,
    object: describe.name,
    fields,
    schema: { ...catalogSchema, properties },
    cursorField,
    incremental,
    api: restReason ? "rest" : "bulk",
    restReason,
    operation: config.spec.source_action === "query_all" ? "queryAll" : "query",
    query: objectStreamQuery(describe.name, fields, objectFilter(config, describe.name), cursorField),
    pkChunkable: true,
    capture,
  };
}

function planCapture(
  configured: ConfiguredAirbyteStream,
  describe: DescribeSObjectResult,
  fields: string[],
  config: Config,
  incremental: boolean,
  warn: Log["warn"],
): StreamCapture {
  const name = configured.stream.name;
  const hardDeletes = config.spec.hard_deletes && incremental;
  const declared = (configured.stream.json_schema.properties ?? {}) as Record<string, unknown>;
  if (hardDeletes && !Object.hasOwn(declared, CDC_DELETED_AT)) {
    warn(
      `Stream '${name}': hard_deletes is on but the stream's schema has no ${CDC_DELETED_AT}; deletions are still emitted with it. Refresh the source schema so the destination keeps the column.`,
    );
  }
  const selected = new Set(fields);
  const formulaFields = describe.fields.filter((f) => selected.has(f.name) && isFormulaField(f)).map((f) => f.name);
  const link = CHILD_OBJECTS.get(describe.name);
  const child =
    link &&
    childStreamQuery(describe.name, fields, objectFilter(config, describe.name), {
      ...link,
      parentFilter: objectFilter(config, link.parent),
    });
  return { hardDeletes, formulaFields, child };
}

function planQueryStream(
  configured: ConfiguredAirbyteStream,
  resolved: ResolvedQueryStream,
  config: Config,
): StreamPlan {
  checkSyncMode(configured);
  const incremental = configured.sync_mode === "incremental";
  if (incremental && resolved.cursorField === undefined) {
    throw configError(
      `Query stream '${resolved.name}' selects no SystemModstamp, LastModifiedDate or CreatedDate (or has a LIMIT), so it cannot sync incrementally. Use full_refresh or select the cursor field.`,
    );
  }
  // The query in the config, not the catalog, says what a query stream selects: it is resolved
  // again here, and so is what Bulk cannot select of it (the same resolve discover wrote x-bulk-* from).
  const restReason = bulkFieldsReason(resolved.bulkUnsupported);
  const { parsed } = resolved;
  return {
    name: resolved.name,
    object: parsed.object,
    fields: parsed.fields,
    schema: { type: "object", properties: resolved.properties },
    cursorField: resolved.cursorField,
    incremental,
    api: restReason ? "rest" : "bulk",
    restReason,
    operation: config.spec.source_action === "query_all" ? "queryAll" : "query",
    query: queryStreamQuery(parsed, resolved.cursorField),
    pkChunkable: parsed.orderBy === undefined && parsed.limit === undefined,
    // A query stream's key and filter are its own: deletions and formula refresh apply to object streams.
    capture: NO_CAPTURE,
  };
}

function bulkFieldsReason(fields: string[]): string | undefined {
  return fields.length > 0 ? `the Bulk API cannot select ${fields.join(", ")} (compound or base64 fields)` : undefined;
}

/** object_filters entries match the object name case-insensitively, as SOQL does. */
function objectFilter(config: Config, object: string): string | undefined {
  for (const [name, where] of config.objectFilters) if (name.toLowerCase() === object.toLowerCase()) return where;
  return undefined;
}
