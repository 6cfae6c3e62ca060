import { describe, expect, it } from "vitest";
import { SALESFORCE_TYPE_SCHEMAS, fieldJsonSchema, isKnownSalesforceType } from "../../src/salesforce/field-types.js";
import { BULK_UNSUPPORTED_TYPES } from "../../src/salesforce/facts.js";

// The fieldType enumeration of the Salesforce Partner WSDL, written out here on purpose: the test
// must fail if the table loses one, not iterate the table it checks.
const PARTNER_WSDL_FIELD_TYPES = [
  "string",
  "picklist",
  "multipicklist",
  "combobox",
  "reference",
  "base64",
  "boolean",
  "currency",
  "textarea",
  "int",
  "double",
  "percent",
  "phone",
  "id",
  "date",
  "datetime",
  "time",
  "url",
  "email",
  "encryptedstring",
  "datacategorygroupreference",
  "location",
  "address",
  "anyType",
  "complexvalue",
  "long",
  "json",
] as const;

function schemaOf(type: string): Record<string, unknown> {
  const warnings: string[] = [];
  const schema = fieldJsonSchema({ name: "F", type }, (m) => warnings.push(m), "Obj");
  expect(warnings).toEqual([]);
  return schema;
}

describe("SALESFORCE_TYPE_SCHEMAS", () => {
  it("lists the 27 Partner WSDL types and nothing else", () => {
    expect(PARTNER_WSDL_FIELD_TYPES).toHaveLength(27);
    expect(Object.keys(SALESFORCE_TYPE_SCHEMAS).sort()).toEqual([...PARTNER_WSDL_FIELD_TYPES].sort());
  });

  it.each(PARTNER_WSDL_FIELD_TYPES)("maps %s explicitly to a nullable schema", (type) => {
    expect(isKnownSalesforceType(type)).toBe(true);
    const schema = schemaOf(type);
    expect(schema.type).toContain("null");
    expect((schema.type as string[]).length).toBeGreaterThan(1);
  });

  it.each([
    ["string", "string"],
    ["picklist", "string"],
    ["multipicklist", "string"],
    ["combobox", "string"],
    ["reference", "string"],
    ["textarea", "string"],
    ["phone", "string"],
    ["id", "string"],
    ["url", "string"],
    ["email", "string"],
    ["encryptedstring", "string"],
    ["datacategorygroupreference", "string"],
    ["base64", "string"],
    ["boolean", "boolean"],
    ["int", "integer"],
    ["long", "integer"],
    ["double", "number"],
    ["currency", "number"],
    ["percent", "number"],
  ])("maps %s to nullable %s", (sfType, jsonType) => {
    expect(schemaOf(sfType)).toEqual({ type: ["null", jsonType] });
  });

  it("maps date, datetime and time to formatted strings", () => {
    expect(schemaOf("date")).toEqual({
      type: ["null", "string"],
      format: "date",
    });
    expect(schemaOf("datetime")).toEqual({
      type: ["null", "string"],
      format: "date-time",
      airbyte_type: "timestamp_with_timezone",
    });
    expect(schemaOf("time")).toEqual({
      type: ["null", "string"],
      format: "time",
      airbyte_type: "time_without_timezone",
    });
  });

  it("maps address to an object of nullable parts", () => {
    const schema = schemaOf("address");
    expect(schema.type).toEqual(["null", "object"]);
    const parts = schema.properties as Record<string, { type: string[] }>;
    expect(Object.keys(parts).sort()).toEqual(
      [
        "street",
        "city",
        "state",
        "stateCode",
        "postalCode",
        "country",
        "countryCode",
        "latitude",
        "longitude",
        "geocodeAccuracy",
      ].sort(),
    );
    for (const part of Object.values(parts)) expect(part.type).toContain("null");
    expect(parts.latitude?.type).toEqual(["null", "number"]);
    expect(parts.longitude?.type).toEqual(["null", "number"]);
    expect(parts.stateCode?.type).toEqual(["null", "string"]);
  });

  it("maps location to {latitude, longitude} nullable numbers", () => {
    expect(schemaOf("location")).toEqual({
      type: ["null", "object"],
      properties: {
        latitude: { type: ["null", "number"] },
        longitude: { type: ["null", "number"] },
      },
    });
  });

  it("maps anyType to a scalar union and json/complexvalue to any JSON value", () => {
    expect(schemaOf("anyType").type).toEqual(["null", "string", "number", "boolean"]);
    for (const type of ["json", "complexvalue"]) {
      expect(schemaOf(type).type).toEqual(expect.arrayContaining(["null", "object", "array", "string"]));
    }
  });

  it("returns a fresh copy each time, so callers may change it", () => {
    const first = schemaOf("address");
    (first.properties as Record<string, unknown>).extra = {};
    expect(schemaOf("address").properties).not.toHaveProperty("extra");
  });
});

describe("fieldJsonSchema with an unknown type", () => {
  it.each(["hologram", "constructor", "toString", "ANYTYPE"])(
    "degrades %s to a nullable string with exactly one warning naming object, field and type",
    (type) => {
      const warnings: string[] = [];
      const schema = fieldJsonSchema({ name: "Weird__c", type }, (m) => warnings.push(m), "Thing__c");
      expect(schema).toEqual({ type: ["null", "string"] });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("Thing__c");
      expect(warnings[0]).toContain("Weird__c");
      expect(warnings[0]).toContain(type);
    },
  );
});

describe("BULK_UNSUPPORTED_TYPES", () => {
  it("is address, location and base64", () => {
    expect([...BULK_UNSUPPORTED_TYPES].sort()).toEqual(["address", "base64", "location"]);
  });
});
