// Bulk API 2.0 query jobs. jsforce's bulk2.query() result stream is not used: it sends no
// maxRecords, feeds every page into one parser (page 2's header becomes a record), buffers whole
// pages and crashes on small pages (jsforce issues 1546, 1693). Results are paged here by
// locator + maxRecords, each page streamed through its own CSV parser (bulk2-results.ts).
import type { SalesforceClient } from "./client.js";
import { ConnectorError } from "../errors.js";
import { UnexpectedAnswerError } from "./api-error.js";
import { isObject } from "../util/is-object.js";
import { pause } from "../shutdown.js";

export interface Bulk2JobInfo {
  id: string;
  state: "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";
  object?: string;
  errorMessage?: string;
  numberRecordsProcessed?: number;
  apiVersion?: number | string;
}

export type QueryOperation = "query" | "queryAll";

/** A job that ended Failed or Aborted: the caller may run the query again as a new job. */
export class BulkJobFailedError extends Error {
  constructor(readonly job: { id: string; state: string; errorMessage?: string }) {
    super(`Bulk job ${job.id} ended ${job.state}: ${job.errorMessage ?? "no message from Salesforce"}`);
    this.name = "BulkJobFailedError";
  }
}

export async function createQueryJob(
  client: SalesforceClient,
  soql: string,
  operation: QueryOperation,
): Promise<Bulk2JobInfo> {
  const job = await client.json<unknown>("/jobs/query", {
    method: "POST",
    json: { operation, query: soql, contentType: "CSV", columnDelimiter: "COMMA", lineEnding: "LF" },
  });
  // Without the job's id nothing can follow (not repeated: the job may exist).
  if (!isObject(job) || typeof job.id !== "string" || job.id === "")
    throw new UnexpectedAnswerError(
      "the answer to creating a query job names no job id",
      client.dataPath("/jobs/query"),
    );
  return job as unknown as Bulk2JobInfo;
}

export interface PollSettings {
  timeoutMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const defaultPollSettings = (timeoutMs: number): PollSettings => ({
  timeoutMs,
  // Small jobs finish in a second or two; big ones take minutes. Double from 0.5 s up to 15 s:
  // few calls for big jobs, little waiting for small ones. Tests shorten the first delay.
  firstDelayMs: Number(process.env.SOURCE_SALESFORCE_POLL_BASE_MS ?? 500),
  maxDelayMs: 15_000,
});

/**
 * Polls until JobComplete; Failed/Aborted throw BulkJobFailedError; past the timeout the job is
 * aborted. `onPending` hears of each poll that found the job still running (with its count).
 */
export async function waitForJob(
  client: SalesforceClient,
  jobId: string,
  settings: PollSettings,
  onPending?: (polls: number) => Promise<void>,
): Promise<Bulk2JobInfo> {
  const deadline = Date.now() + settings.timeoutMs;
  let delay = settings.firstDelayMs;
  for (let polls = 1; ; polls++) {
    await pause(delay);
    const job = await client.json<Bulk2JobInfo>(`/jobs/query/${jobId}`);
    if (job.state === "JobComplete") return job;
    if (job.state === "Failed" || job.state === "Aborted") throw new BulkJobFailedError(job);
    if (Date.now() >= deadline) {
      await abortJob(client, jobId).catch(() => undefined);
      throw new ConnectorError(
        `Bulk query job ${jobId} did not finish within job_timeout (${Math.round(settings.timeoutMs / 60000)} min); it was aborted. Raise job_timeout or narrow stream_slice_step.`,
        "transient_error",
      );
    }
    await onPending?.(polls);
    delay = Math.min(settings.maxDelayMs, delay * 2);
  }
}

export async function abortJob(client: SalesforceClient, jobId: string): Promise<void> {
  (await client.request(`/jobs/query/${jobId}`, { method: "PATCH", json: { state: "Aborted" } })).discard();
}

export async function deleteJob(client: SalesforceClient, jobId: string): Promise<void> {
  (await client.request(`/jobs/query/${jobId}`, { method: "DELETE" })).discard();
}
