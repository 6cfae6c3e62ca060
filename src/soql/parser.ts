// A small SOQL parser for query streams: enough of SOQL to know what a user's query reads (the FROM
// object and the selected field paths), to keep their WHERE text exactly, to AND an incremental
// window into it (rewrite.ts), and to reject up front, with a position, what the Bulk API cannot run.
//
// Accepted grammar (keywords case-insensitive):
//
//   query      := SELECT field ("," field)* FROM object [WHERE condition]
//                 [ORDER BY order ("," order)*] [LIMIT integer]
//   field      := path                              (no aliases, no functions, no subqueries)
//   path       := name ("." name)*                  (at most 5 relationship hops)
//   object     := name                              (one object, no alias)
//   condition  := factor (AND factor)* | factor (OR factor)*   (mixing needs parentheses, as in SOQL)
//   factor     := NOT factor | "(" condition ")" | comparison
//   comparison := operand ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") value
//               | operand LIKE string
//               | operand [NOT] IN "(" value ("," value)* ")"
//               | operand (INCLUDES | EXCLUDES) "(" string ("," string)* ")"
//   operand    := path | dateFunction "(" path ")" | dateFunction "(" convertTimezone "(" path ")" ")"
//   value      := string | number | date | dateTime | dateLiteral [":" n] | TRUE | FALSE | NULL
//               | currency (e.g. USD5000)
//   order      := path [ASC | DESC] [NULLS (FIRST | LAST)]
//
// Names are checked with isSalesforceIdentifier. Rejected with a dedicated message: subqueries and
// semi-/anti-joins, GROUP BY, HAVING, aggregate functions, FIELDS(), toLabel()/format()/
// convertCurrency() and other functions, TYPEOF, aliases, several objects, USING SCOPE, WITH, OFFSET,
// FOR VIEW/UPDATE/REFERENCE, UPDATE TRACKING/VIEWSTAT, ALL ROWS, bind variables, duplicate fields.
import { ConnectorError, configError } from "../errors.js";
import { isSalesforceIdentifier } from "./identifiers.js";
import { CURRENCY, isWord, Lexer, type Fail, type Token } from "./lexer.js";

export interface WhereText {
  /** The condition exactly as written (what follows WHERE). */
  text: string;
  /** Offsets of `text` in `raw`: `raw.slice(start, end) === text`. */
  start: number;
  end: number;
}

export interface ParsedQuery {
  /** The FROM object, as written. */
  object: string;
  /** The selected field paths as written, e.g. "Sales_User__r.Name". */
  fields: string[];
  where?: WhereText;
  /** What follows ORDER BY, as written, e.g. "CreatedDate DESC NULLS LAST, Id". */
  orderBy?: string;
  limit?: number;
  /** The query as configured. */
  raw: string;
}

/** Parses one configured query stream, or throws one config error naming the stream and the position. */
export function parseQueryStream(name: string, query: string): ParsedQuery {
  const fail = (pos: number, what: string, detail?: string): never => {
    throw positionError(name, query, pos, what, detail);
  };
  if (query.trim() === "")
    throw configError(`query stream '${name}': the query is empty. Write it as SELECT … FROM Object.`);
  return new Parser(query, fail).parseQuery();
}

/** The selected fields that go through relationships, split: `Owner.Manager.Name` → ["Owner", "Manager", "Name"]. */
export function relationshipPaths(parsed: ParsedQuery): string[][] {
  return parsed.fields.filter((field) => field.includes(".")).map((field) => field.split("."));
}

// ---------------------------------------------------------------------------------------------
// Errors

function positionError(name: string, raw: string, pos: number, what: string, detail?: string): ConnectorError {
  const lineStart = pos === 0 ? 0 : raw.lastIndexOf("\n", pos - 1) + 1;
  const lineEnd = raw.indexOf("\n", pos) < 0 ? raw.length : raw.indexOf("\n", pos);
  const column = pos - lineStart + 1;
  const line = raw.slice(0, lineStart).split("\n").length;
  const at = raw.includes("\n") ? `line ${line}, column ${column}` : `column ${column}`;
  const excerpt = caretExcerpt(raw.slice(lineStart, lineEnd), column - 1);
  return configError(`query stream '${name}': ${what} at ${at}${detail ? `: ${detail}` : ""}\n${excerpt}`);
}

/** Lines up to this long are shown whole; longer ones are clipped to EXCERPT_RADIUS around the position. */
const EXCERPT_MAX = 100;
const EXCERPT_RADIUS = 40;

