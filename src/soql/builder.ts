// SOQL building and quoting. Identifiers are checked against Salesforce's API-name grammar and
// literals are formatted from parsed values, so nothing from a state or catalog reaches a query as
// text. The one exception is the user's own `object_filters` condition, which is their config: it
// goes in as written once the lexer has seen that it is one self-contained condition.
import { configError } from "../errors.js";
import { isFieldPath, isSalesforceIdentifier } from "./identifiers.js";
import { Lexer, type Token } from "./lexer.js";
import type { Window } from "../util/datetime.js";

/** A SOQL dateTime literal (unquoted), always UTC with milliseconds: 2024-01-02T03:04:05.000Z. */
export function soqlDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error("soqlDateTime: invalid Date");
  return date.toISOString();
}

/**
 * A quoted SOQL string literal. Escapes follow Salesforce's "Quoted String Escape Sequences"; other
 * control characters use the documented \uXXXX form, because the docs disagree on whether `\b` means
 * bell or backspace.
 */
export function soqlString(value: string): string {
  let out = "'";
  for (const char of value) {
    const escaped = STRING_ESCAPES[char];
    if (escaped !== undefined) out += escaped;
    else if (char < " " || char === "\u007f") out += `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}'`;
}

const STRING_ESCAPES: Record<string, string | undefined> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\f": "\\f",
};

export interface QuerySpec {
  object: string;
  fields: readonly string[];
  /** The user's SOQL condition for this object (config `object_filters`). */
  userFilter?: string | undefined;
  /** Half-open `[from, to)` on the cursor field. */
  window?: (Window & { cursorField: string }) | undefined;
  /** Field paths to sort by, ascending. */
  orderBy?: readonly string[] | undefined;
  limit?: number | undefined;
  /** `field IN ('id1', ...)`: a child object read for a group of its parent's Ids. */
  idsIn?: { field: string; ids: readonly string[] } | undefined;
}

const RECORD_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/**
 * `SELECT f1, f2 FROM Object [WHERE (userFilter) AND Cursor >= from AND Cursor < to]
 * [ORDER BY f ASC] [LIMIT n]`.
 */
export function buildQuery({ object, fields, userFilter, window, orderBy, limit, idsIn }: QuerySpec): string {
  if (!isSalesforceIdentifier(object)) {
    throw configError(`'${object}' is not a Salesforce object name. Remove it from the catalog or run discover again.`);
  }
  if (fields.length === 0) {
    throw configError(`Stream '${object}' selects no fields. Select at least one field in the catalog.`);
  }
  // A catalog's properties are unique, but SOQL names are case-insensitive and Salesforce rejects
  // "duplicate field selected": keep the first spelling.
  const selected = new Map<string, string>();
  for (const field of fields) {
    if (!isFieldPath(field)) {
      throw configError(
        `Stream '${object}' selects ${JSON.stringify(field)}, which is not a Salesforce field name. Remove it from the catalog or run discover again.`,
      );
    }
    if (!selected.has(field.toLowerCase())) selected.set(field.toLowerCase(), field);
  }

  const conditions: string[] = [];
  const filter = userFilter?.trim();
  if (filter) {
    checkUserFilter(object, filter);
    conditions.push(`(${filter})`);
  }
  if (idsIn) {
    if (!isSalesforceIdentifier(idsIn.field) || idsIn.ids.length === 0)
      throw new Error(`buildQuery: no Ids or a bad field for ${object}.${idsIn.field} IN (...)`);
    for (const id of idsIn.ids)
      if (!RECORD_ID.test(id)) throw new Error(`buildQuery: ${JSON.stringify(id)} is not a record Id`);
    conditions.push(`${idsIn.field} IN (${idsIn.ids.map(soqlString).join(", ")})`);
  }
  if (window) {
    if (!isFieldPath(window.cursorField)) {
      throw configError(
        `Stream '${object}' has cursor field ${JSON.stringify(window.cursorField)}, which is not a Salesforce field name. Choose another cursor field or run discover again.`,
      );
    }
    if (!(window.from.getTime() < window.to.getTime())) {
      throw new Error(`buildQuery: empty window [${String(window.from)}, ${String(window.to)}) for ${object}`);
    }
    conditions.push(
      `${window.cursorField} >= ${soqlDateTime(window.from)}`,
      `${window.cursorField} < ${soqlDateTime(window.to)}`,
    );
  }
  for (const field of orderBy ?? []) {
    if (!isFieldPath(field)) throw new Error(`buildQuery: cannot sort ${object} by ${JSON.stringify(field)}`);
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new Error(`buildQuery: LIMIT ${limit} for ${object} is not a positive whole number`);
  }
  return selectStatement({
    fields: [...selected.values()],
    object,
    where: conditions.length > 0 ? conditions.join(" AND ") : undefined,
    orderBy: orderBy?.map((field) => `${field} ASC`).join(", "),
    limit,
  });
}

