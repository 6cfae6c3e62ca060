// REST JSON rendering of query rows: attributes, nested relationship objects (null when the
// reference is empty), compound address/location objects, and REST's datetime format.
import type { ObjectModel, Org } from "./org.js";
import { walk } from "./soql/evaluate.js";
import type { BoundField, Plan } from "./soql/plan.js";

type Json = Record<string, unknown>;

/** REST returns datetimes as 2024-01-02T03:04:05.000+0000. */
export function restDatetime(iso: string): string {
  return iso.endsWith("Z") ? `${iso.slice(0, -1)}+0000` : iso;
}

function attributes(obj: ObjectModel, id: string, version: string): Json {
  return { type: obj.name, url: `/services/data/v${version}/sobjects/${obj.name}/${id}` };
}

function restValue(obj: ObjectModel, index: number, f: BoundField, v: unknown, apiVersion: string): unknown {
  if (v == null) return null;
  if (f.field.type === "datetime") return restDatetime(String(v));
  // base64 fields are not inlined in query results; REST gives the blob's URL.
  if (f.field.type === "base64")
    return `/services/data/v${apiVersion}/sobjects/${obj.name}/${obj.store.idOf(index)}/${f.field.name}`;
  return v;
}

export function renderRecord(org: Org, plan: Plan, index: number, dataVersion: number, apiVersion: string): Json {
  const { obj } = plan;
  const rec: Json = { attributes: attributes(obj, obj.store.idOf(index), apiVersion) };
  for (const col of plan.columns) {
    let target: Json = rec;
    let ok = true;
    for (let s = 0; s < col.steps.length; s++) {
      const key = col.steps[s]!.relationshipName!;
      if (!(key in target)) {
        const r = walk(org, obj, index, col.steps.slice(0, s + 1), dataVersion);
        target[key] = r ? { attributes: attributes(r.obj, r.obj.store.idOf(r.index), apiVersion) } : null;
      }
      const next = target[key];
      if (next === null || typeof next !== "object") {
        ok = false;
        break;
      }
      target = next as Json;
    }
    if (!ok) continue;
    if (col.steps.length === 0) {
      target[col.field.name] = restValue(obj, index, col, obj.store.read(index, col.field, dataVersion), apiVersion);
    } else {
      const r = walk(org, obj, index, col.steps, dataVersion)!;
      const field = r.obj.fieldsByLower.get(col.field.name.toLowerCase());
      target[col.field.name] = field
        ? restValue(r.obj, r.index, col, r.obj.store.read(r.index, field, dataVersion), apiVersion)
        : null;
    }
  }
  return rec;
}
