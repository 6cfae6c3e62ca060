import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import { restQuery } from "../salesforce/rest-query.js";
import { parseTimestamp, SALESFORCE_VALUE } from "../util/datetime.js";

/**
 * The earliest cursor value in the window, found with one REST call. A first sync from a start date
 * years back would otherwise run a Bulk job (create, polls, results, delete: ~5 API calls) for every
 * empty window before the object's first record. Undefined: no record in the window; null: a value
 * that does not parse (the caller then reads from the window's start).
 */
export async function earliestCursor(
  client: SalesforceClient,
  plan: StreamPlan,
  window: Window,
): Promise<Date | null | undefined> {
  for await (const page of restQuery(client, plan.query.firstChange(window), plan.operation)) {
    const value = page[0]?.[plan.cursorField!];
    if (typeof value === "string") return parseTimestamp(value, SALESFORCE_VALUE) ?? null;
  }
  return undefined;
}
