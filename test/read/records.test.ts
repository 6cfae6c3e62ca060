import { parse } from "csv-parse";
import { describe, expect, it } from "vitest";
import {
  RELATIONSHIP_COLUMN_SHAPE,
  convertRestRecord,
  createCsvRecordConverter,
  createCsvRecordConverterCache,
  createRestRecordConverter,
} from "../../src/read/records/convert.js";
import { canonicalNumber } from "../../src/read/records/values.js";
import type { JsonSchemaObject } from "../../src/protocol/types.js";
import { normalizeDateTime } from "../../src/util/datetime.js";

const STRING = { type: ["null", "string"] };
const INTEGER = { type: ["null", "integer"] };
const NUMBER = { type: ["null", "number"] };
const BOOLEAN = { type: ["null", "boolean"] };
const DATE = { type: ["null", "string"], format: "date" };
const DATETIME = { type: ["null", "string"], format: "date-time", airbyte_type: "timestamp_with_timezone" };
const TIME = { type: ["null", "string"], format: "time", airbyte_type: "time_without_timezone" };
const ANY_TYPE = { type: ["null", "string", "number", "boolean"] };
const JSON_TYPE = { type: ["null", "object", "array", "string", "number", "boolean"] };
const ADDRESS = {
  type: ["null", "object"],
  properties: { street: STRING, city: STRING, latitude: NUMBER, longitude: NUMBER },
};

const objectSchema = (properties: Record<string, unknown>): JsonSchemaObject => ({
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: true,
  properties,
});

function collectWarnings(): { warn: (message: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (message) => messages.push(message), messages };
}

/** Converts one cell of a one-column stream; returns the JSON text of the value and the warnings. */
function convertCell(property: Record<string, unknown>, cell: string): { json: string; warnings: string[] } {
  const { warn, messages } = collectWarnings();
  const out = createCsvRecordConverter(objectSchema({ F: property }), ["F"], warn)([cell]);
  const prefix = '{"F":';
  expect(out.startsWith(prefix) && out.endsWith("}")).toBe(true);
  // The whole record must be valid JSON too.
  expect(() => JSON.parse(out) as unknown).not.toThrow();
  return { json: out.slice(prefix.length, -1), warnings: messages };
}

