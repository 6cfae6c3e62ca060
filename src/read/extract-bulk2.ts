import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import type { RecordSink } from "./extractor.js";
import { ConnectorError } from "../errors.js";
import {
  BulkJobFailedError,
  createQueryJob,
  defaultPollSettings,
  deleteJob,
  readJobResults,
  waitForJob,
} from "../salesforce/bulk2.js";
import { createCsvRecordConverterCache } from "./records/convert.js";
import { valueLogFor } from "./value-log.js";

/**
 * Bulk API 2.0 for one window: one query job, its results read page by page (`max_records` rows
 * each) and deleted when read. A job that ends Failed or Aborted is run once more as a new job.
 */
export async function extractBulk2(
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
): Promise<void> {
  const soql = plan.query.select(window);
  const poll = defaultPollSettings(config.jobTimeoutMs);
  // A job that ends Failed/Aborted is run once more as a new job before the stream fails.
  for (let attempt = 1; ; attempt++) {
    const job = await createQueryJob(client, soql, plan.operation);
    try {
      const done = await waitForJob(client, job.id, poll);
      if (done.numberRecordsProcessed !== undefined) await sink.estimate(done.numberRecordsProcessed);
      // One converter per distinct header: warnings about a column come once per stream, not per page.
      const values = valueLogFor(plan, sink.log);
      const converterFor = createCsvRecordConverterCache(plan.schema, values.warn, values.nul);
      const expectation = { header: plan.fields, total: done.numberRecordsProcessed };
      for await (const batch of readJobResults(client, job.id, bulkMaxRecords(config), expectation)) {
        await sink.records(batch.rows.map(converterFor(batch.header)));
      }
      await deleteJob(client, job.id).catch((error: unknown) =>
        sink.log.warn(`Could not delete Bulk job ${job.id}: ${String(error)}`),
      );
      return;
    } catch (error) {
      if (error instanceof BulkJobFailedError && attempt === 1) {
        sink.log.warn(`Stream '${plan.name}': ${error.message}. Running the query again as a new job.`);
        continue;
      }
      // A job left behind after a failure would still count against the org's open-job limits.
      await deleteJob(client, job.id).catch(() => undefined);
      if (error instanceof BulkJobFailedError) {
        throw new ConnectorError(
          `Salesforce could not run the Bulk query for ${plan.object} (job ${error.job.id} ended ${error.job.state} twice: ${error.job.errorMessage ?? "no message"}). Run the sync again; if it persists, check the object_filters for ${plan.object}.`,
          "transient_error",
          { internalMessage: soql },
        );
      }
      throw error;
    }
  }
}

function bulkMaxRecords(config: Config): number | undefined {
  return config.spec.bulk_api.version === "2.0" ? config.spec.bulk_api.max_records : undefined;
}