/** `  text around the position` and a caret under the position. */
function caretExcerpt(line: string, index: number): string {
  const clip = line.length > EXCERPT_MAX;
  const from = clip ? Math.max(0, index - EXCERPT_RADIUS) : 0;
  const to = clip ? Math.min(line.length, index + EXCERPT_RADIUS) : line.length;
  const prefix = from > 0 ? "…" : "";
  const text = `${prefix}${line.slice(from, to).replace(/\s/g, " ")}${to < line.length ? "…" : ""}`;
  return `  ${text.trimEnd()}\n  ${" ".repeat(prefix.length + index - from)}^`;
}

// ---------------------------------------------------------------------------------------------
// Parser

/** SOQL reserved words: never a field or object name (except GROUP, a standard object). */
const RESERVED = new Set(
  "AND ASC DESC EXCLUDES FIRST FROM GROUP HAVING IN INCLUDES LAST LIKE LIMIT NOT NULL NULLS OR SELECT WHERE WITH TRUE FALSE".split(
    " ",
  ),
);
/** Words that start a clause or are part of one: not an alias when they follow a name. */
const CLAUSE_WORDS = new Set([...RESERVED, "ORDER", "BY", "OFFSET", "USING", "FOR", "UPDATE", "ALL", "TYPEOF"]);
const AGGREGATES = new Set(["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"]);
/** Date functions Bulk queries may use in WHERE (not in the field list: that needs GROUP BY). */
const DATE_FUNCTIONS = new Set(
  "CALENDAR_MONTH CALENDAR_QUARTER CALENDAR_YEAR DAY_IN_MONTH DAY_IN_WEEK DAY_IN_YEAR DAY_ONLY FISCAL_MONTH FISCAL_QUARTER FISCAL_YEAR HOUR_IN_DAY WEEK_IN_MONTH WEEK_IN_YEAR".split(
    " ",
  ),
);
/** Salesforce follows at most five child-to-parent relationships in one path. */
const MAX_RELATIONSHIP_HOPS = 5;
const COMPARISON = "a comparison operator (=, !=, <, <=, >, >=, LIKE, IN, NOT IN, INCLUDES or EXCLUDES)";

function isReserved(token: Token): boolean {
  return token.kind === "ident" && RESERVED.has(token.text.toUpperCase());
}

/** Field names never look like a clause keyword (objects may: Order, Group). */
function isClauseWord(token: Token): boolean {
  return token.kind === "ident" && CLAUSE_WORDS.has(token.text.toUpperCase());
}

/** A token as an error message names it. */
function tokenText(token: Token): string {
  if (token.kind === "end") return "the end of the query";
  if (token.kind === "string") return "a string";
  return `'${token.text}'`;
}

class Parser {
  private readonly raw: string;
  private readonly fail: Fail;
  private readonly lexer: Lexer;
  private readonly tokens: Token[] = [];
  private index = 0;
  /** End offset of the last token consumed. */
  private lastEnd = 0;

  constructor(raw: string, fail: Fail) {
    this.raw = raw;
    this.fail = fail;
    this.lexer = new Lexer(raw, fail);
  }

  parseQuery(): ParsedQuery {
    this.expectWord("SELECT");
    const fields = this.selectList();
    this.advance(); // FROM, checked by selectList
    const object = this.fromObject();
    const parsed: ParsedQuery = { object, fields, raw: this.raw };
    let expected = "WHERE, ORDER BY, LIMIT";

    if (isWord(this.peek(), "WHERE")) {
      this.advance();
      const start = this.peek().start;
      const first = this.peek();
      if (first.kind === "end" || (isClauseWord(first) && !isWord(first, "NOT"))) {
        this.unexpected(first, "a condition after WHERE");
      }
      this.condition();
      parsed.where = { text: this.raw.slice(start, this.lastEnd), start, end: this.lastEnd };
      expected = "AND, OR, ORDER BY, LIMIT";
    }
    if (isWord(this.peek(), "ORDER")) {
      this.advance();
      if (!isWord(this.peek(), "BY")) this.unexpected(this.peek(), "BY after ORDER");
      this.advance();
      const start = this.peek().start;
      this.orderList();
      parsed.orderBy = this.raw.slice(start, this.lastEnd);
      expected = "',', LIMIT";
    }
    if (isWord(this.peek(), "LIMIT")) {
      this.advance();
      parsed.limit = this.limit();
      expected = "";
    }
    const token = this.peek();
    if (token.kind !== "end") {
      this.unsupportedClause(token);
      const misplaced = ["WHERE", "ORDER", "LIMIT"].includes(token.text.toUpperCase()) && token.kind === "ident";
      this.fail(
        token.start,
        `expected ${expected ? `${expected} or ` : ""}the end of the query`,
        `found ${tokenText(token)}${misplaced ? " (clauses go in the order WHERE, ORDER BY, LIMIT)" : ""}`,
      );
    }
    return parsed;
  }