describe("CSV value encoders", () => {
  type Case = [cell: string, json: string];
  const valid: Record<string, [Record<string, unknown>, Case[]]> = {
    integer: [
      INTEGER,
      [
        ["42", "42"],
        ["-7", "-7"],
        ["0", "0"],
        ["-0", "0"],
        ["007", "7"],
        ["+5", "5"],
        ["5.0", "5"],
        ["1e3", "1000"],
        // Plain digits stay exact beyond 2^53 (a Salesforce long has up to 18 digits).
        ["123456789012345678", "123456789012345678"],
      ],
    ],
    number: [
      NUMBER,
      [
        ["12.34", "12.34"],
        ["1.50", "1.5"],
        ["1500.0", "1500"],
        [".5", "0.5"],
        ["-.5", "-0.5"],
        ["1e3", "1000"],
        ["1.5E-3", "0.0015"],
        ["-0.0", "0"],
        ["0.000001", "0.000001"],
        ["0.0000001", "1e-7"],
        ["007.5", "7.5"],
        ["+3", "3"],
        ["12345678901234567890", "12345678901234567000"],
      ],
    ],
    boolean: [
      BOOLEAN,
      [
        ["true", "true"],
        ["false", "false"],
        ["TRUE", "true"],
        ["False", "false"],
      ],
    ],
    "date-time": [
      DATETIME,
      [
        ["2024-01-02T03:04:05.000Z", '"2024-01-02T03:04:05.000Z"'],
        ["2024-01-02T03:04:05Z", '"2024-01-02T03:04:05.000Z"'],
        ["2024-01-02T03:04:05.000+0000", '"2024-01-02T03:04:05.000Z"'],
        ["2024-01-02T03:04:05.000+00:00", '"2024-01-02T03:04:05.000Z"'],
        ["2024-01-02T03:04:05+0000", '"2024-01-02T03:04:05.000Z"'],
        ["2024-01-02T05:34:05.000+02:30", '"2024-01-02T03:04:05.000Z"'],
        ["2024-01-01T22:04:05.000-0500", '"2024-01-02T03:04:05.000Z"'],
        ["2024-01-02T03:04:05.123456Z", '"2024-01-02T03:04:05.123Z"'],
        ["2024-01-02T03:04:05.1Z", '"2024-01-02T03:04:05.100Z"'],
        ["2024-01-02T03:04Z", '"2024-01-02T03:04:00.000Z"'],
        ["2024-01-02 03:04:05", '"2024-01-02T03:04:05.000Z"'],
        ["2024-02-29T00:00:00Z", '"2024-02-29T00:00:00.000Z"'],
        ["0050-06-01T00:00:00Z", '"0050-06-01T00:00:00.000Z"'],
      ],
    ],
    date: [
      DATE,
      [
        ["2024-01-02", '"2024-01-02"'],
        ["1700-12-31", '"1700-12-31"'],
      ],
    ],
    // Salesforce writes HH:mm:ss.SSSZ; a time without zone (TimeWithoutTimezone) that CAT's format
    // check (strptime %H:%M:%S) accepts, real milliseconds kept.
    time: [
      TIME,
      [
        ["03:04:05.000Z", '"03:04:05"'],
        ["23:59:59.600Z", '"23:59:59.600"'],
        ["03:04:05.1Z", '"03:04:05.100"'],
        ["03:04:05", '"03:04:05"'],
        ["03:04Z", '"03:04:00"'],
      ],
    ],
    string: [
      STRING,
      [
        ["plain", '"plain"'],
        ["0015g00000XyZaBcDe", '"0015g00000XyZaBcDe"'],
        // No type conversion for text: leading zeros, "true", numbers stay strings.
        ["007", '"007"'],
        ["true", '"true"'],
      ],
    ],
    "anyType (string|number|boolean)": [
      ANY_TYPE,
      [
        ["12", '"12"'],
        ["true", '"true"'],
      ],
    ],
    "json (any)": [
      JSON_TYPE,
      [
        ['{"a": [1, 2]}', '{"a":[1,2]}'],
        ["[true]", "[true]"],
        ["{not json", '"{not json"'],
        ["plain", '"plain"'],
      ],
    ],
  };

  for (const [kind, [property, cases]] of Object.entries(valid)) {
    it.each(cases)(`${kind}: %j -> %s`, (cell, json) => {
      const result = convertCell(property, cell);
      expect(result.json).toBe(json);
      expect(result.warnings).toEqual([]);
    });
  }

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ["integer", INTEGER, "5.5"],
    ["integer", INTEGER, "abc"],
    ["integer", INTEGER, "0x10"],
    ["integer", INTEGER, " 1"],
    ["integer", INTEGER, "1e400"],
    ["number", NUMBER, "NaN"],
    ["number", NUMBER, "Infinity"],
    ["number", NUMBER, "-Infinity"],
    ["number", NUMBER, "1e400"],
    ["number", NUMBER, "0x10"],
    ["number", NUMBER, "1,5"],
    ["number", NUMBER, "."],
    ["number", NUMBER, "-"],
    ["boolean", BOOLEAN, "yes"],
    ["boolean", BOOLEAN, "1"],
    ["date-time", DATETIME, "garbage"],
    ["date-time", DATETIME, "2024-02-30T00:00:00Z"],
    ["date-time", DATETIME, "2024-01-02T24:00:00Z"],
    ["date-time", DATETIME, "2024-01-02T03:04:05+2500"],
    ["date-time", DATETIME, "2024-01-02"],
    ["time", TIME, "24:00:00.000Z"],
    ["time", TIME, "03:04:05+01:00"],
    ["time", TIME, "3 pm"],
    ["address (object)", ADDRESS, "1 Main St"],
    ["date", DATE, "n/a"],
    ["date", DATE, "2024-02-30"],
    ["date", DATE, "2024-01-02T00:00:00Z"],
  ];
  it.each(invalid)("%s: invalid %j -> null with a warning", (_kind, property, cell) => {
    const result = convertCell(property, cell);
    expect(result.json).toBe("null");
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("F");
    // The value itself is not logged: it may be personal data.
    if (cell.length > 2) expect(result.warnings[0]).not.toContain(cell);
  });

  it.each([STRING, INTEGER, NUMBER, BOOLEAN, DATE, DATETIME, TIME, ANY_TYPE, JSON_TYPE, ADDRESS])(
    "empty field -> null (%j)",
    (property) => {
      expect(convertCell(property, "")).toEqual({ json: "null", warnings: [] });
    },
  );

  it.each([
    'say "hi"',
    "a,b,c",
    "line one\nline two\r\nline three",
    "back\\slash",
    "tab\there",
    "control \u0001\u001f chars",
    "unicode: Zürich, 東京, Ελλάδα",
    "emoji 😀 pair",
    "lone surrogate \ud800 here",
    "\u2028 line separator \u2029",
    "</script>",
  ])("string %j survives", (text) => {
    const { json } = convertCell(STRING, text);
    expect(JSON.parse(json)).toBe(text);
  });
});

