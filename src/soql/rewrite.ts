// A parsed query stream written back as SOQL: as configured, with an incremental window AND-ed into
// its WHERE, or as the first-change lookup of a window. The user's WHERE text is kept as written.
import { configError } from "../errors.js";
import type { Window } from "../util/datetime.js";
import { selectStatement, soqlDateTime } from "./builder.js";
import { isSalesforceIdentifier } from "./identifiers.js";
import { isWord, Lexer } from "./lexer.js";
import type { ParsedQuery } from "./parser.js";

/**
 * The query with `Cursor >= from AND Cursor < to` ANDed into its WHERE (the user's condition in
 * parentheses when it has a top-level OR or NOT, so the window cannot be bypassed), before ORDER BY
 * and LIMIT.
 */
export function addWindowToQuery(parsed: ParsedQuery, window: Window & { cursorField: string }): string {
  const { cursorField, from, to } = window;
  if (!isSalesforceIdentifier(cursorField)) {
    throw configError(
      `The query stream on ${parsed.object} has cursor field ${JSON.stringify(cursorField)}, which is not a Salesforce field name. Choose another cursor field.`,
    );
  }
  if (!(from.getTime() < to.getTime())) {
    throw new Error(`addWindowToQuery: empty window [${String(from)}, ${String(to)}) for ${parsed.object}`);
  }
  const conditions: string[] = [];
  if (parsed.where) {
    conditions.push(needsParentheses(parsed.where.text) ? `(${parsed.where.text})` : parsed.where.text);
  }
  conditions.push(`${cursorField} >= ${soqlDateTime(from)}`, `${cursorField} < ${soqlDateTime(to)}`);
  return assemble(parsed, conditions.join(" AND "));
}

/**
 * The earliest cursor value in the window, for the first-change lookup:
 * `SELECT Cursor FROM Object WHERE (condition) AND window ORDER BY Cursor ASC LIMIT 1`.
 */
export function earliestCursorQuery(parsed: ParsedQuery, window: Window & { cursorField: string }): string {
  const { cursorField } = window;
  return addWindowToQuery({ ...parsed, fields: [cursorField], orderBy: `${cursorField} ASC`, limit: 1 }, window);
}

/** The query without a window: SELECT, FROM and ORDER BY/LIMIT normalised, the WHERE text as written. */
export function queryWithoutWindow(parsed: ParsedQuery): string {
  return assemble(parsed, parsed.where?.text);
}

function assemble(parsed: ParsedQuery, condition: string | undefined): string {
  const { fields, object, orderBy, limit } = parsed;
  return selectStatement({ fields, object, where: condition, orderBy, limit });
}

/** Whether a condition has OR or NOT outside parentheses (or cannot be read: then parenthesise anyway). */
function needsParentheses(condition: string): boolean {
  const lexer = new Lexer(condition, () => {
    throw new Error("unreadable condition");
  });
  try {
    let depth = 0;
    for (let token = lexer.next(); token.kind !== "end"; token = lexer.next()) {
      if (token.kind === "(") depth++;
      else if (token.kind === ")") depth--;
      else if (depth === 0 && (isWord(token, "OR") || isWord(token, "NOT"))) return true;
    }
    return false;
  } catch {
    return true;
  }
}