  // SELECT list ------------------------------------------------------------------------------

  private selectList(): string[] {
    const fields: string[] = [];
    const seen = new Map<string, string>();
    for (;;) {
      const token = this.peek();
      if (token.kind === "(" && isWord(this.peek(1), "SELECT")) {
        this.fail(
          token.start,
          "unsupported subquery",
          "the Bulk API cannot run parent-to-child subqueries (SELECT …); read the child object in its own query stream",
        );
      }
      if (token.kind === "ident" && this.peek(1).kind === "(") this.unsupportedFunction(token, "select");
      if (isWord(token, "TYPEOF") && this.peek(1).kind === "ident") this.unsupportedClause(token);
      if (token.kind !== "ident" || isClauseWord(token)) this.unexpected(token, "a field name");
      this.fieldPath(token);
      const previous = seen.get(token.text.toLowerCase());
      if (previous !== undefined) {
        this.fail(
          token.start,
          `duplicate field ${token.text}`,
          `${previous} is already selected (names are case-insensitive)`,
        );
      }
      seen.set(token.text.toLowerCase(), token.text);
      fields.push(token.text);
      this.advance();

      const next = this.peek();
      if (next.kind === ",") {
        this.advance();
        continue;
      }
      if (isWord(next, "FROM")) return fields;
      this.rejectAlias(next, `field ${token.text}`);
      this.unexpected(next, "',' or FROM");
    }
  }

  private fromObject(): string {
    const token = this.peek();
    const isGroupObject = isWord(token, "GROUP") && !isWord(this.peek(1), "BY");
    if (token.kind !== "ident" || (isReserved(token) && !isGroupObject))
      this.unexpected(token, "an object name after FROM");
    if (token.text.includes(".")) {
      this.fail(
        token.start,
        `unsupported relationship ${token.text} after FROM`,
        "a query stream reads one object; write its name",
      );
    }
    if (!isSalesforceIdentifier(token.text)) this.fail(token.start, `'${token.text}' is not a Salesforce object name`);
    this.advance();
    const next = this.peek();
    if (next.kind === ",") {
      this.fail(next.start, "unsupported second object after FROM", "a query stream reads exactly one object");
    }
    this.rejectAlias(next, `object ${token.text}`);
    return token.text;
  }

  // WHERE ------------------------------------------------------------------------------------

  /** factor (AND factor)* or factor (OR factor)*. */
  private condition(): void {
    this.factor();
    let connective: string | undefined;
    while (isWord(this.peek(), "AND") || isWord(this.peek(), "OR")) {
      const token = this.advance();
      const word = token.text.toUpperCase();
      if (connective !== undefined && connective !== word) {
        this.fail(
          token.start,
          `${word} after ${connective}`,
          "SOQL needs parentheses to mix AND and OR, e.g. A = 1 AND (B = 2 OR C = 3)",
        );
      }
      connective = word;
      this.factor();
    }
  }

  private factor(): void {
    const token = this.peek();
    if (isWord(token, "NOT")) {
      this.advance();
      this.factor();
      return;
    }
    if (token.kind === "(") {
      if (isWord(this.peek(1), "SELECT"))
        this.fail(token.start, "unsupported subquery", "the Bulk API cannot run subqueries");
      this.advance();
      this.condition();
      if (this.peek().kind !== ")") this.unexpected(this.peek(), "AND, OR or ')'");
      this.advance();
      return;
    }
    this.comparison();
  }

  private comparison(): void {
    this.operand();
    const token = this.peek();
    if (token.kind === "op") {
      this.advance();
      this.value("any");
    } else if (isWord(token, "LIKE")) {
      this.advance();
      this.value("string");
    } else if (isWord(token, "IN")) {
      this.advance();
      this.valueList("IN", "any");
    } else if (isWord(token, "NOT") && isWord(this.peek(1), "IN")) {
      this.advance();
      this.advance();
      this.valueList("NOT IN", "any");
    } else if (isWord(token, "INCLUDES") || isWord(token, "EXCLUDES")) {
      this.advance();
      this.valueList(token.text.toUpperCase(), "string");
    } else {
      this.unexpected(token, COMPARISON);
    }
  }

