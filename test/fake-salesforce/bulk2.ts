// Bulk API 2.0 query jobs: create (validating the query), poll, results pages as CSV, abort, delete.
// The result set is snapshotted (row numbers + data version) at creation and rendered page by page,
// so a 2M-row job never holds its CSV in memory.
import { columnValue, Evaluator, type Snapshot } from "./soql/evaluate.js";
import { planQuery, type Plan } from "./soql/plan.js";
import { cellRewrite, csvLine, DELIMITERS, LINE_ENDINGS } from "./csv.js";
import { ApiError, notFound } from "./errors.js";
import { json, parseJsonBody, type Ctx, type Result } from "./http.js";
import { randomId } from "./ids.js";
import { restDatetime } from "./render.js";
import { resultCacheKey } from "./result-cache.js";

export type JobState = "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";

export interface BulkJob {
  id: string;
  apiVersion: string;
  operation: "query" | "queryAll";
  plan: Plan;
  snapshot: Snapshot;
  createdDate: string;
  /** Real-clock creation time (performance.now()), for bulkJobLatencyMs. */
  createdAtMs: number;
  systemModstamp: string;
  state: JobState;
  polls: number;
  failing: boolean;
  columnDelimiter: string;
  lineEnding: string;
}

const FAILED_MESSAGE = "InternalServerError: retried 30 times";
const ROWS_PER_CHUNK = 1000;

function jobInfo(ctx: Ctx, job: BulkJob, full: boolean): Record<string, unknown> {
  const info: Record<string, unknown> = {
    id: job.id,
    operation: job.operation,
    object: job.plan.obj.name,
    createdById: ctx.state.userId,
    createdDate: restDatetime(job.createdDate),
    systemModstamp: restDatetime(job.systemModstamp),
    state: job.state,
    concurrencyMode: "Parallel",
    contentType: "CSV",
    apiVersion: Number(job.apiVersion),
  };
  if (full) info.jobType = "V2Query";
  info.lineEnding = job.lineEnding;
  info.columnDelimiter = job.columnDelimiter;
  if (full) {
    const done = job.state === "JobComplete";
    info.numberRecordsProcessed = done ? job.snapshot.rows.length : 0;
    info.retries = 0;
    info.totalProcessingTime = done ? 100 + Math.floor(job.snapshot.rows.length / 1000) : 0;
    info.isPkChunkingSupported = true;
    if (job.state === "Failed") info.errorMessage = FAILED_MESSAGE;
  }
  return info;
}

function jobFor(ctx: Ctx): BulkJob {
  const job = ctx.state.jobs.get(ctx.params[0] ?? "");
  if (!job) throw notFound();
  return job;
}

function option(body: Record<string, unknown>, key: string, allowed: Record<string, string>, dflt: string): string {
  const v = body[key] ?? dflt;
  if (typeof v !== "string" || !(v in allowed))
    throw new ApiError(400, "INVALIDJOB", `Invalid value for ${key}: ${String(v)}`);
  return v;
}

