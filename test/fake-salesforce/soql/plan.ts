// Binds a parsed query to the org: resolves field paths against describes, type-checks filter
// literals the way Salesforce does, and reports errors with Salesforce's codes and messages.
import { ApiError } from "../errors.js";
import type { FieldModel, ObjectModel, Org } from "../org.js";
import { parseSoql, soqlError, type Expr, type Literal, type PathRef, type SoqlQuery } from "./parser.js";

export interface BoundField {
  /** Reference fields walked before the final field (Owner for Owner.Name). */
  steps: FieldModel[];
  field: FieldModel;
  /** Canonical column name: Owner.Name. */
  column: string;
}

export type BoundExpr =
  | { kind: "and" | "or"; left: BoundExpr; right: BoundExpr }
  | { kind: "not"; expr: BoundExpr }
  | { kind: "cmp"; f: BoundField; op: "=" | "!=" | "<" | "<=" | ">" | ">="; value: unknown }
  | { kind: "in"; f: BoundField; values: unknown[]; negate: boolean }
  | { kind: "like"; f: BoundField; re: RegExp; negate: boolean };

export interface Plan {
  soql: string;
  obj: ObjectModel;
  count: boolean;
  columns: BoundField[];
  where?: BoundExpr;
  orderBy: Array<{ f: BoundField; desc: boolean; nullsLast: boolean }>;
  limit?: number;
  offset?: number;
}

type Category = "datetime" | "date" | "time" | "number" | "boolean" | "string";

export function category(type: string): Category {
  switch (type) {
    case "datetime":
      return "datetime";
    case "date":
      return "date";
    case "time":
      return "time";
    case "int":
    case "long":
    case "double":
    case "currency":
    case "percent":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return "string";
  }
}

const TYPE_NAMES: Record<Category, string> = {
  datetime: "dateTime",
  date: "date",
  time: "time",
  number: "double",
  boolean: "boolean",
  string: "string",
};

function noSuchColumn(q: SoqlQuery, ref: PathRef, name: string, obj: string): ApiError {
  return soqlError(
    "INVALID_FIELD",
    q.text,
    ref.pos,
    `No such column '${name}' on entity '${obj}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

class Binder {
  constructor(
    private readonly org: Org,
    private readonly q: SoqlQuery,
    private readonly obj: ObjectModel,
  ) {}

  path(ref: PathRef): BoundField {
    let parts = ref.path.split(".");
    // "SELECT Account.Name FROM Account" is allowed: the object name may prefix a field.
    if (
      parts.length > 1 &&
      parts[0]!.toLowerCase() === this.obj.name.toLowerCase() &&
      !this.obj.relationships.has(parts[0]!.toLowerCase())
    ) {
      parts = parts.slice(1);
    }
    let cur = this.obj;
    const steps: FieldModel[] = [];
    for (const rel of parts.slice(0, -1)) {
      const ref2 = cur.relationships.get(rel.toLowerCase());
      const target = ref2?.referenceTo.map((t) => this.org.get(t)).find((o) => o !== undefined);
      if (!ref2 || !target) {
        throw soqlError(
          "INVALID_FIELD",
          this.q.text,
          ref.pos,
          `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      steps.push(ref2);
      cur = target;
    }
    const last = parts[parts.length - 1]!;
    const field = cur.fieldsByLower.get(last.toLowerCase());
    if (!field)
      throw noSuchColumn(
        this.q,
        ref,
        parts.length > 1 ? parts.join(".") : last,
        steps.length ? cur.name : this.obj.name,
      );
    const column = [...steps.map((s) => s.relationshipName!), field.name].join(".");
    return { steps, field, column };
  }

  literal(f: BoundField, lit: Literal, pos: number, op: string): unknown {
    if (lit.type === "null") {
      if (op !== "=" && op !== "!=" && op !== "in")
        throw soqlError("MALFORMED_QUERY", this.q.text, pos, "invalid operator on null");
      return null;
    }
    const cat = category(f.field.type);
    const bad = (): ApiError => {
      const quoted =
        cat === "string" || cat === "time" ? "should be enclosed in quotes" : "should not be enclosed in quotes";
      return soqlError(
        "INVALID_FIELD",
        this.q.text,
        pos,
        `value of filter criterion for field '${f.field.name}' must be of type ${TYPE_NAMES[cat]} and ${quoted}`,
      );
    };
    switch (cat) {
      case "datetime":
        if (lit.type !== "datetime") throw bad();
        return lit.value;
      case "date":
        if (lit.type !== "date") throw bad();
        return lit.value;
      case "number":
        if (lit.type !== "number") throw bad();
        return lit.value;
      case "boolean":
        if (lit.type !== "boolean") throw bad();
        return lit.value;
      default:
        if (lit.type !== "string") throw bad();
        return lit.value;
    }
  }

  expr(e: Expr): BoundExpr {
    switch (e.kind) {
      case "and":
      case "or":
        return { kind: e.kind, left: this.expr(e.left), right: this.expr(e.right) };
      case "not":
        return { kind: "not", expr: this.expr(e.expr) };
      case "cmp": {
        const f = this.filterable(e.field);
        return { kind: "cmp", f, op: e.op, value: this.literal(f, e.value, e.pos, e.op) };
      }
      case "in": {
        const f = this.filterable(e.field);
        return { kind: "in", f, values: e.values.map((v) => this.literal(f, v, e.pos, "in")), negate: e.negate };
      }
      case "like": {
        const f = this.filterable(e.field);
        if (category(f.field.type) !== "string" || e.pattern.type !== "string") {
          throw soqlError("INVALID_FIELD", this.q.text, e.pos, `invalid operator on field '${f.field.name}'`);
        }
        return { kind: "like", f, re: likeToRegExp(e.pattern.raw), negate: e.negate };
      }
    }
  }

  private filterable(ref: PathRef): BoundField {
    const f = this.path(ref);
    if (!f.field.filterable)
      throw soqlError(
        "INVALID_FIELD",
        this.q.text,
        ref.pos,
        `field '${f.field.name}' can not be filtered in a query call`,
      );
    return f;
  }
}

