import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { parseQueryStream, relationshipPaths, type ParsedQuery } from "../../src/soql/parser.js";
import { addWindowToQuery, queryWithoutWindow } from "../../src/soql/rewrite.js";

const SEED =
  "SELECT CreatedDate, Id, Sales_User__r.Id, Sales_User__r.Name FROM Account WHERE Industry = 'Tech' ORDER BY CreatedDate LIMIT 100";

interface ValidCase {
  query: string;
  object: string;
  fields: string[];
  where?: string;
  orderBy?: string;
  limit?: number;
}

const valid: ValidCase[] = [
  {
    query: SEED,
    object: "Account",
    fields: ["CreatedDate", "Id", "Sales_User__r.Id", "Sales_User__r.Name"],
    where: "Industry = 'Tech'",
    orderBy: "CreatedDate",
    limit: 100,
  },
  { query: "SELECT Id FROM Account", object: "Account", fields: ["Id"] },
  {
    query: "select id, name from account where name != null order by name desc limit 5",
    object: "account",
    fields: ["id", "name"],
    where: "name != null",
    orderBy: "name desc",
    limit: 5,
  },
  {
    query: "SELECT Id, Owner.Manager.Name, Owner.Name FROM Account",
    object: "Account",
    fields: ["Id", "Owner.Manager.Name", "Owner.Name"],
  },
  {
    query: "SELECT Id, A__r.B__r.C__r.D__r.E__r.Name FROM X__c",
    object: "X__c",
    fields: ["Id", "A__r.B__r.C__r.D__r.E__r.Name"],
  },
  {
    query: "SELECT ns__Field__c, ns__Parent__r.Name, Geo__Latitude__s FROM ns__Obj__c",
    object: "ns__Obj__c",
    fields: ["ns__Field__c", "ns__Parent__r.Name", "Geo__Latitude__s"],
  },
  {
    query: "SELECT Id FROM Account WHERE (A__c = 1 AND (B__c = 2 OR C__c = 3)) OR NOT (D__c = 4)",
    object: "Account",
    fields: ["Id"],
    where: "(A__c = 1 AND (B__c = 2 OR C__c = 3)) OR NOT (D__c = 4)",
  },
  {
    query: "SELECT Id FROM Account WHERE Name IN ('FROM', 'LIMIT 5', 'ORDER BY', 'x) OR (1 = 1') LIMIT 10",
    object: "Account",
    fields: ["Id"],
    where: "Name IN ('FROM', 'LIMIT 5', 'ORDER BY', 'x) OR (1 = 1')",
    limit: 10,
  },
  {
    query: "SELECT Id FROM Account WHERE NumberOfEmployees NOT IN (1, 2.5, -3)",
    object: "Account",
    fields: ["Id"],
    where: "NumberOfEmployees NOT IN (1, 2.5, -3)",
  },
  {
    query: String.raw`SELECT Id FROM Contact WHERE LastName LIKE 'O\'Brien%' AND Path__c = 'C:\\temp\_x' AND Note__c = 'Z\u00fcrich'`,
    object: "Contact",
    fields: ["Id"],
    where: String.raw`LastName LIKE 'O\'Brien%' AND Path__c = 'C:\\temp\_x' AND Note__c = 'Z\u00fcrich'`,
  },
  {
    query:
      "SELECT Id FROM Opportunity WHERE CreatedDate = LAST_N_DAYS:7 AND CloseDate < NEXT_FISCAL_QUARTER AND LastModifiedDate > TODAY AND CloseDate = N_YEARS_AGO:2",
    object: "Opportunity",
    fields: ["Id"],
    where:
      "CreatedDate = LAST_N_DAYS:7 AND CloseDate < NEXT_FISCAL_QUARTER AND LastModifiedDate > TODAY AND CloseDate = N_YEARS_AGO:2",
  },
  {
    query:
      "SELECT Id FROM Opportunity WHERE CloseDate >= 2024-01-01 AND CreatedDate < 2024-02-01T00:00:00Z AND SystemModstamp > 2024-01-01T10:00:00.123+05:30",
    object: "Opportunity",
    fields: ["Id"],
    where:
      "CloseDate >= 2024-01-01 AND CreatedDate < 2024-02-01T00:00:00Z AND SystemModstamp > 2024-01-01T10:00:00.123+05:30",
  },
  {
    query: "SELECT Id FROM Lead WHERE Colors__c INCLUDES ('red;blue', 'green') AND Tags__c EXCLUDES ('x')",
    object: "Lead",
    fields: ["Id"],
    where: "Colors__c INCLUDES ('red;blue', 'green') AND Tags__c EXCLUDES ('x')",
  },
  {
    query: "SELECT Id FROM Account WHERE IsDeleted = FALSE AND ParentId = null AND Active__c = true",
    object: "Account",
    fields: ["Id"],
    where: "IsDeleted = FALSE AND ParentId = null AND Active__c = true",
  },
  {
    query: "SELECT Id, CreatedDate FROM Case ORDER BY CreatedDate DESC NULLS LAST, Owner.Name ASC, Id",
    object: "Case",
    fields: ["Id", "CreatedDate"],
    orderBy: "CreatedDate DESC NULLS LAST, Owner.Name ASC, Id",
  },
  { query: "SELECT Id FROM Contact LIMIT 50000", object: "Contact", fields: ["Id"], limit: 50000 },
  {
    query: "\n  SELECT Id,\n\tName\n  FROM Account\n  WHERE Name = 'a'\n    AND Type = 'b'\n  ORDER BY Name\n",
    object: "Account",
    fields: ["Id", "Name"],
    where: "Name = 'a'\n    AND Type = 'b'",
    orderBy: "Name",
  },
  {
    query:
      "SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2024 AND HOUR_IN_DAY(convertTimezone(CreatedDate)) > 8",
    object: "Account",
    fields: ["Id"],
    where: "CALENDAR_YEAR(CreatedDate) = 2024 AND HOUR_IN_DAY(convertTimezone(CreatedDate)) > 8",
  },
  {
    query: "SELECT Id FROM Opportunity WHERE Amount > USD5000 AND Amount < EUR10000.50",
    object: "Opportunity",
    fields: ["Id"],
    where: "Amount > USD5000 AND Amount < EUR10000.50",
  },
  {
    query: "SELECT Id FROM Account WHERE Name<>'x'AND AnnualRevenue>=-5 AND Owner.IsActive=true",
    object: "Account",
    fields: ["Id"],
    where: "Name<>'x'AND AnnualRevenue>=-5 AND Owner.IsActive=true",
  },
  {
    query: "SELECT Id, OrderNumber FROM Order ORDER BY OrderNumber",
    object: "Order",
    fields: ["Id", "OrderNumber"],
    orderBy: "OrderNumber",
  },
  {
    query: "SELECT Id, Name FROM Group WHERE Type = 'Queue'",
    object: "Group",
    fields: ["Id", "Name"],
    where: "Type = 'Queue'",
  },
  {
    query: "SELECT Id FROM Account WHERE NOT Name LIKE 'test%' LIMIT 1",
    object: "Account",
    fields: ["Id"],
    where: "NOT Name LIKE 'test%'",
    limit: 1,
  },
  {
    query: `SELECT Id FROM Account WHERE Description = 'WHERE x ORDER BY y LIMIT 1 "quoted" (' AND Id != NULL`,
    object: "Account",
    fields: ["Id"],
    where: `Description = 'WHERE x ORDER BY y LIMIT 1 "quoted" (' AND Id != NULL`,
  },
];

