import type { SalesforceClient } from "./client.js";
import { parseErrorBody, SalesforceApiError } from "./api-error.js";
import type { CompositeResponse } from "./describe.js";
import { chunk } from "../util/concurrency.js";

/**
 * Composite allows 25 subrequests, "up to 5 of these subrequests can be sObject Collections or query
 * operations" (Salesforce's Composite resource documentation); a request with more is refused whole.
 */
export const COMPOSITE_QUERY_LIMIT = 5;

/**
 * Runs each SOQL query once through Composite query subrequests, 5 to a request (Salesforce counts
 * each Composite request as ONE API call), and returns per query the error Salesforce answered, or
 * undefined when it ran. Meant for cheap probes (`... LIMIT 1`): the rows are not read.
 */
export async function probeQueries(
  client: SalesforceClient,
  queries: readonly string[],
): Promise<Array<SalesforceApiError | undefined>> {
  const outcomes: Array<SalesforceApiError | undefined> = [];
  for (const batch of chunk(queries, COMPOSITE_QUERY_LIMIT)) {
    const response = await client.json<CompositeResponse>("/composite", {
      method: "POST",
      json: {
        allOrNone: false,
        compositeRequest: batch.map((soql, i) => ({
          method: "GET",
          url: client.dataPath(`/query?q=${encodeURIComponent(soql)}`),
          referenceId: `probe${i}`,
        })),
      },
    });
    for (const i of batch.keys()) {
      const sub = response.compositeResponse.find((r) => r.referenceId === `probe${i}`);
      if (!sub)
        outcomes.push(
          new SalesforceApiError(500, "MISSING_SUBRESPONSE", "Composite had no answer for it", "/composite"),
        );
      else if (sub.httpStatusCode >= 400)
        outcomes.push(parseErrorBody(sub.httpStatusCode, JSON.stringify(sub.body), "query"));
      else outcomes.push(undefined);
    }
  }
  return outcomes;
}