  /** A field path, or a date function of one: CALENDAR_YEAR(CreatedDate), HOUR_IN_DAY(convertTimezone(CreatedDate)). */
  private operand(): void {
    const token = this.peek();
    if (token.kind === "ident" && this.peek(1).kind === "(") {
      if (!DATE_FUNCTIONS.has(token.text.toUpperCase())) this.unsupportedFunction(token, "where");
      this.advance();
      this.advance();
      const inner = this.peek();
      const converted = isWord(inner, "CONVERTTIMEZONE") && this.peek(1).kind === "(";
      if (converted) {
        this.advance();
        this.advance();
      }
      this.plainField();
      for (let i = converted ? 2 : 1; i > 0; i--) {
        if (this.peek().kind !== ")") this.unexpected(this.peek(), "')'");
        this.advance();
      }
      return;
    }
    this.plainField();
  }

  private plainField(): void {
    const token = this.peek();
    if (token.kind === "ident" && this.peek(1).kind === "(") this.unsupportedFunction(token, "where");
    if (token.kind !== "ident" || isClauseWord(token)) this.unexpected(token, "a field name");
    this.fieldPath(token);
    this.advance();
  }

  private value(allowed: "any" | "string"): void {
    const token = this.peek();
    const upper = token.text.toUpperCase();
    if (token.kind === "string") {
      this.advance();
      return;
    }
    if (allowed === "string") this.unexpected(token, "a string in single quotes");
    const literal =
      token.kind === "number" ||
      token.kind === "date" ||
      token.kind === "datetime" ||
      token.kind === "dateLiteral" ||
      (token.kind === "ident" &&
        (upper === "TRUE" || upper === "FALSE" || upper === "NULL" || CURRENCY.test(token.text)));
    if (literal) {
      this.advance();
      return;
    }
    if (token.kind === "ident" && !CLAUSE_WORDS.has(upper)) {
      this.fail(
        token.start,
        `expected a value, found ${tokenText(token)}`,
        "SOQL compares a field with a literal (a 'string', number, date, TRUE, FALSE, NULL or a date literal such as TODAY), not with another field",
      );
    }
    this.unexpected(token, "a value");
  }

  private valueList(operator: string, allowed: "any" | "string"): void {
    const open = this.peek();
    if (open.kind !== "(") this.unexpected(open, `'(' after ${operator}`);
    if (isWord(this.peek(1), "SELECT")) {
      const join = operator === "NOT IN" ? "anti-join" : "semi-join";
      this.fail(
        open.start,
        `unsupported ${join} (${operator} (SELECT …))`,
        "query streams cannot filter on a subquery; list the values",
      );
    }
    this.advance();
    for (;;) {
      this.value(allowed);
      const next = this.peek();
      if (next.kind !== ")" && next.kind !== ",") this.unexpected(next, "',' or ')'");
      this.advance();
      if (next.kind === ")") return;
    }
  }

  // ORDER BY, LIMIT --------------------------------------------------------------------------

  private orderList(): void {
    for (;;) {
      const token = this.peek();
      if (token.kind === "ident" && this.peek(1).kind === "(") this.unsupportedFunction(token, "order");
      if (token.kind !== "ident" || isClauseWord(token)) this.unexpected(token, "a field name");
      this.fieldPath(token);
      this.advance();
      if (isWord(this.peek(), "ASC") || isWord(this.peek(), "DESC")) this.advance();
      if (isWord(this.peek(), "NULLS")) {
        this.advance();
        if (!isWord(this.peek(), "FIRST") && !isWord(this.peek(), "LAST"))
          this.unexpected(this.peek(), "FIRST or LAST");
        this.advance();
      }
      if (this.peek().kind !== ",") return;
      this.advance();
    }
  }

  private limit(): number {
    const token = this.peek();
    if (token.kind !== "number" || !/^\d+$/.test(token.text)) this.unexpected(token, "a whole number after LIMIT");
    const limit = Number(token.text);
    if (limit < 1 || !Number.isSafeInteger(limit))
      this.fail(token.start, `invalid LIMIT ${token.text}`, "use a positive whole number");
    this.advance();
    return limit;
  }

  // Checks -----------------------------------------------------------------------------------