describe("parseQueryStream: valid queries", () => {
  it.each(valid)("$query", ({ query, object, fields, where, orderBy, limit }) => {
    const parsed = parseQueryStream("s", query);
    expect(parsed.object).toBe(object);
    expect(parsed.fields).toEqual(fields);
    expect(parsed.where?.text).toBe(where);
    expect(parsed.orderBy).toBe(orderBy);
    expect(parsed.limit).toBe(limit);
    expect(parsed.raw).toBe(query);
    if (parsed.where) expect(query.slice(parsed.where.start, parsed.where.end)).toBe(parsed.where.text);
    // What we send for a full refresh parses to the same parts.
    const again = parseQueryStream("s", queryWithoutWindow(parsed));
    expect([again.object, again.fields, again.where?.text, again.orderBy, again.limit]).toEqual([
      object,
      fields,
      where,
      orderBy,
      limit,
    ]);
  });

  it("returns the seed example's parts", () => {
    expect(parseQueryStream("sales", SEED)).toEqual({
      object: "Account",
      fields: ["CreatedDate", "Id", "Sales_User__r.Id", "Sales_User__r.Name"],
      where: { text: "Industry = 'Tech'", start: 80, end: 97 },
      orderBy: "CreatedDate",
      limit: 100,
      raw: SEED,
    });
  });
});

