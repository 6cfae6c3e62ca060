import type { DescribeGlobalResult, DescribeSObjectResult } from "jsforce";
import type { SalesforceClient } from "./client.js";
import { parseErrorBody, SalesforceApiError } from "./api-error.js";
import { chunk, mapWithConcurrency } from "../util/concurrency.js";
import { isObject } from "../util/is-object.js";

export type DescribeGlobalEntry = DescribeGlobalResult["sobjects"][number];

/** Salesforce's cap on subrequests in one Composite request. */
export const COMPOSITE_LIMIT = 25;

export interface CompositeResponse {
  compositeResponse: Array<{ body: unknown; httpStatusCode: number; referenceId: string }>;
}

export function describeGlobal(client: SalesforceClient): Promise<DescribeGlobalResult> {
  return client.json<DescribeGlobalResult>("/sobjects");
}

export type DescribeOutcome =
  { name: string; describe: DescribeSObjectResult } | { name: string; error: SalesforceApiError };

/**
 * Describes objects 25 at a time through the Composite resource, which Salesforce counts as ONE API
 * call per request (Composite Batch and per-object describes count every subrequest). One object
 * failing does not fail the others: its outcome carries the error. `use` turns each describe into
 * what the caller keeps, so a 300-object org's describes are not all held at once.
 */
export async function describeObjects<R>(
  client: SalesforceClient,
  names: readonly string[],
  concurrency: number,
  use: (outcome: DescribeOutcome) => R,
): Promise<R[]> {
  const batches = chunk(names, COMPOSITE_LIMIT);
  const results = await mapWithConcurrency(batches, concurrency, async (batch) => {
    const response = await client.json<CompositeResponse>("/composite", {
      method: "POST",
      json: {
        allOrNone: false,
        compositeRequest: batch.map((name, i) => ({
          method: "GET",
          url: client.dataPath(`/sobjects/${encodeURIComponent(name)}/describe`),
          referenceId: `describe${i}`,
        })),
      },
    });
    return batch.map((name, i) => {
      const sub = response.compositeResponse.find((r) => r.referenceId === `describe${i}`);
      if (!sub)
        return use({
          name,
          error: new SalesforceApiError(
            500,
            "MISSING_SUBRESPONSE",
            "Composite response had no answer for this object",
            "/composite",
          ),
        });
      if (sub.httpStatusCode >= 400)
        return use({ name, error: parseErrorBody(sub.httpStatusCode, JSON.stringify(sub.body), `describe ${name}`) });
      // A describe answers `fields` (REST API Developer Guide, sObject Describe); without it nothing
      // about the object can be known, so it is this object's error, not a crash later.
      if (!isObject(sub.body) || !Array.isArray(sub.body.fields))
        return use({
          name,
          error: new SalesforceApiError(
            502,
            "INVALID_DESCRIBE",
            "its describe answer has no fields array",
            `describe ${name}`,
          ),
        });
      return use({ name, describe: sub.body as unknown as DescribeSObjectResult });
    });
  });
  return results.flat();
}