describe("canonicalNumber / normalizeDateTime", () => {
  it("matches String(Number(text)) for plain decimals", () => {
    for (const text of ["0", "1", "-1", "10.25", "999999999999999", "0.1", "0.10", "123.4500", "-0.000001"])
      expect(canonicalNumber(text)).toBe(String(Number(text)));
  });

  it("rejects non-decimals that Number() would accept", () => {
    for (const text of ["", " ", " 1", "0x1f", "0b1", "Infinity", "1_000"])
      expect(canonicalNumber(text)).toBeUndefined();
  });

  it("converts offsets to UTC across a day boundary", () => {
    expect(normalizeDateTime("2024-12-31T23:30:00.000-01:00")).toBe("2025-01-01T00:30:00.000Z");
    expect(normalizeDateTime("2024-01-01T00:30:00.000+0100")).toBe("2023-12-31T23:30:00.000Z");
  });
});

describe("CSV records", () => {
  it("writes keys in header order, uses the schema's encoders, empty -> null", () => {
    const schema = objectSchema({ Id: STRING, Amount: NUMBER, IsWon: BOOLEAN, CloseDate: DATE, CreatedDate: DATETIME });
    const convert = createCsvRecordConverter(schema, ["Id", "CreatedDate", "Amount", "IsWon", "CloseDate"], () => {});
    expect(convert(["001", "2024-01-02T03:04:05Z", "1.50", "TRUE", ""])).toBe(
      '{"Id":"001","CreatedDate":"2024-01-02T03:04:05.000Z","Amount":1.5,"IsWon":true,"CloseDate":null}',
    );
  });

  it("reads cells missing from a short row as null", () => {
    const convert = createCsvRecordConverter(objectSchema({ A: STRING, B: INTEGER }), ["A", "B"], () => {});
    expect(convert(["x"])).toBe('{"A":"x","B":null}');
  });

  it("strips a byte order mark from the first column name", () => {
    const convert = createCsvRecordConverter(objectSchema({ Id: STRING }), ["\uFEFFId"], () => {});
    expect(convert(["1"])).toBe('{"Id":"1"}');
  });

  it("matches columns to properties exactly, not case-insensitively", () => {
    const { warn, messages } = collectWarnings();
    const convert = createCsvRecordConverter(objectSchema({ Amount: NUMBER }), ["amount"], warn);
    expect(convert(["1.50"])).toBe('{"amount":"1.50"}');
    expect(messages).toHaveLength(1);
  });

  it("keeps columns the schema lacks as strings, with one warning naming them", () => {
    const { warn, messages } = collectWarnings();
    const convert = createCsvRecordConverter(objectSchema({ Id: STRING }), ["Id", "Extra__c", "Other__c"], warn);
    expect(convert(["1", "42", ""])).toBe('{"Id":"1","Extra__c":"42","Other__c":null}');
    expect(convert(["2", "43", "x"])).toBe('{"Id":"2","Extra__c":"43","Other__c":"x"}');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("Extra__c, Other__c");
  });

  it("warns once per column, not per row", () => {
    const { warn, messages } = collectWarnings();
    const schema = objectSchema({ A: INTEGER, B: NUMBER, C: BOOLEAN, D: DATETIME });
    const convert = createCsvRecordConverter(schema, ["A", "B", "C", "D"], warn);
    for (let i = 0; i < 5; i++)
      expect(convert(["x", "NaN", "maybe", "soon"])).toBe('{"A":null,"B":null,"C":null,"D":null}');
    expect(convert(["1", "2", "true", "2024-01-02T03:04:05.000Z"])).toBe(
      '{"A":1,"B":2,"C":true,"D":"2024-01-02T03:04:05.000Z"}',
    );
    expect(messages).toHaveLength(4);
    expect(messages.map((m) => /Field (\w+)/.exec(m)?.[1])).toEqual(["A", "B", "C", "D"]);
  });

  it("the converter cache reuses the converter for an unchanged header, so pages do not warn again", () => {
    const { warn, messages } = collectWarnings();
    const converterFor = createCsvRecordConverterCache(objectSchema({ A: INTEGER }), warn);
    const page1 = converterFor(["A", "Extra"]);
    page1(["x", "1"]);
    const page2 = converterFor(["A", "Extra"]);
    expect(page2).toBe(page1);
    page2(["y", "2"]);
    expect(messages).toHaveLength(2); // one undeclared-column warning + one invalid-integer warning
    const other = converterFor(["Extra", "A"]);
    expect(other).not.toBe(page1);
    expect(other(["1", "2"])).toBe('{"Extra":"1","A":2}');
  });
});