/** LIKE pattern -> case-insensitive RegExp; % and _ are wildcards unless escaped. */
function likeToRegExp(raw: string): RegExp {
  let re = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === "\\" && (raw.charAt(i + 1) === "%" || raw.charAt(i + 1) === "_")) {
      re += raw.charAt(i + 1);
      i++;
    } else if (c === "%") re += ".*";
    else if (c === "_") re += ".";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "is");
}

/** True when the WHERE clause (top-level AND chain) has `=`/IN on one of these fields. */
function hasRequiredFilter(e: BoundExpr | undefined, fields: string[]): boolean {
  if (!e) return false;
  if (e.kind === "and") return hasRequiredFilter(e.left, fields) || hasRequiredFilter(e.right, fields);
  if ((e.kind === "cmp" && e.op === "=") || (e.kind === "in" && !e.negate))
    return e.f.steps.length === 0 && fields.includes(e.f.field.name);
  return false;
}

/** Parses and binds; throws ApiError(400, INVALID_TYPE/INVALID_FIELD/MALFORMED_QUERY) like Salesforce. */
export function planQuery(org: Org, soql: string): Plan {
  const q = parseSoql(soql);
  const obj = org.get(q.from.path);
  if (!obj || !obj.queryable) {
    throw soqlError(
      "INVALID_TYPE",
      q.text,
      q.from.pos,
      `sObject type '${q.from.path}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const b = new Binder(org, q, obj);
  const columns = q.select.map((ref) => b.path(ref));
  const seen = new Set<string>();
  q.select.forEach((ref, k) => {
    const key = columns[k]!.column.toLowerCase();
    if (seen.has(key))
      throw soqlError("MALFORMED_QUERY", q.text, ref.pos, `duplicate field selected: ${columns[k]!.column}`);
    seen.add(key);
  });
  const where = q.where ? b.expr(q.where) : undefined;
  const orderBy = q.orderBy.map((o) => {
    const f = b.path(o.field);
    if (!f.field.sortable)
      throw soqlError(
        "INVALID_FIELD",
        q.text,
        o.field.pos,
        `field '${f.field.name}' can not be sorted in a query call`,
      );
    return { f, desc: o.desc, nullsLast: o.nullsLast };
  });
  if (obj.requiredFilter && !hasRequiredFilter(where, obj.requiredFilter.fields)) {
    throw new ApiError(400, "MALFORMED_QUERY", obj.requiredFilter.message);
  }
  return { soql, obj, count: q.count, columns, where, orderBy, limit: q.limit, offset: q.offset };
}
