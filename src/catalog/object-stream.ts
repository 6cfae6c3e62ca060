// One Salesforce object describe -> one AirbyteStream.
import type { DescribeSObjectResult } from "jsforce";
import type { AirbyteStream } from "../protocol/generated/airbyte-protocol.js";
import type { Log } from "../log.js";
import {
  BULK_UNSUPPORTED_OBJECTS,
  BULK_UNSUPPORTED_TYPES,
  chooseCursorField,
  CURSOR_FILTER_UNSUPPORTED_OBJECTS,
} from "../salesforce/facts.js";
import { fieldJsonSchema, type FieldTypeInfo } from "../salesforce/field-types.js";
import { isSalesforceIdentifier } from "../soql/identifiers.js";
import { CHILD_OBJECTS } from "./excluded-objects.js";

// Top-level json_schema annotations that tell `read` which API can serve the stream. They travel
// with the catalog, so `read` decides without describing the object again.
export const BULK_UNSUPPORTED_FIELDS_KEY = "x-bulk-unsupported-fields";
export const BULK_UNSUPPORTED_OBJECT_KEY = "x-bulk-unsupported-object";

/**
 * Airbyte's CDC convention: a record whose `_ab_cdc_deleted_at` is set is a delete, which deduplicating
 * destinations apply. `hard_deletes` adds it to incremental streams for the deleted-records resource.
 */
export const CDC_DELETED_AT = "_ab_cdc_deleted_at";
export const CDC_DELETED_AT_SCHEMA = {
  type: ["null", "string"],
  format: "date-time",
  airbyte_type: "timestamp_with_timezone",
  description:
    "When Salesforce deleted the record (hard_deletes: the deleted-records resource); null for live records.",
} as const;

/** Describe's formula attributes (absent from older fixtures). */
type FieldInfo = FieldTypeInfo & { calculated?: boolean; calculatedFormula?: string | null };

export type ObjectDescribe = Pick<DescribeSObjectResult, "name"> & {
  fields: readonly FieldInfo[];
};

export interface ObjectStreamOptions {
  /** config hard_deletes, for an object the deleted-records resource serves. */
  hardDeletes?: boolean;
}

/** A formula field's values change without its record's SystemModstamp moving (see formula_refresh). */
export function isFormulaField(field: FieldInfo): boolean {
  return field.calculated === true;
}

function formulaDescription(field: FieldInfo): string {
  const formula = field.calculatedFormula?.trim();
  return (
    "Formula field: Salesforce computes it when read, so it can change without SystemModstamp moving (see formula_refresh)." +
    (formula ? ` Formula: ${formula}` : "")
  );
}

export function buildObjectStream(
  described: ObjectDescribe,
  warn: Log["warn"],
  options: ObjectStreamOptions = {},
): AirbyteStream {
  // A field name that is not a Salesforce identifier cannot be selected (read refuses it): left out.
  const hostile = described.fields.filter((field) => !isSalesforceIdentifier(field.name));
  if (hostile.length > 0)
    warn(
      `Object ${described.name}: left out ${hostile.length} field(s) whose names are not Salesforce field names: ${hostile
        .map((field) => JSON.stringify(field.name.slice(0, 80)))
        .join(", ")}.`,
    );
  const describe =
    hostile.length === 0
      ? described
      : { ...described, fields: described.fields.filter((field) => isSalesforceIdentifier(field.name)) };
  const properties: Record<string, unknown> = {};
  for (const field of describe.fields) {
    const schema = fieldJsonSchema(field, warn, describe.name);
    if (isFormulaField(field)) schema.description = formulaDescription(field);
    properties[field.name] = schema;
  }

  const jsonSchema: Record<string, unknown> = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    additionalProperties: true,
    properties,
  };
  const bulkUnsupported = describe.fields.filter((field) => BULK_UNSUPPORTED_TYPES.has(field.type)).map((f) => f.name);
  if (bulkUnsupported.length > 0) jsonSchema[BULK_UNSUPPORTED_FIELDS_KEY] = bulkUnsupported;
  if (BULK_UNSUPPORTED_OBJECTS.has(describe.name)) jsonSchema[BULK_UNSUPPORTED_OBJECT_KEY] = true;

  const stream: AirbyteStream = {
    name: describe.name,
    json_schema: jsonSchema,
    supported_sync_modes: ["full_refresh"],
  };
  if (describe.fields.some((field) => field.name === "Id")) stream.source_defined_primary_key = [["Id"]];

  // A child object (read through its parent's Ids) is full refresh only.
  const cursor =
    CURSOR_FILTER_UNSUPPORTED_OBJECTS.has(describe.name) || CHILD_OBJECTS.has(describe.name)
      ? undefined
      : chooseCursorField(describe.fields);
  if (cursor !== undefined) {
    if (options.hardDeletes) properties[CDC_DELETED_AT] = structuredClone(CDC_DELETED_AT_SCHEMA);
    stream.supported_sync_modes = ["full_refresh", "incremental"];
    stream.source_defined_cursor = true;
    stream.default_cursor_field = [cursor];
    stream.is_resumable = true;
  }
  return stream;
}

/** Fields `read` must not ask the Bulk API for (compound address/location, base64). */
export function bulkUnsupportedFields(stream: Pick<AirbyteStream, "json_schema">): string[] {
  const value = stream.json_schema[BULK_UNSUPPORTED_FIELDS_KEY];
  return Array.isArray(value) ? value.filter((name): name is string => typeof name === "string") : [];
}

/** True when the Bulk API rejects the whole object, so `read` must use REST. */
export function isBulkUnsupportedObjectStream(stream: Pick<AirbyteStream, "json_schema">): boolean {
  return stream.json_schema[BULK_UNSUPPORTED_OBJECT_KEY] === true;
}