  private fieldPath(token: Token): void {
    const parts = token.text.split(".");
    let offset = token.start;
    for (const part of parts) {
      if (!isSalesforceIdentifier(part)) this.fail(offset, `'${part}' is not a Salesforce field name`);
      offset += part.length + 1;
    }
    if (parts.length - 1 > MAX_RELATIONSHIP_HOPS) {
      this.fail(
        token.start,
        `relationship path ${token.text} is too deep`,
        `SOQL follows at most ${MAX_RELATIONSHIP_HOPS} relationships in one path`,
      );
    }
  }

  private unsupportedFunction(token: Token, where: "select" | "where" | "order"): never {
    const upper = token.text.toUpperCase();
    if (AGGREGATES.has(upper)) {
      return this.fail(
        token.start,
        `unsupported aggregate function ${token.text}()`,
        "the Bulk API cannot run aggregate queries; select plain fields",
      );
    }
    if (upper === "FIELDS") return this.fail(token.start, "unsupported FIELDS()", "list the fields by name");
    const detail =
      where === "where"
        ? "compare a field, or a date function of one such as CALENDAR_YEAR(CreatedDate), with a value"
        : "use the plain field name (toLabel, format, convertCurrency and other functions are not supported)";
    return this.fail(token.start, `unsupported function ${token.text}()`, detail);
  }

  /** A name right after a field or the object: an alias (or a missing comma), or a clause we reject. */
  private rejectAlias(token: Token, after: string): void {
    this.unsupportedClause(token);
    if (token.kind === "ident" && !CLAUSE_WORDS.has(token.text.toUpperCase())) {
      this.fail(
        token.start,
        `unexpected '${token.text}' after ${after}`,
        "aliases are not supported (if it is another field, separate the fields with a comma)",
      );
    }
  }

  /** Throws if the current token starts a clause the Bulk API (or the connector) cannot run. */
  private unsupportedClause(token: Token): void {
    if (token.kind !== "ident") return;
    // `token` is the current one; name the word after it (WITH USER_MODE, FOR VIEW, …).
    const nextWord = (): string => (this.peek(1).kind === "ident" ? ` ${this.peek(1).text.toUpperCase()}` : "");
    switch (token.text.toUpperCase()) {
      case "GROUP":
        return this.fail(token.start, "unsupported GROUP BY", "the Bulk API cannot run grouped or aggregate queries");
      case "HAVING":
        return this.fail(token.start, "unsupported HAVING", "the Bulk API cannot run grouped or aggregate queries");
      case "OFFSET":
        return this.fail(token.start, "unsupported OFFSET", "the Bulk API cannot skip rows; filter with WHERE instead");
      case "TYPEOF":
        return this.fail(token.start, "unsupported TYPEOF", "the Bulk API cannot run polymorphic TYPEOF queries");
      case "WITH":
        return this.fail(
          token.start,
          `unsupported WITH${nextWord()}`,
          "WITH clauses (SECURITY_ENFORCED, USER_MODE, DATA CATEGORY) cannot be used in query streams",
        );
      case "USING":
        return this.fail(token.start, "unsupported USING SCOPE", "query streams read every record the user can see");
      case "FOR":
        return this.fail(
          token.start,
          `unsupported FOR${nextWord()}`,
          "FOR VIEW, FOR UPDATE and FOR REFERENCE work only in Apex",
        );
      case "UPDATE":
        return this.fail(
          token.start,
          `unsupported UPDATE${nextWord()}`,
          "UPDATE TRACKING and UPDATE VIEWSTAT are not supported",
        );
      case "ALL":
        return this.fail(token.start, "unsupported ALL ROWS", "ALL ROWS works only in Apex");
    }
  }

  /** Fails at the current token: a dedicated message if it starts a clause we reject, else "expected …". */
  private unexpected(token: Token, expected: string): never {
    this.unsupportedClause(token);
    return this.fail(token.start, `expected ${expected}`, `found ${tokenText(token)}`);
  }

  private expectWord(word: string): void {
    if (!isWord(this.peek(), word)) this.unexpected(this.peek(), word);
    this.advance();
  }

  // Token stream (read lazily, so an error earlier in the text is reported first) --------------

  private peek(offset = 0): Token {
    while (this.tokens.length <= this.index + offset) {
      const last = this.tokens[this.tokens.length - 1];
      if (last?.kind === "end") return last;
      this.tokens.push(this.lexer.next());
    }
    return this.tokens[this.index + offset]!;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== "end") {
      this.index++;
      this.lastEnd = token.end;
    }
    return token;
  }
}
