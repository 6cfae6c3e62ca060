import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { QueryOperation } from "../salesforce/bulk2.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import type { RecordSink } from "./extractor.js";
import { checkQueryPage, nextPages, queryPath, type QueryPage } from "../salesforce/rest-query.js";
import { createRestRecordConverter } from "./records/convert.js";
import { valueLogFor } from "./value-log.js";

/** How a REST read gets its first page: the sync's CompositeQueryBatcher, or a plain GET. */
export type FirstPage = (soql: string, operation: QueryOperation) => Promise<QueryPage>;

/**
 * REST query/queryAll for one window, 2,000 records a call: for objects and fields the Bulk API
 * cannot serve, and for what Salesforce rejected as a Bulk query. The first page comes through
 * `firstPage` (the sync passes its Composite batcher), the others by nextRecordsUrl.
 */
export async function extractRest(
  client: SalesforceClient,
  _config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
  firstPage: FirstPage = (soql, operation) => client.json<QueryPage>(queryPath(soql, operation)),
): Promise<void> {
  const soql = plan.query.select(window);
  const values = valueLogFor(plan, sink.log);
  const convert = createRestRecordConverter(plan.schema, plan.fields, values.warn, values.nul);
  const first = await firstPage(soql, plan.operation);
  const paging = checkQueryPage(first, undefined, client.dataPath(`/${plan.operation}`));
  await sink.estimate(first.totalSize);
  if (first.records.length > 0) await sink.records(first.records.map(convert));
  for await (const page of nextPages(client, first, paging)) {
    if (page.records.length > 0) await sink.records(page.records.map(convert));
  }
}
