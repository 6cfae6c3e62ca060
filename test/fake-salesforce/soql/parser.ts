// The fake's own SOQL subset: a tokenizer and recursive-descent parser producing a small AST.
// Errors carry the character position so messages can point at it the way Salesforce does.
import { ApiError } from "../errors.js";

export type Literal =
  | { type: "string"; value: string; raw: string }
  | { type: "number"; value: number }
  | { type: "boolean"; value: boolean }
  | { type: "null" }
  | { type: "date"; value: string }
  | { type: "datetime"; value: string };

export interface PathRef {
  path: string;
  pos: number;
}

export type Expr =
  | { kind: "and" | "or"; left: Expr; right: Expr }
  | { kind: "not"; expr: Expr }
  | { kind: "cmp"; field: PathRef; op: "=" | "!=" | "<" | "<=" | ">" | ">="; value: Literal; pos: number }
  | { kind: "in"; field: PathRef; values: Literal[]; negate: boolean; pos: number }
  | { kind: "like"; field: PathRef; pattern: Literal; negate: boolean; pos: number };

export interface OrderItem {
  field: PathRef;
  desc: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  text: string;
  count: boolean;
  select: PathRef[];
  from: PathRef;
  where?: Expr;
  /** Where the WHERE keyword and its condition's text start, and where the condition ends. */
  whereSpan?: { keyword: number; start: number; end: number };
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

interface Token {
  type: "ident" | "string" | "number" | "date" | "datetime" | "op" | "punct" | "eof";
  value: string;
  raw: string;
  pos: number;
}

/** Salesforce's error text: the query, a caret under the column, then the message. */
export function soqlError(code: string, text: string, pos: number, message: string): ApiError {
  const col = pos + 1;
  const oneLine = text.replace(/\s+/g, " ");
  return new ApiError(
    400,
    code,
    `\n${oneLine}\n${" ".repeat(Math.max(0, pos))}^\nERROR at Row:1:Column:${col}\n${message}`,
  );
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^-?\d+(\.\d+)?(?![\w])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;
const OPS = ["!=", "<>", "<=", ">=", "=", "<", ">"];
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", '"': '"', "'": "'", "\\": "\\" };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    if (c === "'") {
      let value = "";
      let raw = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length)
          throw soqlError("MALFORMED_QUERY", text, i, "line 1:" + i + " mismatched character '<EOF>' expecting '''");
        const ch = text.charAt(j);
        if (ch === "\\") {
          const e = text.charAt(j + 1);
          if (e === "%" || e === "_") {
            value += e;
            raw += "\\" + e; // kept escaped for LIKE patterns
          } else if (e in ESCAPES) {
            value += ESCAPES[e];
            raw += ESCAPES[e];
          } else {
            throw soqlError(
              "MALFORMED_QUERY",
              text,
              j,
              `Invalid string literal '${text.slice(i, j + 2)}'. Illegal character sequence '\\${e}' in string literal.`,
            );
          }
          j += 2;
          continue;
        }
        if (ch === "'") break;
        value += ch;
        raw += ch;
        j++;
      }
      tokens.push({ type: "string", value, raw, pos: i });
      i = j + 1;
      continue;
    }
    let m = DATETIME.exec(rest);
    if (m) {
      tokens.push({ type: "datetime", value: m[0], raw: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE.exec(rest);
    if (m) {
      tokens.push({ type: "date", value: m[0], raw: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER.exec(rest);
    if (m) {
      tokens.push({ type: "number", value: m[0], raw: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = IDENT.exec(rest);
    if (m) {
      tokens.push({ type: "ident", value: m[0], raw: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ type: "op", value: op === "<>" ? "!=" : op, raw: op, pos: i });
      i += op.length;
      continue;
    }
    if ("(),".includes(c)) {
      tokens.push({ type: "punct", value: c, raw: c, pos: i });
      i++;
      continue;
    }
    throw soqlError("MALFORMED_QUERY", text, i, `line 1:${i} no viable alternative at character '${c}'`);
  }
  tokens.push({ type: "eof", value: "<EOF>", raw: "<EOF>", pos: text.length });
  return tokens;
}

/** Datetime literal -> ISO string with milliseconds and Z (what rows store). */
export function normaliseDatetime(s: string): string {
  const fixed = s.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  return new Date(fixed).toISOString();
}

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== "eof") this.i++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === "ident" && t.value.toUpperCase() === word;
  }

  private fail(t: Token): never {
    throw soqlError(
      "MALFORMED_QUERY",
      this.text,
      t.pos,
      `unexpected token: ${t.type === "string" ? `'${t.value}'` : t.raw}`,
    );
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.fail(this.peek());
    return this.next();
  }

  private expectPunct(p: string): void {
    const t = this.peek();
    if (t.type !== "punct" || t.value !== p) this.fail(t);
    this.next();
  }

  private ident(): PathRef {
    const t = this.peek();
    if (t.type !== "ident") this.fail(t);
    this.next();
    return { path: t.value, pos: t.pos };
  }

  parse(): SoqlQuery {
    this.expectKeyword("SELECT");
    const select: PathRef[] = [];
    let count = false;
    if (this.isKeyword("COUNT") && this.peek(1).value === "(") {
      this.next();
      this.expectPunct("(");
      this.expectPunct(")");
      count = true;
    } else {
      for (;;) {
        if (this.isKeyword("FROM")) this.fail(this.peek());
        if (this.peek(1).type === "punct" && this.peek(1).value === "(") this.fail(this.peek(1)); // functions, FIELDS(), subqueries
        select.push(this.ident());
        if (this.peek().value === "," && this.peek().type === "punct") {
          this.next();
          continue;
        }
        break;
      }
    }
    this.expectKeyword("FROM");
    const from = this.ident();
    const q: SoqlQuery = { text: this.text, count, select, from, orderBy: [] };
    if (this.isKeyword("WHERE")) {
      const keyword = this.next().pos;
      const start = this.peek().pos;
      q.where = this.orExpr();
      q.whereSpan = { keyword, start, end: this.peek().pos };
    }
    if (this.isKeyword("ORDER")) {
      this.next();
      this.expectKeyword("BY");
      for (;;) {
        const field = this.ident();
        let desc = false;
        if (this.isKeyword("ASC")) this.next();
        else if (this.isKeyword("DESC")) {
          this.next();
          desc = true;
        }
        let nullsLast = desc; // SOQL default: ASC NULLS FIRST, DESC NULLS LAST
        if (this.isKeyword("NULLS")) {
          this.next();
          if (this.isKeyword("FIRST")) nullsLast = false;
          else if (this.isKeyword("LAST")) nullsLast = true;
          else this.fail(this.peek());
          this.next();
        }
        q.orderBy.push({ field, desc, nullsLast });
        if (this.peek().type === "punct" && this.peek().value === ",") {
          this.next();
          continue;
        }
        break;
      }
    }
    if (this.isKeyword("LIMIT")) {
      this.next();
      q.limit = this.integer();
    }
    if (this.isKeyword("OFFSET")) {
      this.next();
      q.offset = this.integer();
    }
    if (this.peek().type !== "eof") this.fail(this.peek());
    return q;
  }

  private integer(): number {
    const t = this.peek();
    if (t.type !== "number" || !/^\d+$/.test(t.value)) this.fail(t);
    this.next();
    return Number(t.value);
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.isKeyword("OR")) {
      this.next();
      left = { kind: "or", left, right: this.andExpr() };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.notExpr();
    while (this.isKeyword("AND")) {
      this.next();
      left = { kind: "and", left, right: this.notExpr() };
    }
    return left;
  }

  private notExpr(): Expr {
    if (this.isKeyword("NOT")) {
      this.next();
      return { kind: "not", expr: this.notExpr() };
    }
    const t = this.peek();
    if (t.type === "punct" && t.value === "(") {
      this.next();
      const e = this.orExpr();
      this.expectPunct(")");
      return e;
    }
    return this.condition();
  }

  private condition(): Expr {
    const field = this.ident();
    const t = this.peek();
    if (t.type === "op") {
      this.next();
      return { kind: "cmp", field, op: t.value as "=", value: this.literal(), pos: t.pos };
    }
    let negate = false;
    if (this.isKeyword("NOT")) {
      this.next();
      negate = true;
    }
    if (this.isKeyword("IN")) {
      const at = this.next();
      this.expectPunct("(");
      const values: Literal[] = [this.literal()];
      while (this.peek().type === "punct" && this.peek().value === ",") {
        this.next();
        values.push(this.literal());
      }
      this.expectPunct(")");
      return { kind: "in", field, values, negate, pos: at.pos };
    }
    if (this.isKeyword("LIKE")) {
      const at = this.next();
      return { kind: "like", field, pattern: this.literal(), negate, pos: at.pos };
    }
    return this.fail(this.peek());
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.type) {
      case "string":
        return { type: "string", value: t.value, raw: t.raw };
      case "number":
        return { type: "number", value: Number(t.value) };
      case "date":
        return { type: "date", value: t.value };
      case "datetime":
        return { type: "datetime", value: normaliseDatetime(t.value) };
      case "ident": {
        const u = t.value.toUpperCase();
        if (u === "TRUE" || u === "FALSE") return { type: "boolean", value: u === "TRUE" };
        if (u === "NULL") return { type: "null" };
        break;
      }
    }
    return this.fail(t);
  }
}

export function parseSoql(text: string): SoqlQuery {
  if (!text || !text.trim()) throw new ApiError(400, "MALFORMED_QUERY", "A query string has to be specified");
  return new Parser(text, tokenize(text)).parse();
}