interface InvalidCase {
  query: string;
  message: string;
  column: number;
}

const invalid: InvalidCase[] = [
  { query: "FROM Account", message: "expected SELECT", column: 1 },
  { query: "SELECT FROM Account", message: "expected a field name", column: 8 },
  { query: "SELECT Id, Name WHERE Industry = 'Tech'", message: "expected ',' or FROM", column: 17 },
  { query: "SELECT Id, Name Account WHERE X = 1", message: "unexpected 'Account' after field Name", column: 17 },
  { query: "SELECT Id, Name n FROM Account", message: "aliases are not supported", column: 17 },
  { query: "SELECT Id FROM Account a", message: "unexpected 'a' after object Account", column: 24 },
  { query: "SELECT Id, (SELECT Id FROM Contacts) FROM Account", message: "unsupported subquery", column: 12 },
  { query: "SELECT Industry FROM Account GROUP BY Industry", message: "unsupported GROUP BY", column: 30 },
  { query: "SELECT Id FROM Account WHERE Id != null HAVING X > 1", message: "unsupported HAVING", column: 41 },
  { query: "SELECT COUNT() FROM Account", message: "unsupported aggregate function COUNT()", column: 8 },
  { query: "SELECT Name, max(CreatedDate) FROM Account", message: "unsupported aggregate function max()", column: 14 },
  { query: "SELECT COUNT_DISTINCT(Name) FROM Account", message: "aggregate function COUNT_DISTINCT()", column: 8 },
  { query: "SELECT Id FROM Account LIMIT 10 OFFSET 5", message: "unsupported OFFSET", column: 33 },
  { query: "SELECT TYPEOF What WHEN Account THEN Phone END FROM Event", message: "unsupported TYPEOF", column: 8 },
  { query: "SELECT Id FROM Account FOR VIEW", message: "unsupported FOR VIEW", column: 24 },
  { query: "SELECT Id FROM Account LIMIT 1 FOR UPDATE", message: "unsupported FOR UPDATE", column: 32 },
  { query: "SELECT Id FROM Account ORDER BY Id FOR REFERENCE", message: "unsupported FOR REFERENCE", column: 36 },
  {
    query: "SELECT Id FROM KnowledgeArticleVersion UPDATE TRACKING",
    message: "unsupported UPDATE TRACKING",
    column: 40,
  },
  { query: "SELECT Id FROM Account ALL ROWS", message: "unsupported ALL ROWS", column: 24 },
  { query: "SELECT Id FROM Account WITH SECURITY_ENFORCED", message: "unsupported WITH SECURITY_ENFORCED", column: 24 },
  {
    query: "SELECT Id FROM Account WHERE Id != null WITH USER_MODE",
    message: "unsupported WITH USER_MODE",
    column: 41,
  },
  { query: "SELECT Id FROM Account USING SCOPE Mine", message: "unsupported USING SCOPE", column: 24 },
  { query: "SELECT FIELDS(ALL) FROM Account", message: "unsupported FIELDS()", column: 8 },
  { query: "SELECT toLabel(Status) FROM Lead", message: "unsupported function toLabel()", column: 8 },
  { query: "SELECT Id, format(Amount) FROM Opportunity", message: "unsupported function format()", column: 12 },
  { query: "SELECT Id, convertCurrency(Amount) FROM Opportunity", message: "function convertCurrency()", column: 12 },
  { query: "SELECT Id FROM Account ORDER BY toLabel(Type)", message: "unsupported function toLabel()", column: 33 },
  { query: "SELECT Id FROM Account WHERE toLabel(Type) = 'x'", message: "unsupported function toLabel()", column: 30 },
  {
    query: "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)",
    message: "unsupported semi-join",
    column: 36,
  },
  {
    query: "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)",
    message: "unsupported anti-join",
    column: 40,
  },
  { query: "SELECT Id, Name, id FROM Account", message: "duplicate field id", column: 18 },
  { query: "SELECT Owner.Name, owner.name FROM Account", message: "duplicate field owner.name", column: 20 },
  { query: "SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3", message: "OR after AND", column: 46 },
  { query: "SELECT Id FROM Account WHERE A = 1 OR B = 2 AND C = 3", message: "AND after OR", column: 45 },
  { query: "SELECT Id FROM Account WHERE Name = 'abc", message: "unterminated string", column: 37 },
  { query: `SELECT Id FROM Account WHERE Name = "abc"`, message: "SOQL strings use single quotes", column: 37 },
  { query: "SELECT Id FROM Account WHERE Name = :name", message: "bind variables", column: 37 },
  { query: "SELECT Id FROM Account WHERE Name = Other__c", message: "expected a value, found 'Other__c'", column: 37 },
  { query: "SELECT Id FROM Account WHERE ORDER BY Name", message: "expected a condition after WHERE", column: 30 },
  { query: "SELECT Id FROM Account WHERE", message: "expected a condition after WHERE", column: 29 },
  { query: "SELECT Id FROM Account LIMIT abc", message: "expected a whole number after LIMIT", column: 30 },
  { query: "SELECT Id FROM Account LIMIT 0", message: "invalid LIMIT 0", column: 30 },
  { query: "SELECT Id FROM Account LIMIT 5 WHERE Name = 'x'", message: "expected the end of the query", column: 32 },
  { query: "SELECT Id FROM Account WHERE A = 1 B = 2", message: "expected AND, OR, ORDER BY, LIMIT", column: 36 },
  { query: "SELECT Id, Bad__Name FROM Account", message: "'Bad__Name' is not a Salesforce field name", column: 12 },
  { query: "SELECT Id, Owner.Bad__Name FROM Account", message: "'Bad__Name' is not a Salesforce", column: 18 },
  {
    query: "SELECT A__r.B__r.C__r.D__r.E__r.F__r.Name FROM X__c",
    message: "relationship path A__r.B__r.C__r.D__r.E__r.F__r.Name is too deep",
    column: 8,
  },
  { query: "SELECT Id FROM Account.Contacts", message: "unsupported relationship Account.Contacts", column: 16 },
  { query: "SELECT Id FROM Contact, Account", message: "unsupported second object", column: 23 },
  { query: "SELECT Id FROM Opportunity WHERE CloseDate = 2024-02-30", message: "invalid date 2024-02-30", column: 46 },
  { query: "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T10:00:00", message: "invalid dateTime", column: 44 },
  { query: "SELECT * FROM Account", message: "SOQL has no SELECT *", column: 8 },
  { query: "SELECT Id FROM Account;", message: "unexpected ';'", column: 23 },
  { query: "SELECT Id FROM Account WHERE Name LIKE 5", message: "expected a string in single quotes", column: 40 },
  { query: "SELECT Id FROM Lead WHERE Tags__c INCLUDES 'a'", message: "expected '(' after INCLUDES", column: 44 },
  { query: "SELECT Id FROM Account WHERE Id IN ()", message: "expected a value", column: 37 },
  { query: "SELECT Id FROM Account WHERE (A = 1", message: "expected AND, OR or ')'", column: 36 },
  {
    query: "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS",
    message: "expected ':n' after LAST_N_DAYS",
    column: 55,
  },
  { query: String.raw`SELECT Id FROM Account WHERE Name = 'a\qb'`, message: String.raw`invalid escape \q`, column: 39 },
  { query: "SELECT Id FROM Account WHERE Amount = 12abc", message: "invalid number 12abc", column: 39 },
  { query: "SELECT Id FROM Account WHERE Name BETWEEN 'a'", message: "expected a comparison operator", column: 35 },
  { query: "SELECT Id FROM Account ORDER Name", message: "expected BY after ORDER", column: 30 },
  { query: "SELECT Id FROM Account ORDER BY Name NULLS", message: "expected FIRST or LAST", column: 43 },
  { query: "SELECT Id, FROM Account", message: "expected a field name", column: 12 },
  { query: "SELECT Id FROM Account WHERE Id = 'a' ==", message: "expected AND, OR", column: 39 },
];