/** POST /services/data/vXX.X/jobs/query */
export function createJob(ctx: Ctx): Result {
  const body = parseJsonBody(ctx);
  const operation = body.operation;
  if (operation !== "query" && operation !== "queryAll") {
    throw new ApiError(
      400,
      "INVALIDJOB",
      `Invalid operation: ${String(operation)}. Valid values are query and queryAll.`,
    );
  }
  if (typeof body.query !== "string" || !body.query.trim()) throw new ApiError(400, "INVALIDJOB", "Query is required");
  if ((body.contentType ?? "CSV") !== "CSV")
    throw new ApiError(400, "INVALIDJOB", `Invalid content type: ${String(body.contentType)}`);
  const columnDelimiter = option(body, "columnDelimiter", DELIMITERS, "COMMA");
  const lineEnding = option(body, "lineEnding", LINE_ENDINGS, "LF");
  const plan = planQuery(ctx.state.org, body.query);
  if (!plan.obj.bulkSupported)
    throw new ApiError(400, "INVALIDENTITY", `Entity '${plan.obj.name}' is not supported by the Bulk API.`);
  if (plan.count) throw new ApiError(400, "API_ERROR", "Aggregate queries are not supported by Bulk Query");
  if (plan.columns.some((c) => c.field.type === "address" || c.field.type === "location")) {
    throw new ApiError(400, "API_ERROR", "Selecting compound data not supported in Bulk Query");
  }
  if (plan.columns.some((c) => c.field.type === "base64")) {
    throw new ApiError(400, "API_ERROR", "Selecting base64 data not supported in Bulk Query");
  }
  const state = ctx.state;
  const snapshot = new Evaluator(state.org, plan, state.org.version).snapshot(operation === "queryAll");
  const now = state.opts.now().toISOString();
  const job: BulkJob = {
    id: randomId("750", state.serial++),
    apiVersion: ctx.version,
    operation,
    plan,
    snapshot,
    createdDate: now,
    createdAtMs: performance.now(),
    systemModstamp: now,
    state: "UploadComplete",
    polls: 0,
    failing: ctx.fault === "job_failed",
    columnDelimiter,
    lineEnding,
  };
  state.jobs.set(job.id, job);
  state.activity.jobOpened("bulk2", job.id);
  return json(200, jobInfo(ctx, job, false));
}

/**
 * GET /services/data/vXX.X/jobs/query/{id}: UploadComplete/InProgress for N polls and until
 * bulkJobLatencyMs has passed since creation, then the outcome.
 */
export function jobStatus(ctx: Ctx): Result {
  const job = jobFor(ctx);
  if (job.state !== "JobComplete" && job.state !== "Failed" && job.state !== "Aborted") {
    job.polls++;
    const n = ctx.state.opts.bulk2PollsUntilComplete;
    const aged = performance.now() - job.createdAtMs >= ctx.state.opts.bulkJobLatencyMs;
    if (job.polls > n && aged) job.state = job.failing ? "Failed" : "JobComplete";
    else job.state = job.polls === 1 && n >= 2 ? "UploadComplete" : "InProgress";
    job.systemModstamp = ctx.state.opts.now().toISOString();
  }
  return json(200, jobInfo(ctx, job, true));
}

/** GET /services/data/vXX.X/jobs/query: all jobs. */
export function listJobs(ctx: Ctx): Result {
  return json(200, {
    done: true,
    records: [...ctx.state.jobs.values()].map((j) => ({ ...jobInfo(ctx, j, false), jobType: "V2Query" })),
    nextRecordsUrl: null,
  });
}

/** PATCH /services/data/vXX.X/jobs/query/{id} {state: "Aborted"} */
export function abortJob(ctx: Ctx): Result {
  const job = jobFor(ctx);
  const body = parseJsonBody(ctx);
  if (body.state !== "Aborted")
    throw new ApiError(
      400,
      "INVALIDJOB",
      `Invalid state: ${String(body.state)}. Only Aborted is allowed for query jobs.`,
    );
  if (job.state === "JobComplete" || job.state === "Failed" || job.state === "Aborted") {
    throw new ApiError(400, "INVALIDJOBSTATE", `Job is in state ${job.state} and cannot be aborted`);
  }
  job.state = "Aborted";
  job.systemModstamp = ctx.state.opts.now().toISOString();
  ctx.state.activity.jobReleased("bulk2", job.id);
  return json(200, jobInfo(ctx, job, false));
}

/** DELETE /services/data/vXX.X/jobs/query/{id} */
export function deleteJob(ctx: Ctx): Result {
  const job = jobFor(ctx);
  ctx.state.jobs.delete(job.id);
  ctx.state.activity.jobReleased("bulk2", job.id);
  return { status: 204 };
}

/** Locators are base64 of the row offset, like the ones Salesforce hands out. */
const encodeLocator = (offset: number): string => Buffer.from(String(offset)).toString("base64").replace(/=+$/, "");

