import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import { buildQuery } from "../salesforce/soql.js";
import { restQuery } from "../salesforce/rest-query.js";
import { parseCursorTimestamp } from "./state.js";

/**
 * The earliest cursor value in [from, to), found with one REST call. A first sync from a start date
 * years back would otherwise run a Bulk job (create, polls, results, delete: ~5 API calls) for every
 * empty window before the object's first record. Undefined: no record in the range. A failure is
 * not fatal: the caller then reads every window as usual.
 */
export async function earliestCursor(
  client: SalesforceClient,
  plan: StreamPlan,
  from: Date,
  to: Date,
): Promise<Date | null | undefined> {
  const cursorField = plan.cursorField!;
  const soql = `${buildQuery({
    object: plan.object,
    fields: [cursorField],
    userFilter: plan.userFilter,
    window: { cursorField, from, to },
  })} ORDER BY ${cursorField} ASC LIMIT 1`;
  for await (const page of restQuery(client, soql, plan.operation)) {
    const value = page[0]?.[cursorField];
    if (typeof value === "string") return parseCursorTimestamp(value) ?? null;
  }
  return undefined;
}
