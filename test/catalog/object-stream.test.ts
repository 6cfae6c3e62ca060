import type { DescribeSObjectResult } from "jsforce";
import { describe, expect, it } from "vitest";
import {
  buildObjectStream,
  bulkUnsupportedFields,
  isBulkUnsupportedObjectStream,
  type ObjectDescribe,
} from "../../src/catalog/object-stream.js";
import { chooseCursorField } from "../../src/salesforce/facts.js";
import { HAS_REFERENCE, SKIP_NOTE, readReference } from "./reference-fixtures.js";

function build(describe: ObjectDescribe) {
  const warnings: string[] = [];
  const stream = buildObjectStream(describe, (message) => warnings.push(message));
  return {
    stream,
    warnings,
    properties: stream.json_schema.properties as Record<string, { type: unknown }>,
  };
}

const datetime = (name: string) => ({ name, type: "datetime" });
const idField = { name: "Id", type: "id" };

describe.each([
  {
    file: "account_describe.json",
    name: "Account",
    compound: ["BillingAddress", "ShippingAddress"],
    cursor: "SystemModstamp",
  },
  {
    file: "contact_describe.json",
    name: "Contact",
    compound: ["OtherAddress", "MailingAddress"],
    cursor: "SystemModstamp",
  },
  // A trimmed describe: only Id, Name and one custom field, so no cursor.
  {
    file: "custom__c_describe.json",
    name: "Custom__c",
    compound: [],
    cursor: undefined,
  },
  {
    file: "restforce_whizbang_describe.json",
    name: "Whizbang",
    compound: [],
    cursor: "SystemModstamp",
  },
])(`real describe $file${SKIP_NOTE}`, ({ file, name, compound, cursor }) => {
  it.skipIf(!HAS_REFERENCE)("becomes a stream with every field, PK Id and the right cursor", () => {
    const describe = readReference<DescribeSObjectResult>(file);
    const { stream, warnings, properties } = build(describe);

    expect(warnings).toEqual([]);
    expect(stream.name).toBe(name);
    expect(stream.json_schema).toMatchObject({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: true,
    });
    expect(Object.keys(properties)).toEqual(describe.fields.map((field) => field.name));
    for (const schema of Object.values(properties)) expect(schema.type).toContain("null");
    expect(stream.source_defined_primary_key).toEqual([["Id"]]);
    expect(bulkUnsupportedFields(stream)).toEqual(compound);
    expect(isBulkUnsupportedObjectStream(stream)).toBe(false);

    if (cursor !== undefined) {
      expect(stream.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
      expect(stream.default_cursor_field).toEqual([cursor]);
      expect(stream.source_defined_cursor).toBe(true);
      expect(stream.is_resumable).toBe(true);
    } else {
      expect(stream.supported_sync_modes).toEqual(["full_refresh"]);
      expect(stream.default_cursor_field).toBeUndefined();
    }
  });
});

describe(`Account describe details${SKIP_NOTE}`, () => {
  it.skipIf(!HAS_REFERENCE)("types typical fields as expected", () => {
    const { properties, stream } = build(readReference<DescribeSObjectResult>("account_describe.json"));
    expect(properties.NumberOfEmployees?.type).toEqual(["null", "integer"]);
    expect(properties.AnnualRevenue?.type).toEqual(["null", "number"]);
    expect(properties.SystemModstamp).toMatchObject({ format: "date-time" });
    expect(properties.BillingAddress?.type).toEqual(["null", "object"]);
    expect(properties.BillingCity?.type).toEqual(["null", "string"]);
    expect(stream.json_schema).not.toHaveProperty("x-bulk-unsupported-object");
  });
});

describe("chooseCursorField and cursor fallback", () => {
  it.each<[string, { name: string; type: string }[], string | undefined]>([
    [
      "SystemModstamp first",
      [idField, datetime("CreatedDate"), datetime("LastModifiedDate"), datetime("SystemModstamp")],
      "SystemModstamp",
    ],
    [
      "LastModifiedDate without SystemModstamp",
      [idField, datetime("CreatedDate"), datetime("LastModifiedDate")],
      "LastModifiedDate",
    ],
    ["CreatedDate alone", [idField, datetime("CreatedDate")], "CreatedDate"],
    ["LoginTime for LoginHistory", [idField, datetime("LoginTime")], "LoginTime"],
    ["none", [idField, { name: "Name", type: "string" }], undefined],
    [
      "a non-datetime SystemModstamp is ignored",
      [idField, { name: "SystemModstamp", type: "date" }, datetime("CreatedDate")],
      "CreatedDate",
    ],
  ])("%s", (_title, fields, expected) => {
    expect(chooseCursorField(fields)).toBe(expected);
  });

  it("offers incremental on LastModifiedDate when SystemModstamp is missing", () => {
    const { stream } = build({
      name: "Thing__c",
      fields: [idField, datetime("LastModifiedDate"), datetime("CreatedDate")],
    });
    expect(stream.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
    expect(stream.default_cursor_field).toEqual(["LastModifiedDate"]);
  });

  it("offers incremental on CreatedDate when it is the only timestamp", () => {
    const { stream } = build({
      name: "Log__c",
      fields: [idField, datetime("CreatedDate")],
    });
    expect(stream.default_cursor_field).toEqual(["CreatedDate"]);
    expect(stream.is_resumable).toBe(true);
  });

  it("offers full refresh only, without cursor fields, when there is no cursor", () => {
    const { stream } = build({
      name: "Setting__c",
      fields: [idField, { name: "Name", type: "string" }],
    });
    expect(stream.supported_sync_modes).toEqual(["full_refresh"]);
    expect(stream).not.toHaveProperty("default_cursor_field");
    expect(stream).not.toHaveProperty("source_defined_cursor");
    expect(stream).not.toHaveProperty("is_resumable");
  });

  it("offers full refresh only for objects that reject a cursor filter, even with SystemModstamp", () => {
    const { stream } = build({
      name: "UriEvent",
      fields: [idField, datetime("SystemModstamp")],
    });
    expect(stream.supported_sync_modes).toEqual(["full_refresh"]);
  });
});

describe("buildObjectStream annotations and edge cases", () => {
  it("sets no primary key without an Id field", () => {
    const { stream } = build({
      name: "AggregateThing",
      fields: [datetime("CreatedDate")],
    });
    expect(stream).not.toHaveProperty("source_defined_primary_key");
  });

  it("lists address, location and base64 fields as Bulk-unsupported", () => {
    const { stream } = build({
      name: "Site__c",
      fields: [
        idField,
        { name: "Where__c", type: "location" },
        { name: "Where__Latitude__s", type: "double" },
        { name: "Photo__c", type: "base64" },
        { name: "ShipTo", type: "address" },
      ],
    });
    expect(bulkUnsupportedFields(stream)).toEqual(["Where__c", "Photo__c", "ShipTo"]);
  });

  it("omits the Bulk annotations when nothing needs REST", () => {
    const { stream } = build({ name: "Plain__c", fields: [idField] });
    expect(stream.json_schema).not.toHaveProperty("x-bulk-unsupported-fields");
    expect(stream.json_schema).not.toHaveProperty("x-bulk-unsupported-object");
    expect(bulkUnsupportedFields(stream)).toEqual([]);
    expect(isBulkUnsupportedObjectStream(stream)).toBe(false);
  });

  it("marks objects the Bulk API rejects", () => {
    const { stream } = build({
      name: "Attachment",
      fields: [idField, { name: "Body", type: "base64" }, datetime("SystemModstamp")],
    });
    expect(stream.json_schema["x-bulk-unsupported-object"]).toBe(true);
    expect(isBulkUnsupportedObjectStream(stream)).toBe(true);
    expect(bulkUnsupportedFields(stream)).toEqual(["Body"]);
  });

  it("keeps a field of unknown type as a string and warns once", () => {
    const { properties, warnings } = build({
      name: "Odd__c",
      fields: [idField, { name: "Vector__c", type: "floatarray" }],
    });
    expect(properties.Vector__c).toEqual({ type: ["null", "string"] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Odd__c\.Vector__c.*floatarray/);
  });

  it("reads tolerate a catalog whose annotation is malformed", () => {
    expect(
      bulkUnsupportedFields({
        json_schema: { "x-bulk-unsupported-fields": "BillingAddress" },
      }),
    ).toEqual([]);
    expect(
      bulkUnsupportedFields({
        json_schema: { "x-bulk-unsupported-fields": ["A", 3, "B"] },
      }),
    ).toEqual(["A", "B"]);
  });
});

describe("field names that are not Salesforce identifiers (issue 13 point 13)", () => {
  it("are left out of the stream with one warning naming the object and the fields", () => {
    const { properties, warnings, stream } = build({
      name: "Hostile__c",
      fields: [
        idField,
        { name: "Status__c, (SELECT Id FROM User)", type: "string" },
        { name: "Bad Name", type: "base64" },
        datetime("SystemModstamp"),
      ],
    });
    expect(Object.keys(properties)).toEqual(["Id", "SystemModstamp"]);
    expect(bulkUnsupportedFields(stream)).toEqual([]);
    expect(warnings).toEqual([
      'Object Hostile__c: left out 2 field(s) whose names are not Salesforce field names: "Status__c, (SELECT Id FROM User)", "Bad Name".',
    ]);
  });
});
