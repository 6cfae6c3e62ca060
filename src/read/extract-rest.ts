import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import type { RecordSink } from "./extractor.js";
import { restQuery } from "../salesforce/rest-query.js";
import { createRestRecordConverter } from "./records/convert.js";
import { valueLogFor } from "./value-log.js";

/**
 * REST query/queryAll for one window, 2,000 records a call: for objects and fields the Bulk API
 * cannot serve, and for what Salesforce rejected as a Bulk query.
 */
export async function extractRest(
  client: SalesforceClient,
  _config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
): Promise<void> {
  const soql = plan.query.select(window);
  const values = valueLogFor(plan, sink.log);
  const convert = createRestRecordConverter(plan.schema, plan.fields, values.warn, values.nul);
  for await (const records of restQuery(client, soql, plan.operation, (total) => void sink.estimate(total))) {
    await sink.records(records.map(convert));
  }
}
