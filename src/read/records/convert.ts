// Record conversion for `read`: Bulk CSV rows and REST JSON records -> the record's data as a JSON
// string, ready for SyncOutput.records (records are serialised once, here). This module is the
// entry; the plan (record-plan.ts), its rendering (render.ts), the per-type encoders (encoders.ts)
// and the value formatting they share (values.ts) each have their own.
//
// Both converters compile the same plan from an ordered column list (the CSV header, or the SELECT
// field list for REST) and the stream schema, and share every value encoder, so the same
// Salesforce data gives byte-identical JSON whichever API served it:
// - keys come in column order (= SELECT order: Salesforce writes Bulk columns in SELECT order); a
//   nested relationship object sits where its first column is;
// - empty CSV fields, REST nulls and REST empty strings are all `null` (CSV cannot tell them apart);
// - numbers are written as JavaScript writes the double (what JSON.parse of a REST body gives);
// - datetimes are one ISO-8601 UTC form, YYYY-MM-DDTHH:mm:ss.sssZ.
//
// Columns are matched to schema properties exactly, not case-insensitively: `read` builds the SELECT
// from the schema's property names, and Salesforce echoes the SELECT field names in the CSV header
// (and uses the API names as REST JSON keys), so a case mismatch means a column the schema lacks.
import type { JsonSchemaObject } from "../../protocol/types.js";
import type { Log } from "../../log.js";
import { buildPlan } from "./record-plan.js";
import type { ColumnNulCounter } from "./encoders.js";
import { csvLeaf, renderObject, restLeaf } from "./render.js";

export type CsvRecordConverter = (row: readonly string[]) => string;
export type RestRecordConverter = (record: Readonly<Record<string, unknown>>) => string;

/**
 * Shape of dotted relationship columns (`Owner.Name`). Nested (`"Owner":{"Name":"x"}`, the REST
 * shape) when the stream schema declares `Owner` as an object whose `properties` has `Name`; flat
 * (`"Owner.Name":"x"`) otherwise, e.g. for query streams, whose schema declares `Owner.Name` itself.
 * A nested parent whose every column is empty is `null`, as REST returns an empty reference; REST
 * records get the same rule (a parent with only null fields is `null`) so both APIs agree.
 */
export const RELATIONSHIP_COLUMN_SHAPE = "nested-if-schema-declares-parent-else-flat-dotted-keys" as const;

/**
 * Converter for one Bulk results page: built once per header (cheap), then called per row. A row
 * shorter than the header reads the missing cells as empty (null).
 */
export function createCsvRecordConverter(
  schema: JsonSchemaObject,
  header: readonly string[],
  warn: Log["warn"],
  onNul?: ColumnNulCounter,
): CsvRecordConverter {
  // A UTF-8 byte order mark would otherwise stick to the first column's name.
  const columns = header.map((name, i) => (i === 0 && name.startsWith("\uFEFF") ? name.slice(1) : name));
  return renderObject(buildPlan(schema, columns, warn, onNul), csvLeaf, false);
}

/**
 * Every page of a Bulk job has its own header, normally the same one: this reuses the converter
 * while the header is unchanged, so encoders warn once per column per stream, not once per page.
 */
export function createCsvRecordConverterCache(
  schema: JsonSchemaObject,
  warn: Log["warn"],
  onNul?: ColumnNulCounter,
): (header: readonly string[]) => CsvRecordConverter {
  let cachedHeader: readonly string[] | undefined;
  let cached: CsvRecordConverter | undefined;
  return (header) => {
    if (cached === undefined || cachedHeader === undefined || !sameColumns(cachedHeader, header)) {
      cached = createCsvRecordConverter(schema, header, warn, onNul);
      cachedHeader = [...header];
    }
    return cached;
  };
}

/**
 * Converter for REST query records. `fields` is the SELECT field list, in SELECT order (dotted for
 * relationship fields); it decides which keys are written and in what order, as the CSV header does
 * for Bulk. `attributes` never reaches the output: relationship objects are read field by field,
 * and objects passed through whole (compound address/location, sub-query results) lose it too.
 */
export function createRestRecordConverter(
  schema: JsonSchemaObject,
  fields: readonly string[],
  warn: Log["warn"],
  onNul?: ColumnNulCounter,
): RestRecordConverter {
  return renderObject(buildPlan(schema, fields, warn, onNul), restLeaf, false);
}

/** One-off REST conversion; build the converter once per stream with createRestRecordConverter instead. */
export function convertRestRecord(
  record: Readonly<Record<string, unknown>>,
  schema: JsonSchemaObject,
  fields: readonly string[],
  warn: Log["warn"],
): string {
  return createRestRecordConverter(schema, fields, warn)(record);
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
