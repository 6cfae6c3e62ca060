// REST query / queryAll with query locators (nextRecordsUrl = /services/data/vXX.X/query/01g...-N).
// The matching rows are snapshotted on the first request; later pages read them at that data version.
import { ApiError } from "./errors.js";
import { json, type Ctx, type Result } from "./http.js";
import { randomId } from "./ids.js";
import { renderRecord } from "./render.js";
import { Evaluator, type Snapshot } from "./soql/evaluate.js";
import { planQuery, type Plan } from "./soql/plan.js";
import type { ValueFaultSpec } from "./types.js";

export interface QueryLocator {
  plan: Plan;
  snapshot: Snapshot;
  batchSize: number;
}

/** Sforce-Query-Options: batchSize=N (200..2000) overrides the org's default page size. */
function batchSize(ctx: Ctx): number {
  const header = String(ctx.headers["sforce-query-options"] ?? "");
  const m = /batchSize\s*=\s*(\d+)/i.exec(header);
  if (!m) return ctx.state.opts.restBatchSize;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

function page(ctx: Ctx, locatorId: string, loc: QueryLocator, offset: number): Result {
  const { rows, version } = loc.snapshot;
  const end = Math.min(rows.length, offset + loc.batchSize);
  const records = [];
  for (let k = offset; k < end; k++)
    records.push(renderRecord(ctx.state.org, loc.plan, rows[k]!, version, ctx.version));
  const done = end >= rows.length;
  const body: Record<string, unknown> = { totalSize: rows.length, done };
  if (!done && ctx.fault !== "no_next_records_url")
    body.nextRecordsUrl = `/services/data/v${ctx.version}/query/${locatorId}-${end}`;
  if (ctx.rewrite) rewriteRecordValue(records, ctx.rewrite);
  body.records = records;
  return json(200, body);
}

/** A `rewrite_value` fault: one key of one record (dotted into nested objects) gets the fault's value. */
function rewriteRecordValue(records: Array<Record<string, unknown>>, fault: ValueFaultSpec): void {
  let target: unknown = records[fault.row ?? 0];
  const path = fault.field.split(".");
  for (const key of path.slice(0, -1)) target = (target as Record<string, unknown> | null | undefined)?.[key];
  const last = path.at(-1)!;
  if (target && typeof target === "object" && last in target) (target as Record<string, unknown>)[last] = fault.value;
}

/** GET /services/data/vXX.X/query?q= and /queryAll?q= */
export function query(ctx: Ctx, all: boolean): Result {
  const soql = ctx.query.get("q");
  if (!soql) throw new ApiError(400, "MALFORMED_QUERY", "A query string has to be specified");
  const plan = planQuery(ctx.state.org, soql);
  const snapshot = new Evaluator(ctx.state.org, plan, ctx.state.org.version).snapshot(all);
  if (plan.count) return json(200, { totalSize: snapshot.rows.length, done: true, records: [] });
  const loc: QueryLocator = { plan, snapshot, batchSize: batchSize(ctx) };
  const id = randomId("01g", ctx.state.serial++);
  if (snapshot.rows.length > loc.batchSize) ctx.state.locators.set(id, loc);
  return page(ctx, id, loc, 0);
}

/** GET /services/data/vXX.X/query/{locator}-{offset} (queryAll/... works too). */
export function queryMore(ctx: Ctx): Result {
  const m = /^(\w{15,18})-(\d+)$/.exec(ctx.params[0] ?? "");
  const loc = m ? ctx.state.locators.get(m[1]!) : undefined;
  if (!m || !loc) throw new ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
  return page(ctx, m[1]!, loc, Number(m[2]));
}