describe("relationship columns", () => {
  const ownerSchema = objectSchema({
    Id: STRING,
    Owner: { type: ["null", "object"], properties: { Name: STRING, Email: STRING } },
    CreatedDate: DATETIME,
    Account: {
      type: ["null", "object"],
      properties: {
        Name: STRING,
        Owner: { type: ["null", "object"], properties: { Name: STRING } },
      },
    },
  });

  it("documents the shape", () => {
    expect(RELATIONSHIP_COLUMN_SHAPE).toMatch(/nested/);
  });

  it("nests dotted columns when the schema declares the parent, at the parent's first column", () => {
    const convert = createCsvRecordConverter(ownerSchema, ["Id", "Owner.Name", "CreatedDate", "Owner.Email"], () => {});
    expect(convert(["1", "Jane", "2024-01-02T03:04:05.000Z", "jane@example.com"])).toBe(
      '{"Id":"1","Owner":{"Name":"Jane","Email":"jane@example.com"},"CreatedDate":"2024-01-02T03:04:05.000Z"}',
    );
    expect(convert(["2", "", "", "only@example.com"])).toBe(
      '{"Id":"2","Owner":{"Name":null,"Email":"only@example.com"},"CreatedDate":null}',
    );
  });

  it("a parent whose every column is empty is null", () => {
    const convert = createCsvRecordConverter(ownerSchema, ["Id", "Owner.Name", "Owner.Email"], () => {});
    expect(convert(["1", "", ""])).toBe('{"Id":"1","Owner":null}');
  });

  it("nests several levels, each empty level null", () => {
    const convert = createCsvRecordConverter(ownerSchema, ["Id", "Account.Name", "Account.Owner.Name"], () => {});
    expect(JSON.parse(convert(["1", "Acme", "Jane"]))).toEqual({
      Id: "1",
      Account: { Name: "Acme", Owner: { Name: "Jane" } },
    });
    expect(convert(["1", "Acme", ""])).toBe('{"Id":"1","Account":{"Name":"Acme","Owner":null}}');
    expect(convert(["1", "", ""])).toBe('{"Id":"1","Account":null}');
  });

  it("keeps a sub-field the parent schema lacks, as a string inside the nested object", () => {
    const { warn, messages } = collectWarnings();
    const convert = createCsvRecordConverter(ownerSchema, ["Owner.Name", "Owner.Phone"], warn);
    expect(convert(["Jane", "555"])).toBe('{"Owner":{"Name":"Jane","Phone":"555"}}');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("Owner.Phone");
  });

  it("writes flat dotted keys when the schema declares the dotted name itself (query streams)", () => {
    const schema = objectSchema({ Id: STRING, "Owner.Name": STRING, "Account.NumberOfEmployees": INTEGER });
    const { warn, messages } = collectWarnings();
    const convert = createCsvRecordConverter(schema, ["Id", "Owner.Name", "Account.NumberOfEmployees"], warn);
    expect(convert(["1", "Jane", "12"])).toBe('{"Id":"1","Owner.Name":"Jane","Account.NumberOfEmployees":12}');
    expect(convert(["1", "", ""])).toBe('{"Id":"1","Owner.Name":null,"Account.NumberOfEmployees":null}');
    expect(messages).toEqual([]);
  });

  it("writes flat dotted keys (as strings, with a warning) when the schema has no parent object", () => {
    const { warn, messages } = collectWarnings();
    const convert = createCsvRecordConverter(objectSchema({ Id: STRING }), ["Id", "Owner.Name"], warn);
    expect(convert(["1", "Jane"])).toBe('{"Id":"1","Owner.Name":"Jane"}');
    expect(messages).toHaveLength(1);
  });

  it("stays flat when the parent name is itself a column, so no key is written twice", () => {
    const schema = objectSchema({ Owner: { type: ["null", "object"], properties: { Name: STRING } } });
    const convert = createCsvRecordConverter(schema, ["Owner", "Owner.Name"], () => {});
    const out = convert(['{"Name":"x"}', "Jane"]);
    expect(Object.keys(JSON.parse(out) as object)).toEqual(["Owner", "Owner.Name"]);
  });
});

