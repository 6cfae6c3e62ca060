import type { AirbyteStream } from "../protocol/types.js";
import type { ResolvedQueryStream } from "../query-streams/resolve.js";
import { BULK_UNSUPPORTED_FIELDS_KEY } from "./object-stream.js";

/**
 * A query stream's catalog entry. Relationship paths are nested objects (`Owner: {Name}`), the shape
 * REST returns and Bulk's dotted columns are converted to. Primary key Id when the query selects it;
 * incremental when it selects a cursor field and has no LIMIT.
 */
export function buildQueryStream(resolved: ResolvedQueryStream): AirbyteStream {
  const { properties, cursorField } = resolved;
  return {
    name: resolved.name,
    json_schema: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: true,
      properties,
      ...(resolved.bulkUnsupported.length > 0 ? { [BULK_UNSUPPORTED_FIELDS_KEY]: resolved.bulkUnsupported } : {}),
    },
    supported_sync_modes: cursorField ? ["full_refresh", "incremental"] : ["full_refresh"],
    ...("Id" in properties ? { source_defined_primary_key: [["Id"]] } : {}),
    ...(cursorField ? { source_defined_cursor: true, default_cursor_field: [cursorField], is_resumable: true } : {}),
  };
}
