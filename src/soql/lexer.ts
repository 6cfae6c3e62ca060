// The one SOQL lexer. Query streams are parsed from its tokens (parser.ts), and object_filters
// conditions are checked with it before they are wrapped into a query (builder.ts).
//
// Two modes. "checked": every token must be valid SOQL, and the first one that is not fails with its
// position (a query stream is the connector's to run, so its mistakes are reported up front).
// "structure": only quotes, parentheses and words matter; what is not SOQL comes out as an `other`
// token, and an unterminated string as `unclosed`, for the caller to judge (an object_filters
// condition goes to Salesforce as written, and Salesforce has the last word on the rest).
import { isCalendarDate } from "../util/datetime.js";

/** `what` and `detail` make the message; `pos` is the offset the caret points at. */
export type Fail = (pos: number, what: string, detail?: string) => never;

export type LexerMode = "checked" | "structure";

export type TokenKind =
  | "ident"
  | "string"
  | "number"
  | "date"
  | "datetime"
  | "dateLiteral"
  | "op"
  | "("
  | ")"
  | ","
  | "end"
  // Structure mode only: a character that starts no SOQL token, and a string whose quote is not closed.
  | "other"
  | "unclosed";

export interface Token {
  kind: TokenKind;
  /** As written; an ident is a whole dotted path (`Owner.Name`), a parametrised date literal includes `:n`. */
  text: string;
  start: number;
  end: number;
}

const DATE_LITERALS = new Set(
  (
    "YESTERDAY TODAY TOMORROW LAST_WEEK THIS_WEEK NEXT_WEEK LAST_MONTH THIS_MONTH NEXT_MONTH LAST_90_DAYS " +
    "NEXT_90_DAYS THIS_QUARTER LAST_QUARTER NEXT_QUARTER THIS_YEAR LAST_YEAR NEXT_YEAR THIS_FISCAL_QUARTER " +
    "LAST_FISCAL_QUARTER NEXT_FISCAL_QUARTER THIS_FISCAL_YEAR LAST_FISCAL_YEAR NEXT_FISCAL_YEAR"
  ).split(" "),
);
const UNITS = "DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS";
/** LAST_N_DAYS:n, NEXT_N_WEEKS:n, N_MONTHS_AGO:n, … */
const DATE_LITERAL_WITH_N = new RegExp(`^(?:(?:LAST|NEXT)_N_(?:${UNITS})|N_(?:${UNITS})_AGO)$`);

/** Escapes Salesforce accepts in a quoted string (plus \uXXXX); \_ and \% are for LIKE patterns. */
const STRING_ESCAPES = new Set(["n", "N", "r", "R", "t", "T", "b", "B", "f", "F", '"', "'", "\\", "_", "%"]);

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const SEGMENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const DATE = /(\d{4})-(\d{2})-(\d{2})/y;
const DATETIME = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))/y;
const NUMBER = /[+-]?\d+(?:\.\d+)?/y;
export const CURRENCY = /^[A-Za-z]{3}\d+(?:\.\d+)?$/;
const OPERATORS = ["<=", ">=", "<>", "!=", "=", "<", ">"];

