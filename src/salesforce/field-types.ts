// Salesforce field type -> JSON schema for the discovered catalog.
//
// One table keyed by the describe `type` of a field: the fieldType enumeration of the Partner WSDL
// (SOAP API Developer Guide, "Field" / "fieldType"; Apex Schema.DisplayType lists the same names).
// Every schema admits null: any Salesforce field may be empty, and a user without field-level
// access reads it as null.
import type { Field } from "jsforce";
import type { Log } from "../log.js";
import type { JsonSchema } from "../protocol/types.js";
export type FieldTypeInfo = Pick<Field, "name" | "type">;

const nullable = (type: string, annotations: Record<string, unknown> = {}): JsonSchema => ({
  type: ["null", type],
  ...annotations,
});

const NULLABLE_STRING = nullable("string");
const NULLABLE_NUMBER = nullable("number");
const NULLABLE_INTEGER = nullable("integer");

// Parts of a compound address (SOAP API Developer Guide, "Address Compound Fields").
const ADDRESS = nullable("object", {
  properties: {
    street: NULLABLE_STRING,
    city: NULLABLE_STRING,
    state: NULLABLE_STRING,
    stateCode: NULLABLE_STRING,
    postalCode: NULLABLE_STRING,
    country: NULLABLE_STRING,
    countryCode: NULLABLE_STRING,
    latitude: NULLABLE_NUMBER,
    longitude: NULLABLE_NUMBER,
    geocodeAccuracy: NULLABLE_STRING,
  },
});

// Compound geolocation (SOAP API Developer Guide, "Geolocation Compound Field").
const LOCATION = nullable("object", {
  properties: { latitude: NULLABLE_NUMBER, longitude: NULLABLE_NUMBER },
});

export const SALESFORCE_TYPE_SCHEMAS = deepFreeze({
  // Text in every form; picklists are their API value, multipicklist values joined by ";".
  string: NULLABLE_STRING,
  picklist: NULLABLE_STRING,
  multipicklist: NULLABLE_STRING,
  combobox: NULLABLE_STRING,
  textarea: NULLABLE_STRING,
  phone: NULLABLE_STRING,
  url: NULLABLE_STRING,
  email: NULLABLE_STRING,
  encryptedstring: NULLABLE_STRING,
  datacategorygroupreference: NULLABLE_STRING,
  // 15/18-character record ids.
  id: NULLABLE_STRING,
  reference: NULLABLE_STRING,
  // Binary content. Bulk cannot select it (BULK_UNSUPPORTED_TYPES in facts.ts) and a REST query returns the
  // blob's relative URL (…/sobjects/Attachment/{id}/Body), not base64 text, so the value is a plain
  // string with no contentEncoding claim that would be false for what `read` actually emits.
  base64: NULLABLE_STRING,
  boolean: nullable("boolean"),
  int: NULLABLE_INTEGER,
  // Up to 18 digits: JSON-schema integer, but beyond 2^53 a JS number loses digits when parsed.
  long: NULLABLE_INTEGER,
  double: NULLABLE_NUMBER,
  currency: NULLABLE_NUMBER,
  percent: NULLABLE_NUMBER,
  date: nullable("string", { format: "date" }),
  datetime: nullable("string", {
    format: "date-time",
    airbyte_type: "timestamp_with_timezone",
  }),
  // Salesforce time fields carry no time zone (the API writes HH:mm:ss.SSSZ, a fixed "Z"): Airbyte's
  // TimeWithoutTimezone. read writes HH:mm:ss, .sss only for real milliseconds (records.ts normalizeTime).
  time: nullable("string", {
    format: "time",
    airbyte_type: "time_without_timezone",
  }),
  address: ADDRESS,
  location: LOCATION,
  // anyType (e.g. *History.OldValue/NewValue) holds a string, number, boolean, id, date or
  // datetime depending on the tracked field, so no single type fits. The union keeps REST JSON
  // values as they come; Bulk CSV values are all text and still validate as "string".
  anyType: { type: ["null", "string", "number", "boolean"] },
  // complexvalue (Complex Value Type, e.g. Tooling API Metadata fields) and json hold structured
  // data whose shape the describe does not give; typed as any JSON value rather than "string" so
  // destinations keep it as JSON. A reader that gets them as CSV text should JSON.parse them.
  complexvalue: {
    type: ["null", "object", "array", "string", "number", "boolean"],
  },
  json: { type: ["null", "object", "array", "string", "number", "boolean"] },
} satisfies Record<string, JsonSchema>);

export type SalesforceFieldType = keyof typeof SALESFORCE_TYPE_SCHEMAS;

export function isKnownSalesforceType(type: string): type is SalesforceFieldType {
  return Object.hasOwn(SALESFORCE_TYPE_SCHEMAS, type);
}

/**
 * JSON schema of one field. A type outside the table (a newer API version may add one) degrades to
 * a nullable string with one warning, so discovery never fails on a single odd field.
 */
export function fieldJsonSchema(field: FieldTypeInfo, warn: Log["warn"], objectName: string): Record<string, unknown> {
  if (isKnownSalesforceType(field.type)) {
    return structuredClone(SALESFORCE_TYPE_SCHEMAS[field.type]) as Record<string, unknown>;
  }
  warn(
    `Salesforce field ${objectName}.${field.name} has unknown type "${field.type}"; ` +
      `it is discovered as a nullable string.`,
  );
  return structuredClone(NULLABLE_STRING) as Record<string, unknown>;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
