// SOQL building and quoting. Identifiers are checked against Salesforce's API-name grammar and
// literals are formatted from parsed values, so nothing from a state or catalog reaches a query as
// text. The one exception is the user's own `object_filters` condition, which is their config.
import { configError } from "../errors.js";

/** One `__`-free piece of an API name: a letter first, then letters, digits and single underscores. */
const SEGMENT = /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/;
const MAX_PART_LENGTH = 80;

/**
 * Suffixes Salesforce appends after `__` (custom objects/fields, relationships, person-account
 * fields, external objects, custom metadata, platform events, big objects, Knowledge, and the
 * History/Share/Feed/ChangeEvent companions of custom objects). Compared case-insensitively
 * because SOQL identifiers are.
 */
const SUFFIXES = new Set(
  "c r pc pr x xo mdt e b ka kav ViewStat VoteStat DataCategorySelection History Share Feed Tag ChangeEvent hd chn dlm dll"
    .toLowerCase()
    .split(" "),
);

/**
 * Whether `name` is one Salesforce API name: `Name`, `Name__c`, `ns__Name__c`, or a compound-field
 * component `[ns__]Name__Component__s` (e.g. `Geo__Latitude__s`, `Site__City__s`).
 */
export function isSalesforceIdentifier(name: string): boolean {
  if (name.length === 0 || name.length > MAX_PART_LENGTH) return false;
  const segments = name.split("__");
  if (!segments.every((segment) => SEGMENT.test(segment))) return false;
  const last = segments[segments.length - 1]!.toLowerCase();
  switch (segments.length) {
    case 1:
      return true;
    case 2: // Name__c
    case 3: // ns__Name__c, or Name__Component__s
      return SUFFIXES.has(last) || (segments.length === 3 && last === "s");
    case 4: // ns__Name__Component__s
      return last === "s";
    default:
      return false;
  }
}

/** A field or relationship path: `Name`, `Owner.Name`, `ns__Parent__r.Account.Name`. */
export function isFieldPath(path: string): boolean {
  return path.split(".").every(isSalesforceIdentifier);
}

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

export interface QueryWindow {
  cursorField: string;
  from: Date;
  to: Date;
}

export interface QuerySpec {
  object: string;
  fields: readonly string[];
  /** The user's SOQL condition for this object (config `object_filters`). */
  userFilter?: string | undefined;
  /** Half-open `[from, to)` on the cursor field. */
  window?: QueryWindow | undefined;
}

/** `SELECT f1, f2 FROM Object [WHERE (userFilter) AND Cursor >= from AND Cursor < to]`. */
export function buildQuery({ object, fields, userFilter, window }: QuerySpec): string {
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
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
  return `SELECT ${[...selected.values()].join(", ")} FROM ${object}${where}`;
}

// Clauses that cannot live inside the parenthesised condition and would break the query we wrap
// around it (windows, paging); rejected up front with a clear message instead of MALFORMED_QUERY.
const FORBIDDEN_CLAUSES = /\b(LIMIT|OFFSET|ORDER\s+BY|GROUP\s+BY|HAVING)\b/i;

/**
 * The user filter goes in as written, but only if it is one self-contained condition: balanced
 * parentheses, closed quotes, and no clause keywords outside string literals.
 */
function checkUserFilter(object: string, filter: string): void {
  const fail = (problem: string): never => {
    throw configError(`object_filters for '${object}': ${problem}. Fix the condition in the config (object_filters).`);
  };
  let depth = 0;
  let outsideQuotes = "";
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i]!;
    if (char === "'") {
      // Skip the string literal, honouring backslash escapes.
      let j = i + 1;
      while (j < filter.length && filter[j] !== "'") j += filter[j] === "\\" ? 2 : 1;
      if (j >= filter.length) fail("a quote (') is not closed");
      outsideQuotes += " ";
      i = j;
      continue;
    }
    if (char === '"') fail('SOQL strings use single quotes; a double quote (") may appear only inside one');
    if (char === "(") depth++;
    if (char === ")" && --depth < 0) fail("a closing parenthesis has no opening one");
    outsideQuotes += char;
  }
  if (depth > 0) fail("a parenthesis is not closed");
  const clause = FORBIDDEN_CLAUSES.exec(outsideQuotes)?.[1];
  if (clause) {
    fail(`it contains ${clause.replace(/\s+/, " ").toUpperCase()}; it must be a condition only (what follows WHERE)`);
  }
}