/** Whether a DATE/DATETIME match names a real calendar day. */
function validDate(match: RegExpExecArray): boolean {
  return isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

function stickyMatch(pattern: RegExp, text: string, pos: number): RegExpExecArray | null {
  pattern.lastIndex = pos;
  return pattern.exec(text);
}

export class Lexer {
  private readonly src: string;
  private readonly fail: Fail;
  private readonly checked: boolean;
  private pos = 0;

  /** `fail` is called (and must throw) only in "checked" mode. */
  constructor(src: string, fail: Fail, mode: LexerMode = "checked") {
    this.src = src;
    this.fail = fail;
    this.checked = mode === "checked";
  }

  next(): Token {
    const src = this.src;
    while (this.pos < src.length && /\s/.test(src[this.pos]!)) this.pos++;
    const start = this.pos;
    const char = src[start];
    if (char === undefined) return { kind: "end", text: "", start, end: start };
    if (char === "(" || char === ")" || char === ",") return this.done(char, start, start + 1);
    const operator = OPERATORS.find((op) => src.startsWith(op, start));
    if (operator) return this.done("op", start, start + operator.length);
    if (char === "'") return this.string(start);
    if (/\d/.test(char) || (/[+-]/.test(char) && /\d/.test(src[start + 1] ?? ""))) return this.numberOrDate(start);
    if (IDENT_START.test(char)) return this.identifier(start);
    if (!this.checked) return this.done("other", start, start + 1);

    switch (char) {
      case '"':
        return this.fail(start, "unexpected double quote", "SOQL strings use single quotes ('text')");
      case ":":
        return this.fail(start, "unexpected ':'", "bind variables (:name) work only in Apex; write the value itself");
      case "*":
        return this.fail(start, "unexpected '*'", "SOQL has no SELECT *; list the fields by name");
      case ";":
        return this.fail(start, "unexpected ';'", "a query stream is one SOQL query; remove the ';'");
      default:
        return this.fail(start, `unexpected character ${JSON.stringify(char)}`);
    }
  }

  /** The string literal opening at `start`, up to and with its closing quote. */
  private string(start: number): Token {
    const src = this.src;
    let pos = start + 1;
    const unterminated = (): Token =>
      this.checked
        ? this.fail(start, "unterminated string", "close it with a single quote (')")
        : this.done("unclosed", start, src.length);
    for (;;) {
      const char = src[pos];
      if (char === undefined) return unterminated();
      if (char === "'") return this.done("string", start, pos + 1);
      if (char !== "\\") {
        pos++;
        continue;
      }
      const escaped = src[pos + 1];
      if (escaped === undefined) return unterminated();
      if (!this.checked) {
        pos += 2;
      } else if (escaped === "u") {
        if (!/^[0-9A-Fa-f]{4}$/.test(src.slice(pos + 2, pos + 6))) {
          return this.fail(pos, "invalid escape \\u in a string", "write \\u and four hex digits, e.g. \\u00e9");
        }
        pos += 6;
      } else if (STRING_ESCAPES.has(escaped)) {
        pos += 2;
      } else {
        return this.fail(
          pos,
          `invalid escape \\${escaped} in a string`,
          "write \\\\ for a backslash and \\' for a quote",
        );
      }
    }
  }

  private numberOrDate(start: number): Token {
    const src = this.src;
    let kind: TokenKind = "number";
    let match = stickyMatch(DATETIME, src, start);
    if (match) {
      kind = "datetime";
      const [hour, minute, second, offsetHour, offsetMinute] = match.slice(4).map((part) => Number(part ?? 0));
      const validTime = hour! <= 23 && minute! <= 59 && second! <= 59 && offsetHour! <= 14 && offsetMinute! <= 59;
      if (this.checked && (!validDate(match) || !validTime)) this.fail(start, `invalid dateTime ${match[0]}`);
    } else if ((match = stickyMatch(DATE, src, start))) {
      kind = "date";
      if (this.checked && src[start + match[0].length] === "T") {
        this.fail(start, "invalid dateTime", "write it as 2024-01-31T00:00:00Z (or with an offset such as +01:00)");
      }
      if (this.checked && !validDate(match)) this.fail(start, `invalid date ${match[0]}`);
    } else {
      match = stickyMatch(NUMBER, src, start)!;
    }
    const end = start + match[0].length;
    if (!this.checked) return IDENT_PART.test(src[end] ?? "") ? this.word(start, end) : this.done(kind, start, end);
    if (IDENT_PART.test(src[end] ?? "") || src[end] === ".") {
      let badEnd = end;
      while (badEnd < src.length && /[A-Za-z0-9_.:+-]/.test(src[badEnd]!)) badEnd++;
      this.fail(start, `invalid ${kind === "number" ? "number" : "date or dateTime"} ${src.slice(start, badEnd)}`);
    }
    return this.done(kind, start, end);
  }

  /** A name or a dotted path (`Owner.Manager.Name`), a date literal (`LAST_N_DAYS:7`) or a currency (`USD10.5`). */
  private identifier(start: number): Token {
    const src = this.src;
    let end = start + stickyMatch(SEGMENT, src, start)![0].length;
    const first = src.slice(start, end);
    const upper = first.toUpperCase();
    if (CURRENCY.test(first) && src[end] === "." && /\d/.test(src[end + 1] ?? "")) {
      end++;
      while (/\d/.test(src[end] ?? "")) end++;
      return this.done("ident", start, end);
    }
    while (src[end] === ".") {
      const segment = stickyMatch(SEGMENT, src, end + 1);
      if (!segment && !this.checked) break;
      if (!segment) return this.fail(end + 1, "expected a field name after '.'");
      end += 1 + segment[0].length;
    }
    if (end === start + first.length) {
      if (DATE_LITERALS.has(upper)) return this.done("dateLiteral", start, end);
      if (DATE_LITERAL_WITH_N.test(upper)) {
        const n = /^:\d+/.exec(src.slice(end));
        if (!n && this.checked) return this.fail(end, `expected ':n' after ${first}`, `write it as ${upper}:7`);
        const literalEnd = end + (n?.[0].length ?? 0);
        if (!this.checked && n && IDENT_PART.test(src[literalEnd] ?? "")) return this.word(start, literalEnd);
        return this.done("dateLiteral", start, literalEnd);
      }
    }
    return this.done("ident", start, end);
  }

  /** Structure mode: digits run into letters (5LIMIT, LAST_N_DAYS:5LIMIT) make one word, and no keyword. */
  private word(start: number, from: number): Token {
    let end = from;
    while (IDENT_PART.test(this.src[end] ?? "")) end++;
    return this.done("other", start, end);
  }

  private done(kind: TokenKind, start: number, end: number): Token {
    this.pos = end;
    return { kind, text: this.src.slice(start, end), start, end };
  }
}

export function isWord(token: Token, word: string): boolean {
  return token.kind === "ident" && token.text.toUpperCase() === word;
}
