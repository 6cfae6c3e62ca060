import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { buildQuery, checkObjectFilterSyntax, soqlDateTime, soqlString } from "../../src/soql/builder.js";
import { isFieldPath, isSalesforceIdentifier } from "../../src/soql/identifiers.js";

function configErrorOf(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failureType).toBe("config_error");
    return error as ConnectorError;
  }
  throw new Error("expected a config error");
}

const INJECTIONS = [
  "Name FROM User--",
  "Id,Password",
  "Id, Name",
  "Id FROM Account WHERE Name = 'x'",
  "Name)",
  "Name'",
  "Name;",
  "Name\nFROM User",
  "Name/*",
  "(SELECT Id FROM Contacts)",
  "COUNT()",
  "Ñame",
  "",
];

describe("isSalesforceIdentifier", () => {
  it.each([
    "Id",
    "Account",
    "SystemModstamp",
    "Auto_Number", // single underscores
    "Primary_Contact__c",
    "ns__Description__c",
    "ParentWhizbang__r",
    "PersonField__pc",
    "Ext__x",
    "Setting__mdt",
    "Thing__e",
    "Log__b",
    "Article__kav",
    "Thing__History",
    "Thing__Share",
    "Thing__Feed",
    "Thing__ChangeEvent",
    "Thing__C", // case-insensitive suffix
    "Geo__Latitude__s",
    "Site__City__s",
    "ns__Geo__Longitude__s",
    "A1",
    "x".repeat(80),
  ])("accepts %s", (name) => {
    expect(isSalesforceIdentifier(name)).toBe(true);
  });

  it.each([
    ...INJECTIONS,
    "1Account",
    "_Id",
    "Id_",
    "Name__",
    "__c",
    "Bad___c",
    "Name__zz", // not a known suffix
    "ns__Name", // namespace without a suffix
    "a__b__c__d",
    "a__b__c__d__s",
    "Geo__s",
    "Owner.Name", // a path, not one identifier
    "x".repeat(81),
  ])("rejects %j", (name) => {
    expect(isSalesforceIdentifier(name)).toBe(false);
  });
});

describe("isFieldPath", () => {
  it.each([
    ["Name", true],
    ["Owner.Name", true],
    ["ns__Parent__r.Account.Owner.Name", true],
    ["Owner.", false],
    [".Name", false],
    ["Owner..Name", false],
    ["Owner.Name FROM User", false],
    [`Owner.${"x".repeat(81)}`, false],
  ])("%j -> %s", (path, ok) => {
    expect(isFieldPath(path)).toBe(ok);
  });
});

describe("soqlDateTime", () => {
  it.each([
    [new Date("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05.000Z"],
    [new Date("2024-01-02T03:04:05.678+02:00"), "2024-01-02T01:04:05.678Z"],
    [new Date(0), "1970-01-01T00:00:00.000Z"],
  ])("%s", (date, literal) => {
    expect(soqlDateTime(date)).toBe(literal);
  });

  it("refuses an invalid Date", () => {
    expect(() => soqlDateTime(new Date("nope"))).toThrow();
  });
});

/** Reads a quoted literal back using the escape table of Salesforce's SOQL docs. */
function unquote(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = literal.slice(1, -1);
  const simple: Record<string, string> = {
    n: "\n",
    N: "\n",
    r: "\r",
    R: "\r",
    t: "\t",
    T: "\t",
    f: "\f",
    F: "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
  };
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char === "'") throw new Error(`unescaped quote at ${i}`);
    if (char !== "\\") {
      out += char;
      continue;
    }
    const next = body[++i]!;
    if (next === "u") {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (simple[next] !== undefined) out += simple[next];
    else throw new Error(`undocumented escape \\${next}`);
  }
  return out;
}

describe("soqlString", () => {
  it.each([
    ["Bob's BBQ", "'Bob\\'s BBQ'"],
    ["plain", "'plain'"],
    ["", "''"],
    ["back\\slash", "'back\\\\slash'"],
    ['say "hi"', "'say \\\"hi\\\"'"],
    ["a\nb\r\tc\fd", "'a\\nb\\r\\tc\\fd'"],
    ["bell\u0007 backspace\b", "'bell\\u0007 backspace\\u0008'"],
    ["100% _x_", "'100% _x_'"], // LIKE wildcards are literal outside LIKE; left alone
    ["été 日本 😀", "'été 日本 😀'"],
    ["' OR Name != '", "'\\' OR Name != \\''"],
    ["\\' OR 1=1 --", "'\\\\\\' OR 1=1 --'"],
  ])("%j", (value, literal) => {
    expect(soqlString(value)).toBe(literal);
    expect(unquote(soqlString(value))).toBe(value);
  });

  it("round-trips every control and ASCII character", () => {
    const all = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join("") + "\u2028\uffff";
    expect(unquote(soqlString(all))).toBe(all);
  });
});

