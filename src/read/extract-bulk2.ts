import type { Config } from "../config.js";
import type { Log } from "../log.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import type { RecordSink } from "./extractor.js";
import { ConnectorError } from "../errors.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import {
  BulkJobFailedError,
  createQueryJob,
  defaultPollSettings,
  deleteJob,
  waitForJob,
  type Bulk2JobInfo,
} from "../salesforce/bulk2.js";
import { readJobResults, type ResultsPosition } from "../salesforce/bulk2-results.js";
import { deliverRecords, recordDecoder } from "./records/record-decoder.js";
import { valueLogFor } from "./value-log.js";
import {
  checkpointEvery,
  NAME_PENDING_JOB_AFTER_POLLS,
  QUERY_CHANGED,
  otherBulkApi,
  resumeRefusal,
  queryHash,
  type Bulk2Progress,
  type BulkProgress,
  type BulkResume,
} from "./bulk-progress.js";

/** A job to continue: its info (one call) and the pages and rows to continue at. */
interface Continuation {
  job: Bulk2JobInfo;
  position: ResultsPosition;
}

/**
 * Bulk API 2.0 for one window: one query job, its results read page by page (`max_records` rows
 * each) and deleted when read. A job that ends Failed or Aborted is run once more as a new job.
 * With `resume`, an earlier run's job is continued at the page and row it stopped at, and a
 * checkpoint follows each page, and comes at least every page's rows (at most CHECKPOINT_RECORDS).
 */
export async function extractBulk2(
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
  resume?: BulkResume,
): Promise<void> {
  const soql = plan.query.select(window);
  const query = queryHash(soql, plan.operation);
  const poll = defaultPollSettings(config.jobTimeoutMs);
  let continuation = resume?.from ? await continuable(client, resume.from, query, plan, sink.log) : undefined;
  // A job that ends Failed/Aborted is run once more as a new job before the stream fails.
  for (let attempt = 1; ; attempt++) {
    const job = continuation?.job ?? (await createQueryJob(client, soql, plan.operation));
    let position: ResultsPosition = continuation?.position ?? { rows: 0 };
    // A job some STATE names is left for the next run when this one fails; others are deleted.
    let named = continuation !== undefined;
    continuation = undefined;
    let sinceCheckpoint = 0;
    const checkpoint = async (): Promise<void> => {
      if (!resume) return;
      const progress: Bulk2Progress = { api: "2.0", job: job.id, query, ...position };
      await resume.checkpoint(progress);
      named = true;
      sinceCheckpoint = 0;
    };
    try {
      const namePending = async (polls: number): Promise<void> => {
        if (!named && polls >= NAME_PENDING_JOB_AFTER_POLLS) await checkpoint();
      };
      const done = job.state === "JobComplete" ? job : await waitForJob(client, job.id, poll, namePending);
      if (done.numberRecordsProcessed !== undefined) await sink.estimate(done.numberRecordsProcessed);
      const decoder = recordDecoder(plan.schema, sink, valueLogFor(plan, sink.log), config.parseWorkers);
      const expectation = { header: plan.fields, total: done.numberRecordsProcessed };
      const maxRecords = bulkMaxRecords(config);
      const every = checkpointEvery(maxRecords);
      const pages = readJobResults(client, job.id, maxRecords, expectation, decoder, {
        // The rows an earlier run already handed on are skipped.
        from: position,
        onPageEnd: async (now) => {
          position = now;
          await checkpoint();
        },
      });
      for await (const part of pages) {
        // A checkpoint before the rows that would pass a page's worth since the last: within a long
        // page, and while the next page's rows come between this page's (so a resume re-emits at most
        // one page's rows, as it does when pages are read one after another).
        if (sinceCheckpoint > 0 && sinceCheckpoint + part.count > every) await checkpoint();
        await deliverRecords(sink, part.output, part.count);
        position = part.position;
        sinceCheckpoint += part.count;
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
      // The next run continues a job its state names; any other left behind would only count
      // against the org's open-job limits.
      if (named && !(error instanceof BulkJobFailedError)) throw error;
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

/**
 * The earlier run's job, if it can be continued: checked with one call (GET the job's info). Else
 * undefined, after a LOG line saying why and removing that job.
 */
async function continuable(
  client: SalesforceClient,
  from: BulkProgress,
  query: string,
  plan: StreamPlan,
  log: Log,
): Promise<Continuation | undefined> {
  const refuse = resumeRefusal(client, from, plan.name, log);
  if (from.api !== "2.0") return refuse(otherBulkApi(from, "2.0"));
  if (from.query !== query) return refuse(QUERY_CHANGED);
  let job: Bulk2JobInfo;
  try {
    job = await client.json<Bulk2JobInfo>(`/jobs/query/${from.job}`);
  } catch (error) {
    if (error instanceof SalesforceApiError && error.status === 404)
      return refuse("Salesforce no longer has it (jobs are deleted after seven days)", false);
    throw error;
  }
  if (job.state === "Failed" || job.state === "Aborted") return refuse(`it ended ${job.state}`);
  if (job.apiVersion !== undefined && Number(job.apiVersion) !== Number(client.apiVersion))
    return refuse(`it was created with API version ${job.apiVersion}, api_version is now ${client.apiVersion}`);
  log.info(
    `Stream '${plan.name}': continuing Bulk job ${job.id}${from.locator === undefined && from.rows === 0 ? "" : " where the earlier run stopped"}.`,
  );
  const position: ResultsPosition = { rows: from.rows };
  if (from.locator !== undefined) position.locator = from.locator;
  if (from.ahead !== undefined) position.ahead = from.ahead;
  return { job, position };
}

function bulkMaxRecords(config: Config): number | undefined {
  return config.spec.bulk_api.version === "2.0" ? config.spec.bulk_api.max_records : undefined;
}