describe("REST records", () => {
  const schema = objectSchema({
    Id: STRING,
    Name: STRING,
    Amount: NUMBER,
    Employees: INTEGER,
    IsWon: BOOLEAN,
    CloseDate: DATE,
    CreatedDate: DATETIME,
    Owner: { type: ["null", "object"], properties: { Name: STRING } },
    BillingAddress: ADDRESS,
    Payload__c: JSON_TYPE,
  });
  const attributes = (type: string) => ({ type, url: `/services/data/v62.0/sobjects/${type}/x` });

  it("drops attributes, follows the field order, normalises values", () => {
    const convert = createRestRecordConverter(
      schema,
      ["Id", "Owner.Name", "CreatedDate", "Amount", "Employees", "IsWon", "CloseDate", "Name"],
      () => {},
    );
    const out = convert({
      attributes: attributes("Opportunity"),
      Name: "Deal",
      Id: "006",
      IsWon: false,
      Employees: 12,
      Amount: 1500,
      CloseDate: "2024-01-02",
      CreatedDate: "2024-01-02T03:04:05.000+0000",
      Owner: { attributes: attributes("User"), Name: "Jane" },
    });
    expect(out).toBe(
      '{"Id":"006","Owner":{"Name":"Jane"},"CreatedDate":"2024-01-02T03:04:05.000Z","Amount":1500,' +
        '"Employees":12,"IsWon":false,"CloseDate":"2024-01-02","Name":"Deal"}',
    );
  });

  it("a null reference, or one with only null fields, is null; missing fields and empty strings are null", () => {
    const convert = createRestRecordConverter(schema, ["Id", "Owner.Name", "Name"], () => {});
    expect(convert({ attributes: attributes("Opportunity"), Id: "1", Owner: null, Name: "" })).toBe(
      '{"Id":"1","Owner":null,"Name":null}',
    );
    expect(convert({ Id: "1", Owner: { attributes: attributes("User"), Name: null } })).toBe(
      '{"Id":"1","Owner":null,"Name":null}',
    );
  });

  it("passes compound and JSON values through, without sObject attributes", () => {
    const convert = createRestRecordConverter(schema, ["BillingAddress", "Payload__c"], () => {});
    const address = { street: "1 Main St", city: "Paris", latitude: 48.85, longitude: 2.35 };
    const subQuery = {
      totalSize: 1,
      done: true,
      records: [{ attributes: attributes("Contact"), Id: "003", attributes2: 1 }],
      attributes: "kept: not sObject attributes",
    };
    const out = convert({ BillingAddress: address, Payload__c: subQuery });
    expect(JSON.parse(out)).toEqual({
      BillingAddress: address,
      Payload__c: {
        totalSize: 1,
        done: true,
        records: [{ Id: "003", attributes2: 1 }],
        attributes: "kept: not sObject attributes",
      },
    });
  });

  it("coerces by the schema and warns once per field for values that do not fit", () => {
    const { warn, messages } = collectWarnings();
    const convert = createRestRecordConverter(schema, ["Employees", "Amount", "IsWon", "CreatedDate", "Name"], warn);
    for (let i = 0; i < 3; i++)
      expect(convert({ Employees: 1.5, Amount: "abc", IsWon: 1, CreatedDate: "yesterday", Name: 42 })).toBe(
        '{"Employees":null,"Amount":null,"IsWon":null,"CreatedDate":null,"Name":"42"}',
      );
    expect(messages).toHaveLength(4);
    expect(convert({ Employees: "12", Amount: "1.50", IsWon: "true", CreatedDate: "2024-01-02T03:04:05Z" })).toBe(
      '{"Employees":12,"Amount":1.5,"IsWon":true,"CreatedDate":"2024-01-02T03:04:05.000Z","Name":null}',
    );
  });

  it("convertRestRecord converts one record", () => {
    expect(convertRestRecord({ attributes: attributes("Account"), Id: "1" }, schema, ["Id"], () => {})).toBe(
      '{"Id":"1"}',
    );
  });
});

