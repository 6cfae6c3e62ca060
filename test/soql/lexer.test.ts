import { describe, expect, it } from "vitest";
import { buildQuery } from "../../src/soql/builder.js";
import { Lexer, type LexerMode, type Token } from "../../src/soql/lexer.js";
import { parseQueryStream } from "../../src/soql/parser.js";

function tokens(src: string, mode: LexerMode): Array<Pick<Token, "kind" | "text">> {
  const lexer = new Lexer(
    src,
    (pos, what) => {
      throw new Error(`${what} at ${pos}`);
    },
    mode,
  );
  const out: Array<Pick<Token, "kind" | "text">> = [];
  for (let token = lexer.next(); token.kind !== "end"; token = lexer.next())
    out.push({ kind: token.kind, text: token.text });
  return out;
}

describe("one lexer, two modes", () => {
  it("checked mode fails at the first token that is not SOQL", () => {
    expect(() => tokens(`Name = "x"`, "checked")).toThrow("unexpected double quote at 7");
    expect(() => tokens(`Name LIKE 'a\\q'`, "checked")).toThrow("invalid escape \\q in a string at 12");
    expect(() => tokens(`Amount > 5LIMIT`, "checked")).toThrow("invalid number 5LIMIT at 9");
    expect(() => tokens(`Name = 'open`, "checked")).toThrow("unterminated string at 7");
  });

  it("checks date literals with the calendar the rest of the connector uses, years before 100 too", () => {
    expect(tokens("CreatedDate > 0048-02-29T00:00:00Z", "checked").at(-1)).toEqual({
      kind: "datetime",
      text: "0048-02-29T00:00:00Z",
    });
    expect(() => tokens("CloseDate = 2023-02-29", "checked")).toThrow("invalid date 2023-02-29 at 12");
    expect(parseQueryStream("s", "SELECT Id FROM Account WHERE CloseDate > 0050-01-01").where?.text).toBe(
      "CloseDate > 0050-01-01",
    );
  });

  it("structure mode hands what is not SOQL on as tokens: other, one word, unclosed", () => {
    expect(tokens(`Name = "x" AND Amount > 5LIMIT AND Note = 'a\\q' AND Title = 'open`, "structure")).toEqual([
      { kind: "ident", text: "Name" },
      { kind: "op", text: "=" },
      { kind: "other", text: '"' },
      { kind: "ident", text: "x" },
      { kind: "other", text: '"' },
      { kind: "ident", text: "AND" },
      { kind: "ident", text: "Amount" },
      { kind: "op", text: ">" },
      { kind: "other", text: "5LIMIT" },
      { kind: "ident", text: "AND" },
      { kind: "ident", text: "Note" },
      { kind: "op", text: "=" },
      { kind: "string", text: "'a\\q'" },
      { kind: "ident", text: "AND" },
      { kind: "ident", text: "Title" },
      { kind: "op", text: "=" },
      { kind: "unclosed", text: "'open" },
    ]);
  });
});

describe("object_filters checked through the lexer's structure mode", () => {
  const where = (userFilter: string): string => buildQuery({ object: "Account", fields: ["Id"], userFilter });

  it.each([
    "Amount__c > 1e5",
    "Name LIKE 'a\\q%'",
    "CreatedDate = LAST_N_DAYS:5LIMIT",
    "Amount__c > 5LIMIT",
    "Name = 'x' AND Id IN (SELECT AccountId FROM Contact WHERE Title = 'LIMIT 1')",
    "Order.By = 1",
  ])("leaves %j to Salesforce", (filter) => {
    expect(where(filter)).toBe(`SELECT Id FROM Account WHERE (${filter})`);
  });

  it.each([
    ["Owner.Limit > 5", /contains LIMIT/],
    ["CreatedDate = LAST_N_DAYS:5 LIMIT 1", /contains LIMIT/],
    ["Name = 'x'ORDER'y'BY Name", /contains ORDER BY/],
    ["Id IN (SELECT AccountId FROM Contact GROUP BY AccountId)", /contains GROUP BY/],
    ["Name = 'it\\'s", /quote \('\) is not closed/],
  ])("rejects %j", (filter, problem) => {
    expect(() => where(filter)).toThrow(problem);
  });
});