describe("buildQuery", () => {
  const from = new Date("2024-01-01T00:00:00Z");
  const to = new Date("2024-01-31T00:00:00Z");
  const window = { cursorField: "SystemModstamp", from, to };

  it.each<[string, Parameters<typeof buildQuery>[0], string]>([
    ["fields only", { object: "Account", fields: ["Id", "Name"] }, "SELECT Id, Name FROM Account"],
    [
      "window",
      { object: "Account", fields: ["Id"], window },
      "SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00.000Z AND SystemModstamp < 2024-01-31T00:00:00.000Z",
    ],
    [
      "user filter and window",
      {
        object: "Account",
        fields: ["Id", "Owner.Name"],
        userFilter: "Type = 'Customer' OR Industry = 'Banking'",
        window,
      },
      "SELECT Id, Owner.Name FROM Account WHERE (Type = 'Customer' OR Industry = 'Banking') AND SystemModstamp >= 2024-01-01T00:00:00.000Z AND SystemModstamp < 2024-01-31T00:00:00.000Z",
    ],
    [
      "user filter only, trimmed",
      { object: "ns__Thing__c", fields: ["Id"], userFilter: "  IsActive__c = true " },
      "SELECT Id FROM ns__Thing__c WHERE (IsActive__c = true)",
    ],
    ["blank user filter", { object: "Account", fields: ["Id"], userFilter: "   " }, "SELECT Id FROM Account"],
    [
      "duplicate fields (case-insensitive)",
      { object: "Account", fields: ["Id", "Name", "ID"] },
      "SELECT Id, Name FROM Account",
    ],
    [
      "filter with quotes, escapes, keywords inside strings and a semi-join",
      {
        object: "Account",
        fields: ["Id"],
        userFilter:
          "Name LIKE 'Bob\\'s (ORDER BY LIMIT 5%' AND Id IN (SELECT AccountId FROM Contact WHERE Title = 'x\"y')",
      },
      "SELECT Id FROM Account WHERE (Name LIKE 'Bob\\'s (ORDER BY LIMIT 5%' AND Id IN (SELECT AccountId FROM Contact WHERE Title = 'x\"y'))",
    ],
    [
      "keyword-like field names",
      { object: "Account", fields: ["Id"], userFilter: "Limit__c > 5 AND Order_By__c = null" },
      "SELECT Id FROM Account WHERE (Limit__c > 5 AND Order_By__c = null)",
    ],
  ])("%s", (_label, spec, query) => {
    expect(buildQuery(spec)).toBe(query);
  });

  it.each(INJECTIONS)("rejects field %j, naming it", (field) => {
    const error = configErrorOf(() => buildQuery({ object: "Account", fields: ["Id", field] }));
    expect(error.message).toContain(JSON.stringify(field));
    expect(error.message).toContain("'Account'");
  });

  it.each(INJECTIONS)("rejects object %j", (object) => {
    const error = configErrorOf(() => buildQuery({ object, fields: ["Id"] }));
    expect(error.message).toContain(`'${object}'`);
  });

  it.each(INJECTIONS)("rejects cursor field %j", (cursorField) => {
    const error = configErrorOf(() =>
      buildQuery({ object: "Account", fields: ["Id"], window: { cursorField, from, to } }),
    );
    expect(error.message).toContain(JSON.stringify(cursorField));
  });

  it("rejects an empty field list", () => {
    expect(configErrorOf(() => buildQuery({ object: "Account", fields: [] })).message).toMatch(
      /'Account' selects no fields/,
    );
  });

  it("rejects an empty or inverted window as a bug, not a config error", () => {
    expect(() =>
      buildQuery({ object: "Account", fields: ["Id"], window: { cursorField: "SystemModstamp", from: to, to: from } }),
    ).toThrow(/empty window/);
    expect(() =>
      buildQuery({ object: "Account", fields: ["Id"], window: { cursorField: "SystemModstamp", from, to: from } }),
    ).toThrow(/empty window/);
  });

  it.each<[string, RegExp]>([
    ["(Type = 'x'", /parenthesis is not closed/],
    ["Type = 'x')", /closing parenthesis has no opening one/],
    ["Type = 'x') OR (Id != null", /closing parenthesis has no opening one/],
    ["Name = 'unclosed", /quote \('\) is not closed/],
    ["Name = 'ends with escape\\'", /quote \('\) is not closed/],
    ['Name = "double"', /single quotes/],
    ["Type = 'x' LIMIT 10", /contains LIMIT/],
    ["Type = 'x' ORDER BY Name", /contains ORDER BY/],
    ["Type = 'x' order\n  by Name", /contains ORDER BY/],
    ["Type != null GROUP BY Type", /contains GROUP BY/],
    ["Type = 'x' OFFSET 5", /contains OFFSET/],
  ])("rejects user filter %j, naming the object", (userFilter, problem) => {
    const error = configErrorOf(() => buildQuery({ object: "Account", fields: ["Id"], userFilter }));
    expect(error.message).toContain("object_filters for 'Account'");
    expect(error.message).toMatch(problem);
  });
});

describe("checkObjectFilterSyntax (issue 13 point 6)", () => {
  const check = (where: string) => () => checkObjectFilterSyntax([{ object: "Item__c", where }]);

  it("refuses a semicolon outside a string, naming object_filters.N.where and the object", () => {
    expect(check("Name != null; DELETE FROM Item__c")).toThrow(ConnectorError);
    expect(check("Name != null; DELETE FROM Item__c")).toThrow(
      /^object_filters\.0\.where for 'Item__c': a semicolon \(;\) outside a quoted string is not SOQL/,
    );
    expect(() =>
      checkObjectFilterSyntax([
        { object: "A", where: "Name = 'x'" },
        { object: "B", where: "X = 1;" },
      ]),
    ).toThrow(/^object_filters\.1\.where for 'B'/);
  });

  it("accepts a semicolon inside a quoted string", () => {
    expect(check("Name = 'a;b' AND Notes__c LIKE '%;%'")).not.toThrow();
  });

  it("buildQuery refuses it too (the last line before Salesforce)", () => {
    expect(() => buildQuery({ object: "Item__c", fields: ["Id"], userFilter: "Id != null;" })).toThrow(/semicolon/);
  });
});