describe("Bulk CSV and REST give byte-identical JSON for the same data", () => {
  const schema = objectSchema({
    Id: STRING,
    Name: STRING,
    Amount: NUMBER,
    NumberOfEmployees: INTEGER,
    IsWon: BOOLEAN,
    CloseDate: DATE,
    CreatedDate: DATETIME,
    Start__c: TIME,
    Description: STRING,
    Owner: { type: ["null", "object"], properties: { Name: STRING, Email: STRING } },
    "Account.Name": STRING,
  });
  const fields = [
    "Id",
    "Name",
    "Owner.Name",
    "Amount",
    "NumberOfEmployees",
    "IsWon",
    "CloseDate",
    "CreatedDate",
    "Start__c",
    "Description",
    "Owner.Email",
    "Account.Name",
  ];
  const attributes = (type: string) => ({ type, url: `/services/data/v62.0/sobjects/${type}/x` });

  // Each case: the CSV row Bulk returns and the REST record for the same Salesforce data.
  const cases: Array<[string, string[], Record<string, unknown>]> = [
    [
      "full record",
      [
        "006A",
        'Big "deal", Zürich\nsecond line',
        "Jane Doe",
        "1500.50",
        "12",
        "true",
        "2024-01-02",
        "2024-01-02T03:04:05.000Z",
        "03:04:05.000Z",
        "",
        "jane@example.com",
        "Acme",
      ],
      {
        attributes: attributes("Opportunity"),
        Id: "006A",
        Name: 'Big "deal", Zürich\nsecond line',
        Owner: { attributes: attributes("User"), Name: "Jane Doe", Email: "jane@example.com" },
        Amount: 1500.5,
        NumberOfEmployees: 12,
        IsWon: true,
        CloseDate: "2024-01-02",
        CreatedDate: "2024-01-02T03:04:05.000+0000",
        Start__c: "03:04:05.000Z",
        Description: null,
        Account: { attributes: attributes("Account"), Name: "Acme" },
      },
    ],
    [
      "empty references and nulls",
      ["006B", "Small", "", "0.10", "", "false", "", "2023-12-31T23:59:59.999Z", "", "text", "", ""],
      {
        attributes: attributes("Opportunity"),
        Id: "006B",
        Name: "Small",
        Owner: null,
        Amount: 0.1,
        NumberOfEmployees: null,
        IsWon: false,
        CloseDate: null,
        CreatedDate: "2023-12-31T23:59:59.999+0000",
        Start__c: null,
        Description: "text",
        Account: null,
      },
    ],
  ];

  it.each(cases)("%s", (_name, row, record) => {
    const { warn, messages } = collectWarnings();
    const fromCsv = createCsvRecordConverter(schema, fields, warn)(row);
    const fromRest = createRestRecordConverter(schema, fields, warn)(record);
    expect(fromCsv).toBe(fromRest);
    expect(messages).toEqual([]);
    const parsed = JSON.parse(fromCsv) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([
      "Id",
      "Name",
      "Owner",
      "Amount",
      "NumberOfEmployees",
      "IsWon",
      "CloseDate",
      "CreatedDate",
      "Start__c",
      "Description",
      "Account.Name",
    ]);
  });
});

describe("with csv-parse", () => {
  it("converts a real multi-row results page, quoted multiline field included", async () => {
    const csv =
      '"Id","Name","Description","Amount","IsDeleted","CreatedDate","Owner.Name"\n' +
      '"001A","Acme","Line one\nLine ""two"", with comma","1250.00","false","2024-01-02T03:04:05.000Z","Jane"\n' +
      '"001B","Zürich AG","","","true","2024-06-30T23:00:00.000Z",""\n' +
      "001C,Plain,unquoted,7,false,2024-01-02T03:04:05.000Z,Bob\n";
    const rows = await new Promise<string[][]>((resolve, reject) =>
      parse(csv, {}, (error, records: string[][] | undefined) => (error ? reject(error) : resolve(records ?? []))),
    );
    const [header, ...data] = rows;
    expect(header).toBeDefined();
    const schema = objectSchema({
      Id: STRING,
      Name: STRING,
      Description: STRING,
      Amount: NUMBER,
      IsDeleted: BOOLEAN,
      CreatedDate: DATETIME,
      Owner: { type: ["null", "object"], properties: { Name: STRING } },
    });
    const { warn, messages } = collectWarnings();
    const convert = createCsvRecordConverter(schema, header ?? [], warn);
    expect(data.map((row) => JSON.parse(convert(row)) as unknown)).toEqual([
      {
        Id: "001A",
        Name: "Acme",
        Description: 'Line one\nLine "two", with comma',
        Amount: 1250,
        IsDeleted: false,
        CreatedDate: "2024-01-02T03:04:05.000Z",
        Owner: { Name: "Jane" },
      },
      {
        Id: "001B",
        Name: "Zürich AG",
        Description: null,
        Amount: null,
        IsDeleted: true,
        CreatedDate: "2024-06-30T23:00:00.000Z",
        Owner: null,
      },
      {
        Id: "001C",
        Name: "Plain",
        Description: "unquoted",
        Amount: 7,
        IsDeleted: false,
        CreatedDate: "2024-01-02T03:04:05.000Z",
        Owner: { Name: "Bob" },
      },
    ]);
    expect(messages).toEqual([]);
  });
});