function errorOf(query: string, name = "s"): ConnectorError {
  try {
    parseQueryStream(name, query);
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe("parseQueryStream: invalid queries", () => {
  it.each(invalid)("$query → $message", ({ query, message, column }) => {
    const error = errorOf(query, "my_stream");
    expect(error.failureType).toBe("config_error");
    const firstLine = error.message.split("\n")[0]!;
    expect(firstLine).toContain("query stream 'my_stream': ");
    expect(firstLine).toContain(message);
    expect(firstLine).toContain(` at column ${column}`);
    // The caret points at the same character in the excerpt.
    const [, excerpt, caret] = error.message.split("\n");
    expect(caret).toMatch(/^ {2} *\^$/);
    expect(excerpt![caret!.indexOf("^")]).toBe(query[column - 1]);
  });

  it("formats the message with the column and a caret under the excerpt", () => {
    expect(errorOf("SELECT Id, Name WHERE Industry = 'Tech'", "X").message).toBe(
      [
        "query stream 'X': expected ',' or FROM at column 17: found 'WHERE'",
        "  SELECT Id, Name WHERE Industry = 'Tech'",
        "                  ^",
      ].join("\n"),
    );
  });

  it("clips a long line around the position", () => {
    const query = `SELECT ${Array.from({ length: 20 }, (_, i) => `Field${i}__c`).join(", ")} FROM Account GROUP BY Name`;
    const [, excerpt, caret] = errorOf(query).message.split("\n");
    expect(excerpt).toMatch(/^ {2}….*GROUP BY Name$/);
    expect(excerpt!.slice(caret!.indexOf("^"))).toMatch(/^GROUP BY/);
  });

  it("names the line and column in a multi-line query", () => {
    const message = errorOf("SELECT Id\nFROM Account\nWHERE Name = 'x' GROUP BY Name").message;
    expect(message).toContain("unsupported GROUP BY at line 3, column 18");
    expect(message.split("\n").slice(1)).toEqual(["  WHERE Name = 'x' GROUP BY Name", "                   ^"]);
  });

  it("reports the first problem in the text", () => {
    expect(errorOf("SELECT COUNT(Id), Name FROM Account GROUP BY Name").message).toContain(
      "aggregate function COUNT()",
    );
    expect(errorOf("SELECT Id Name FROM Account WHERE Name = 'x").message).toContain(
      "unexpected 'Name' after field Id",
    );
  });

  it("rejects an empty query", () => {
    expect(errorOf("  \n ", "empty").message).toBe(
      "query stream 'empty': the query is empty. Write it as SELECT … FROM Object.",
    );
  });
});

describe("addWindowToQuery", () => {
  const window = {
    cursorField: "SystemModstamp",
    from: new Date("2024-01-01T00:00:00Z"),
    to: new Date("2024-01-02T12:30:00.250Z"),
  };
  const WINDOW = "SystemModstamp >= 2024-01-01T00:00:00.000Z AND SystemModstamp < 2024-01-02T12:30:00.250Z";
  const windowed = (query: string) => addWindowToQuery(parseQueryStream("s", query), window);

  it.each([
    {
      query: SEED,
      expected: `SELECT CreatedDate, Id, Sales_User__r.Id, Sales_User__r.Name FROM Account WHERE Industry = 'Tech' AND ${WINDOW} ORDER BY CreatedDate LIMIT 100`,
    },
    { query: "SELECT Id FROM Account", expected: `SELECT Id FROM Account WHERE ${WINDOW}` },
    {
      query: "SELECT Id FROM Account ORDER BY Name DESC NULLS FIRST LIMIT 10",
      expected: `SELECT Id FROM Account WHERE ${WINDOW} ORDER BY Name DESC NULLS FIRST LIMIT 10`,
    },
    { query: "SELECT Id FROM Account LIMIT 10", expected: `SELECT Id FROM Account WHERE ${WINDOW} LIMIT 10` },
    {
      query: "SELECT Id FROM Account WHERE A__c = 1 OR B__c = 2",
      expected: `SELECT Id FROM Account WHERE (A__c = 1 OR B__c = 2) AND ${WINDOW}`,
    },
    {
      query: "SELECT Id FROM Account WHERE NOT Name LIKE 'a%' ORDER BY Id",
      expected: `SELECT Id FROM Account WHERE (NOT Name LIKE 'a%') AND ${WINDOW} ORDER BY Id`,
    },
    {
      query: "SELECT Id FROM Account WHERE Type = 'x' AND (A__c = 1 OR B__c = 2)",
      expected: `SELECT Id FROM Account WHERE Type = 'x' AND (A__c = 1 OR B__c = 2) AND ${WINDOW}`,
    },
    {
      query: "SELECT Id FROM Account WHERE Name = 'A OR B' AND Type != 'NOT'",
      expected: `SELECT Id FROM Account WHERE Name = 'A OR B' AND Type != 'NOT' AND ${WINDOW}`,
    },
    {
      query: "SELECT Id FROM Account WHERE Type NOT IN ('a', 'b')",
      expected: `SELECT Id FROM Account WHERE (Type NOT IN ('a', 'b')) AND ${WINDOW}`,
    },
    {
      query: "select Id from Account\nwhere Name = 'x'\n   or Name = 'y'\norder by Id\nlimit 3",
      expected: `SELECT Id FROM Account WHERE (Name = 'x'\n   or Name = 'y') AND ${WINDOW} ORDER BY Id LIMIT 3`,
    },
  ])("$query", ({ query, expected }) => {
    const result = windowed(query);
    expect(result).toBe(expected);
    // The windowed query is itself a query we accept, with the same fields and object.
    const reparsed = parseQueryStream("s", result);
    expect(reparsed.fields).toEqual(parseQueryStream("s", query).fields);
    expect(reparsed.where?.text.endsWith(WINDOW)).toBe(true);
  });

  it("rejects a cursor field that is not a Salesforce name", () => {
    const parsed = parseQueryStream("s", "SELECT Id FROM Account");
    for (const cursorField of ["Owner.LastModifiedDate", "x OR 1=1", "", "Bad__Name"]) {
      expect(() => addWindowToQuery(parsed, { ...window, cursorField })).toThrow(ConnectorError);
    }
    expect(() => addWindowToQuery(parsed, { ...window, cursorField: "Cursor__c" })).not.toThrow();
  });

  it("throws on an empty or invalid window", () => {
    const parsed = parseQueryStream("s", "SELECT Id FROM Account");
    expect(() => addWindowToQuery(parsed, { ...window, to: window.from })).toThrow(/empty window/);
    expect(() => addWindowToQuery(parsed, { ...window, from: new Date("nope") })).toThrow();
  });
});

describe("queryWithoutWindow", () => {
  it("keeps the WHERE text as written and normalises the rest", () => {
    const query = "select  Id ,Name\nfrom Account\nwhere Name = 'a  b'\n  and Type = 'x'\norder by Name  desc\nlimit 7";
    expect(queryWithoutWindow(parseQueryStream("s", query))).toBe(
      "SELECT Id, Name FROM Account WHERE Name = 'a  b'\n  and Type = 'x' ORDER BY Name  desc LIMIT 7",
    );
  });

  it("returns the seed example unchanged", () => {
    expect(queryWithoutWindow(parseQueryStream("s", SEED))).toBe(SEED);
  });
});

describe("relationshipPaths", () => {
  it("lists the selected fields that go through relationships", () => {
    const parsed = parseQueryStream(
      "s",
      "SELECT Id, Sales_User__r.Name, Owner.Manager.Name, Name FROM Account WHERE Parent.Name = 'x' ORDER BY Owner.Alias",
    );
    expect(relationshipPaths(parsed)).toEqual([
      ["Sales_User__r", "Name"],
      ["Owner", "Manager", "Name"],
    ]);
  });

  it("is empty without relationship fields", () => {
    const parsed: ParsedQuery = { object: "Account", fields: ["Id", "Name"], raw: "SELECT Id, Name FROM Account" };
    expect(relationshipPaths(parsed)).toEqual([]);
  });
});
