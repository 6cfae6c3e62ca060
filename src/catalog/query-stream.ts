import type { DescribeSObjectResult } from "jsforce";
import type { QueryStreams } from "../generated/config.js";
import type { AirbyteStream } from "../protocol/types.js";
import { configError } from "../errors.js";
import { buildObjectStream, chooseCursorField } from "./object-stream.js";

type QueryStreamConfig = QueryStreams[number];

/**
 * Query streams, first cut: the FROM object's describe gives the schema of the selected fields.
 * Relationship paths (Owner.Name) are typed as nullable strings until the SOQL parser of the
 * query-streams issue resolves them through the parent's describe.
 */
export function queryStreamSourceObject(query: QueryStreamConfig): string {
  const from = /\bFROM\s+([A-Za-z][A-Za-z0-9_]*)/i.exec(query.query)?.[1];
  if (!from)
    throw configError(`query_streams '${query.name}': the query has no FROM object. Write it as SELECT … FROM Object.`);
  return from;
}

export function selectedFields(query: QueryStreamConfig): string[] {
  const list = /^\s*SELECT\s+([\s\S]+?)\s+FROM\s/i.exec(query.query)?.[1];
  if (!list) throw configError(`query_streams '${query.name}': the query must start with SELECT and name its fields.`);
  return list.split(",").map((field) => field.trim());
}

export function buildQueryStream(
  query: QueryStreamConfig,
  describe: DescribeSObjectResult,
  warn: (message: string) => void,
): AirbyteStream {
  const objectStream = buildObjectStream(describe, warn);
  const objectProperties = (objectStream.json_schema as { properties: Record<string, unknown> }).properties;
  const byLowerName = new Map(Object.keys(objectProperties).map((name) => [name.toLowerCase(), name]));
  const properties: Record<string, unknown> = {};
  for (const field of selectedFields(query)) {
    const name = byLowerName.get(field.toLowerCase());
    if (name) properties[name] = objectProperties[name];
    else if (field.includes(".")) properties[field] = { type: ["null", "string"] };
    else throw configError(`query_streams '${query.name}': ${describe.name} has no field ${field}.`);
  }
  const cursor = chooseCursorField(describe.fields.filter((f) => f.name in properties));
  return {
    name: query.name,
    json_schema: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: true,
      properties,
    },
    supported_sync_modes: cursor ? ["full_refresh", "incremental"] : ["full_refresh"],
    ...("Id" in properties ? { source_defined_primary_key: [["Id"]] } : {}),
    ...(cursor
      ? {
          source_defined_cursor: true,
          default_cursor_field: [cursor],
          is_resumable: true,
        }
      : {}),
  };
}
