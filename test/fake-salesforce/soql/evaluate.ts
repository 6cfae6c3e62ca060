// Evaluates a bound query over an object's rows at a data version: WHERE, ORDER BY, LIMIT/OFFSET.
// The result is a snapshot of row numbers (Uint32Array), rendered later page by page.
import type { FieldModel, ObjectModel, Org } from "../org.js";
import { category, type BoundExpr, type BoundField, type Plan } from "./plan.js";

export interface Snapshot {
  obj: ObjectModel;
  version: number;
  rows: Uint32Array;
}

export interface Resolved {
  obj: ObjectModel;
  index: number;
}

/** Walks a reference path from a row; undefined when a reference is empty or dangling. */
export function walk(
  org: Org,
  obj: ObjectModel,
  index: number,
  steps: FieldModel[],
  version: number,
): Resolved | undefined {
  let cur: Resolved = { obj, index };
  for (const step of steps) {
    // Looked up by name: a polymorphic reference may have led to another object than the bound one.
    const field = cur.obj.fieldsByLower.get(step.name.toLowerCase());
    if (!field) return undefined;
    const next = org.resolveId(cur.obj.store.read(cur.index, field, version));
    if (!next) return undefined;
    cur = next;
  }
  return cur;
}

/** Value of a (possibly dotted) column for a row. */
export function columnValue(org: Org, obj: ObjectModel, index: number, f: BoundField, version: number): unknown {
  if (f.steps.length === 0) return obj.store.read(index, f.field, version);
  const r = walk(org, obj, index, f.steps, version);
  if (!r) return null;
  // Polymorphic references can land on another object than the one bound; match by name.
  const field = r.obj.fieldsByLower.get(f.field.name.toLowerCase());
  return field ? r.obj.store.read(r.index, field, version) : null;
}

function norm(f: BoundField, v: unknown): unknown {
  if (v == null) return null;
  if (category(f.field.type) !== "string") return v;
  const s = String(v);
  // Ids compare on their case-sensitive 15-char form; other text case-insensitively.
  if (f.field.type === "id" || f.field.type === "reference") return s.length === 18 ? s.slice(0, 15) : s;
  return s.toLowerCase();
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export class Evaluator {
  constructor(
    private readonly org: Org,
    private readonly plan: Plan,
    readonly version: number,
  ) {}

  value(index: number, f: BoundField): unknown {
    return columnValue(this.org, this.plan.obj, index, f, this.version);
  }

  matches(index: number, e: BoundExpr): boolean {
    switch (e.kind) {
      case "and":
        return this.matches(index, e.left) && this.matches(index, e.right);
      case "or":
        return this.matches(index, e.left) || this.matches(index, e.right);
      case "not":
        return !this.matches(index, e.expr);
      case "cmp": {
        const v = norm(e.f, this.value(index, e.f));
        const want = norm(e.f, e.value);
        if (e.op === "=") return want === null ? v === null : v !== null && compare(v, want) === 0;
        if (e.op === "!=") return want === null ? v !== null : v === null || compare(v, want) !== 0;
        if (v === null || want === null) return false;
        const c = compare(v, want);
        return e.op === "<" ? c < 0 : e.op === "<=" ? c <= 0 : e.op === ">" ? c > 0 : c >= 0;
      }
      case "in": {
        const v = norm(e.f, this.value(index, e.f));
        const hit = e.values.some((w) => {
          const nw = norm(e.f, w);
          return nw === null ? v === null : v !== null && compare(v, nw) === 0;
        });
        return e.negate ? !hit : hit;
      }
      case "like": {
        const v = this.value(index, e.f);
        const hit = v != null && e.re.test(String(v));
        return e.negate ? !hit : hit;
      }
    }
  }

  /** Row numbers matching the query, in natural (or ORDER BY) order. */
  snapshot(includeDeleted: boolean): Snapshot {
    const { obj } = this.plan;
    const store = obj.store;
    const n = store.size;
    const out = new Uint32Array(n);
    let k = 0;
    const where = this.plan.where;
    for (let i = 0; i < n; i++) {
      if (!store.existsAt(i, this.version)) continue;
      if (!includeDeleted && store.isDeleted(i, this.version)) continue;
      if (where && !this.matches(i, where)) continue;
      out[k++] = i;
    }
    let rows: Uint32Array = out.subarray(0, k);
    if (this.plan.orderBy.length) rows = this.sorted(rows);
    const offset = this.plan.offset ?? 0;
    const end = this.plan.limit === undefined ? rows.length : Math.min(rows.length, offset + this.plan.limit);
    return { obj, version: this.version, rows: rows.subarray(Math.min(offset, rows.length), end) };
  }

  private sorted(rows: Uint32Array): Uint32Array {
    const keys = this.plan.orderBy.map((o) => {
      const col = new Array<unknown>(rows.length);
      for (let k = 0; k < rows.length; k++) {
        const v = this.value(rows[k]!, o.f);
        col[k] =
          typeof v === "string" && o.f.field.type !== "id" && o.f.field.type !== "reference" ? v.toLowerCase() : v;
      }
      return col;
    });
    const perm = Array.from({ length: rows.length }, (_, k) => k);
    perm.sort((a, b) => {
      for (let j = 0; j < this.plan.orderBy.length; j++) {
        const o = this.plan.orderBy[j]!;
        const va = keys[j]![a];
        const vb = keys[j]![b];
        if (va == null || vb == null) {
          if (va == null && vb == null) continue;
          return (va == null ? -1 : 1) * (o.nullsLast ? -1 : 1);
        }
        const c = compare(va, vb);
        if (c !== 0) return o.desc ? -c : c;
      }
      return a - b;
    });
    return Uint32Array.from(perm, (p) => rows[p]!);
  }
}