function decodeLocator(s: string): number | undefined {
  const text = Buffer.from(s, "base64").toString("utf8");
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** GET /services/data/vXX.X/jobs/query/{id}/results?locator=&maxRecords= (text/csv). */
export async function jobResults(ctx: Ctx): Promise<Result> {
  // Salesforce takes a while to start each page; the benchmark models it with bulk2ResultsLatencyMs.
  if (ctx.state.opts.bulk2ResultsLatencyMs > 0)
    await new Promise((r) => setTimeout(r, ctx.state.opts.bulk2ResultsLatencyMs));
  const job = jobFor(ctx);
  if (ctx.version !== job.apiVersion) {
    throw new ApiError(
      409,
      "API_VERSION_MISMATCH",
      `The API version of the request (v${ctx.version}) does not match the API version of the job (v${job.apiVersion}).`,
    );
  }
  if (job.state !== "JobComplete") {
    throw new ApiError(
      400,
      "INVALIDJOBSTATE",
      `Job is in state ${job.state}; results are only available when the job state is JobComplete`,
    );
  }
  const rows = job.snapshot.rows;
  const locatorParam = ctx.query.get("locator");
  const start = locatorParam ? decodeLocator(locatorParam) : 0;
  if (start === undefined || start > rows.length)
    throw new ApiError(400, "INVALIDLOCATOR", `Invalid locator: ${locatorParam}`);
  const maxParam = ctx.query.get("maxRecords");
  const max = maxParam === null ? ctx.state.opts.defaultBulk2PageSize : Number(maxParam);
  if (!Number.isInteger(max) || max <= 0)
    throw new ApiError(400, "INVALIDPARAMETER", `Invalid maxRecords: ${maxParam}`);
  const end = Math.min(rows.length, start + max);
  const { plan, snapshot } = job;
  const delimiter = DELIMITERS[job.columnDelimiter]!;
  const eol = LINE_ENDINGS[job.lineEnding]!;
  const org = ctx.state.org;
  const rewrite = cellRewrite(
    plan.columns.map((c) => c.column),
    ctx.rewrite,
  );
  // Broken answers (see FaultType): the rows sent may stop short of the page's end.
  const sent = ctx.fault === "short_page" ? Math.floor((end - start) / 2) : end - start;
  const headers: Record<string, string> = {
    "Sforce-Locator": end < rows.length ? encodeLocator(end) : "null",
    "Sforce-NumberOfRecords": String(end - start),
  };
  if (ctx.fault === "self_locator") headers["Sforce-Locator"] = encodeLocator(start);
  if (ctx.fault === "no_locator") delete headers["Sforce-Locator"];
  if (ctx.fault === "no_record_count" || ctx.fault === "short_page") delete headers["Sforce-NumberOfRecords"];
  // The bytes depend on the query and operation (which rows, which columns), the snapshot's data
  // version (their values), the row range and the CSV dialect; the writer adds the encoding.
  const cacheKey = resultCacheKey(
    ctx,
    ["bulk2", plan.soql, job.operation, snapshot.version, start, end, job.columnDelimiter, job.lineEnding],
    rows.subarray(start, end),
  );
  return {
    status: 200,
    contentType: "text/csv",
    headers,
    cacheKey,
    stream: {
      rows: sent,
      async write(emit, stopAfterRows) {
        const stop = start + (stopAfterRows ?? sent);
        if (
          !(await emit(
            csvLine(
              // `wrong_header`: a CSV page whose header is not the query's (a proxy's or another job's page).
              plan.columns.map((c, i) => (ctx.fault === "wrong_header" && i === 0 ? "Unexpected__c" : c.column)),
              delimiter,
              eol,
            ),
          ))
        )
          return;
        let buf = "";
        const values = new Array<unknown>(plan.columns.length);
        for (let k = start; k < stop; k++) {
          const i = rows[k]!;
          for (let c = 0; c < plan.columns.length; c++)
            values[c] = columnValue(org, plan.obj, i, plan.columns[c]!, snapshot.version);
          if (rewrite?.row === k - start) values[rewrite.column] = rewrite.value;
          buf += csvLine(values, delimiter, eol);
          if ((k - start + 1) % ROWS_PER_CHUNK === 0) {
            if (!(await emit(buf))) return;
            buf = "";
          }
        }
        if (buf) await emit(buf);
      },
    },
  };
}
