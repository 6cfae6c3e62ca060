import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "csv-parse";
import type { SalesforceClient } from "./client.js";
import type { HttpResponse } from "./http.js";
import { ConnectorError } from "../errors.js";

/**
 * Bulk API 2.0 query jobs. jsforce's bulk2.query() result stream is not used: it sends no
 * maxRecords, feeds every page into one parser (page 2's header becomes a record), buffers whole
 * pages and crashes on small pages (jsforce issues 1546, 1693). Results are paged here by
 * locator + maxRecords, each page streamed through its own CSV parser.
 */
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

export function createQueryJob(
  client: SalesforceClient,
  soql: string,
  operation: QueryOperation,
): Promise<Bulk2JobInfo> {
  return client.json<Bulk2JobInfo>("/jobs/query", {
    method: "POST",
    json: { operation, query: soql, contentType: "CSV", columnDelimiter: "COMMA", lineEnding: "LF" },
  });
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

/** Polls until JobComplete; Failed/Aborted throw BulkJobFailedError; past the timeout the job is aborted. */
export async function waitForJob(
  client: SalesforceClient,
  jobId: string,
  settings: PollSettings,
): Promise<Bulk2JobInfo> {
  const deadline = Date.now() + settings.timeoutMs;
  let delay = settings.firstDelayMs;
  for (;;) {
    await sleep(delay);
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
    delay = Math.min(settings.maxDelayMs, delay * 2);
  }
}

export async function abortJob(client: SalesforceClient, jobId: string): Promise<void> {
  (await client.request(`/jobs/query/${jobId}`, { method: "PATCH", json: { state: "Aborted" } })).discard();
}

export async function deleteJob(client: SalesforceClient, jobId: string): Promise<void> {
  (await client.request(`/jobs/query/${jobId}`, { method: "DELETE" })).discard();
}

/** Rows of one results page, delivered in batches (one per HTTP chunk) with the page's header. */
export interface RowBatch {
  header: string[];
  rows: string[][];
}

/**
 * Streams every results page of a completed job. Each page is its own CSV with its own header. A
 * page whose body is cut off is asked for again with the same locator, and the rows already
 * delivered from it are skipped, so nothing is delivered twice. Each page's row count is checked
 * against Sforce-NumberOfRecords.
 */
export async function* readJobResults(
  client: SalesforceClient,
  jobId: string,
  maxRecords: number | undefined,
): AsyncGenerator<RowBatch> {
  let locator: string | undefined;
  do {
    const query = new URLSearchParams();
    if (maxRecords !== undefined) query.set("maxRecords", String(maxRecords));
    if (locator !== undefined) query.set("locator", locator);
    const path = `/jobs/query/${jobId}/results${query.size > 0 ? `?${query}` : ""}`;
    let delivered = 0;
    for (let attempt = 1; ; attempt++) {
      const response = await client.request(path, { headers: { Accept: "text/csv" } });
      const expected = Number(response.header("sforce-numberofrecords") ?? NaN);
      const nextLocator = response.header("sforce-locator");
      let seen = 0;
      try {
        for await (const batch of parsePage(response)) {
          const fresh = seen >= delivered ? batch.rows : batch.rows.slice(delivered - seen);
          seen += batch.rows.length;
          if (fresh.length === 0) continue;
          yield { header: batch.header, rows: fresh };
          delivered += fresh.length;
        }
        if (!Number.isNaN(expected) && seen !== expected) {
          throw new ResultsCountMismatch(`results page had ${seen} rows, Sforce-NumberOfRecords said ${expected}`);
        }
        locator = nextLocator && nextLocator !== "null" ? nextLocator : undefined;
        break;
      } catch (error) {
        const decision = client.decideAfterBodyFailure(
          error instanceof ResultsCountMismatch ? asTransient(error) : error,
          attempt,
        );
        if (decision.action !== "retry") throw decision.action === "fail" ? decision.error : error;
        await sleep(decision.delayMs);
      }
    }
  } while (locator !== undefined);
}

class ResultsCountMismatch extends Error {}

/** A short page is treated like a cut connection: ask again. */
function asTransient(error: Error): Error {
  return Object.assign(new Error(error.message), { code: "ECONNRESET" });
}

/** Parses one CSV page from the HTTP body, yielding the rows each chunk completes. */
async function* parsePage(response: HttpResponse): AsyncGenerator<RowBatch> {
  const parser = parse({ bom: true, relax_quotes: false });
  let header: string[] | undefined;
  const drain = (): string[][] => {
    const rows: string[][] = [];
    for (let row = parser.read() as string[] | null; row !== null; row = parser.read() as string[] | null) {
      if (header === undefined) header = row;
      else rows.push(row);
    }
    return rows;
  };
  let parseError: Error | undefined;
  parser.once("error", (error) => (parseError = error));
  for await (const chunk of response.body) {
    parser.write(chunk);
    if (parseError) throw parseError;
    const rows = drain();
    if (rows.length > 0) yield { header: header!, rows };
  }
  parser.end();
  // Whatever the parser still holds (the last row, chunks it had not reached) comes out before 'end'.
  const rest: string[][] = drain();
  for await (const row of parser as AsyncIterable<string[]>) {
    if (header === undefined) header = row;
    else rest.push(row);
  }
  if (rest.length > 0) yield { header: header!, rows: rest };
}