/** The one place a SELECT statement's text is put together; every part is already checked SOQL. */
export function selectStatement(parts: {
  fields: readonly string[];
  object: string;
  where?: string | undefined;
  orderBy?: string | undefined;
  limit?: number | undefined;
}): string {
  let query = `SELECT ${parts.fields.join(", ")} FROM ${parts.object}`;
  if (parts.where !== undefined) query += ` WHERE ${parts.where}`;
  if (parts.orderBy !== undefined) query += ` ORDER BY ${parts.orderBy}`;
  if (parts.limit !== undefined) query += ` LIMIT ${parts.limit}`;
  return query;
}

// Clauses that cannot live inside the parenthesised condition and would break the query we wrap
// around it (windows, paging); rejected up front with a clear message instead of MALFORMED_QUERY.
const CLAUSE_WORDS = new Set(["LIMIT", "OFFSET", "HAVING"]);
const CLAUSE_PAIRS = new Set(["ORDER", "GROUP"]);

/**
 * The user filter goes in as written, but only if it is one self-contained condition: balanced
 * parentheses, closed quotes, and no clause keywords outside string literals. The lexer runs in
 * structure mode: anything else (a function, a semi-join, a literal) is Salesforce's to judge.
 */
function checkUserFilter(object: string, filter: string, field = "object_filters"): void {
  const fail = (problem: string): never => {
    throw configError(`${field} for '${object}': ${problem}. Fix the condition in the config (${field}).`);
  };
  const lexer = new Lexer(filter, () => fail("it cannot be read"), "structure");
  let depth = 0;
  let clause: string | undefined;
  // The last token that is not a string literal: ORDER and BY may stand apart, 'text' may not part them.
  let previous: Token | undefined;
  for (let token = lexer.next(); token.kind !== "end"; token = lexer.next()) {
    if (token.kind === "unclosed") fail("a quote (') is not closed");
    if (token.kind === "other" && token.text === '"')
      fail('SOQL strings use single quotes; a double quote (") may appear only inside one');
    // One query, one statement: outside a string a semicolon could only start another.
    if (token.kind === "other" && token.text === ";")
      fail("a semicolon (;) outside a quoted string is not SOQL; it must be one condition");
    if (token.kind === "(") depth++;
    if (token.kind === ")" && --depth < 0) fail("a closing parenthesis has no opening one");
    if (token.kind === "string") continue;
    clause ??= clauseKeyword(previous, token);
    previous = token;
  }
  if (depth > 0) fail("a parenthesis is not closed");
  if (clause) fail(`it contains ${clause}; it must be a condition only (what follows WHERE)`);
}

/**
 * Every object_filters condition checked as buildQuery will check it, before any request: a read or a
 * check refuses a bad one up front (config_error naming `object_filters.N.where` and the object).
 */
export function checkObjectFilterSyntax(filters: ReadonlyArray<{ object: string; where: string }>): void {
  for (const [index, { object, where }] of filters.entries()) {
    if (where.trim() !== "") checkUserFilter(object, where, `object_filters.${index}.where`);
  }
}

/** LIMIT, OFFSET or HAVING as a word of a name (`Owner.Limit` too), or ORDER BY / GROUP BY across two. */
function clauseKeyword(previous: Token | undefined, token: Token): string | undefined {
  if (token.kind !== "ident") return undefined;
  const words = token.text.toUpperCase().split(".");
  const before = previous?.kind === "ident" ? previous.text.toUpperCase().split(".").at(-1) : undefined;
  if (words[0] === "BY" && before !== undefined && CLAUSE_PAIRS.has(before)) return `${before} BY`;
  return words.find((word) => CLAUSE_WORDS.has(word));
}
