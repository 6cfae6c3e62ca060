import type { Config } from "../config.js";
import type { Log } from "../log.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import { ConnectorError } from "../errors.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import {
  BulkJobFailedError,
  createQueryJob,
  defaultPollSettings,
  deleteJob,
  readJobResults,
  waitForJob,
} from "../salesforce/bulk2.js";
import { restQuery } from "../salesforce/rest-query.js";
import { extractBulk1 } from "./extract-bulk1.js";
import { windowQuery, type Window } from "./query.js";
import { createCsvRecordConverterCache, createRestRecordConverter } from "./records/convert.js";

/** Where extracted records go: each record's data already serialised as JSON. */
export interface RecordSink {
  records(dataJson: string[]): Promise<void>;
  /** Salesforce's own count of what the query returns, where it reports one. */
  estimate(rows: number): Promise<void>;
  readonly log: Log;
}

/**
 * Runs one SOQL query of a stream through the API its plan chose and hands every record to the
 * sink. Bulk falls back to REST when Salesforce says Bulk cannot serve the object or a field
 * (the plan is updated so later windows go straight to REST).
 */
export async function extract(
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
): Promise<void> {
  if (plan.api === "bulk") {
    try {
      if (config.spec.bulk_api.version === "1.0") await extractBulk1(client, config, plan, window, sink);
      else await extractBulk2(client, config, plan, windowQuery(plan, window), sink);
      return;
    } catch (error) {
      const reason = bulkRejection(error);
      if (reason === undefined) throw error;
      plan.api = "rest";
      plan.restReason = reason;
      sink.log.warn(
        `Stream '${plan.name}': Salesforce rejected the Bulk query (${reason}); reading it through REST instead.`,
      );
    }
  }
  await extractRest(client, plan, windowQuery(plan, window), sink);
}

/** Salesforce's answers that mean "Bulk cannot run this query; REST can". */
function bulkRejection(error: unknown): string | undefined {
  if (!(error instanceof SalesforceApiError)) return undefined;
  const message = error.salesforceMessage;
  if (/^INVALIDENTITY$/i.test(error.errorCode) || /not supported by the Bulk API/i.test(message)) return message;
  if (
    /compound data not supported|not supported in Bulk Query|FUNCTIONALITY_NOT_ENABLED/i.test(
      `${error.errorCode} ${message}`,
    )
  ) {
    return message;
  }
  return undefined;
}

async function extractBulk2(
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  soql: string,
  sink: RecordSink,
): Promise<void> {
  const poll = defaultPollSettings(config.jobTimeoutMs);
  // A job that ends Failed/Aborted is run once more as a new job before the stream fails.
  for (let attempt = 1; ; attempt++) {
    const job = await createQueryJob(client, soql, plan.operation);
    try {
      const done = await waitForJob(client, job.id, poll);
      if (done.numberRecordsProcessed !== undefined) await sink.estimate(done.numberRecordsProcessed);
      // One converter per distinct header: warnings about a column come once per stream, not per page.
      const converterFor = createCsvRecordConverterCache(plan.schema, sink.log.warn);
      for await (const batch of readJobResults(client, job.id, bulkMaxRecords(config))) {
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

async function extractRest(client: SalesforceClient, plan: StreamPlan, soql: string, sink: RecordSink): Promise<void> {
  const convert = createRestRecordConverter(plan.schema, plan.fields, sink.log.warn);
  for await (const records of restQuery(client, soql, plan.operation, (total) => void sink.estimate(total))) {
    await sink.records(records.map(convert));
  }
}