describe("compound values: each declared part typed like a field (issue 13 point 5)", () => {
  const schema = objectSchema({ Id: STRING, BillingAddress: ADDRESS });
  const fields = ["Id", "BillingAddress"];

  it("a latitude `n/a` is null with one warning naming the part; the other parts and their order stay", () => {
    const { warn, messages } = collectWarnings();
    const convert = createRestRecordConverter(schema, fields, warn);
    const address = { city: "Paris", latitude: "n/a", longitude: 2.35, street: null, geocodeAccuracy: "Zip" };
    expect(JSON.parse(convert({ Id: "1", BillingAddress: address }))).toEqual({
      Id: "1",
      BillingAddress: { city: "Paris", latitude: null, longitude: 2.35, street: null, geocodeAccuracy: "Zip" },
    });
    expect(convert({ Id: "1", BillingAddress: address })).toContain('"BillingAddress":{"city":"Paris","latitude":null');
    convert({ Id: "2", BillingAddress: { latitude: "x" } });
    expect(messages).toEqual([expect.stringMatching(/^Field BillingAddress\.latitude: a value is not a valid number/)]);
  });

  it("a valid compound is written byte for byte as JSON.stringify writes it", () => {
    const convert = createRestRecordConverter(schema, fields, () => {
      throw new Error("no warning expected");
    });
    const address = { street: "1 Main St", city: 'Zürich "Nord"', latitude: 47.37, longitude: 8.54 };
    expect(convert({ Id: "1", BillingAddress: address })).toBe(JSON.stringify({ Id: "1", BillingAddress: address }));
  });

  it("a compound that is not an object is null with a warning", () => {
    const { warn, messages } = collectWarnings();
    const convert = createRestRecordConverter(schema, fields, warn);
    expect(JSON.parse(convert({ Id: "1", BillingAddress: "somewhere" })).BillingAddress).toBeNull();
    expect(messages).toHaveLength(1);
  });
});

describe("NUL characters in text (issue 13 point 4)", () => {
  const schema = objectSchema({ Id: STRING, Notes: STRING, Data: JSON_TYPE });

  it("are removed from CSV cells and REST strings (nested too) and counted per column", () => {
    const counted: Array<[string, number]> = [];
    const onNul = (column: string, removed: number) => counted.push([column, removed]);
    const csv = createCsvRecordConverter(schema, ["Id", "Notes"], () => {}, onNul);
    expect(JSON.parse(csv(["1", "a\u0000b\u0000"]))).toEqual({ Id: "1", Notes: "ab" });
    const rest = createRestRecordConverter(schema, ["Id", "Notes", "Data"], () => {}, onNul);
    const out = rest({ Id: "2", Notes: "\u0000x", Data: { deep: ["y\u0000"] } });
    expect(out).not.toContain("\\u0000");
    expect(JSON.parse(out)).toEqual({ Id: "2", Notes: "x", Data: { deep: ["y"] } });
    expect(counted).toEqual([
      ["Notes", 2],
      ["Notes", 1],
      ["Data", 1],
    ]);
  });

  it("other control characters stay (escaped), and text without NUL is untouched", () => {
    const csv = createCsvRecordConverter(schema, ["Id", "Notes"], () => {});
    expect(JSON.parse(csv(["1", "tab\there\u0001"])).Notes).toBe("tab\there\u0001");
  });
});
