// Bulk API 1.0 query jobs (/services/async/{version}/job...): jobs, batches (with PK chunking),
// batch result lists and CSV result files, in the shapes of the Bulk API Developer Guide.
// Like Bulk 2.0, a batch's result set is snapshotted (row numbers + data version) when the batch is
// created and rendered lazily, so result files are never held in memory.
import type { IncomingHttpHeaders } from "node:http";
import { cellRewrite } from "./csv.js";
import { ApiError } from "./errors.js";
import { json, type Ctx, type Result } from "./http.js";
import { randomId } from "./ids.js";
import type { FieldModel, ObjectModel } from "./org.js";
import { restDatetime } from "./render.js";
import { columnValue, Evaluator } from "./soql/evaluate.js";
import { parseSoql } from "./soql/parser.js";
import { planQuery, type Plan } from "./soql/plan.js";
import { resultCacheKey } from "./result-cache.js";
import type { FakeState } from "./state.js";
import { hasRoot, tagValue, xmlEscape } from "./xml.js";

export const ASYNC_NS = "http://www.force.com/2009/06/asyncapi/dataload";
const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const XML = "application/xml";

export type Bulk1JobState = "Open" | "Closed" | "Aborted" | "Failed";
export type Bulk1BatchState = "Queued" | "InProgress" | "Completed" | "Failed" | "NotProcessed";

/** Parsed `Sforce-Enable-PKChunking` header. */
export interface PkChunking {
  chunkSize: number;
  parent?: string;
  startRow?: string;
}

export interface Bulk1Job {
  id: string;
  apiVersion: string;
  operation: "query" | "queryAll";
  obj: ObjectModel;
  concurrencyMode: string;
  createdDate: string;
  systemModstamp: string;
  state: Bulk1JobState;
  pk?: PkChunking;
  batches: Bulk1Batch[];
  /** By 15-character Id. */
  batchById: Map<string, Bulk1Batch>;
}

interface ResultFile {
  id: string;
  start: number;
  end: number;
}

export interface Bulk1Batch {
  id: string;
  jobId: string;
  createdDate: string;
  /** Real-clock creation time (performance.now()), for bulkJobLatencyMs. */
  createdAtMs: number;
  systemModstamp: string;
  state: Bulk1BatchState;
  stateMessage?: string;
  /** Status reads that have seen this batch. */
  polls: number;
  /** The state it ends in once processed (NotProcessed: a PK-chunked original batch). */
  outcome: "Completed" | "Failed" | "NotProcessed";
  failMessage?: string;
  /** The SOQL this batch runs (for a PK chunk, the query with the chunk's Id range AND-ed in). */
  request: string;
  plan?: Plan;
  /** Data version the rows were read at. */
  version: number;
  rows: Uint32Array;
  results: ResultFile[];
}

const TERMINAL = new Set<Bulk1BatchState>(["Completed", "Failed", "NotProcessed"]);
const DEFAULT_CHUNK_SIZE = 100_000;
const MAX_CHUNK_SIZE = 250_000;
const ROWS_PER_WRITE = 1000;
const NO_RECORDS = "Records not found for this query";
export const DEFAULT_BATCH_FAILED_MESSAGE = "InternalServerError : Failed to write query result.";
export const DEFAULT_QUERY_TIMEOUT_MESSAGE =
  "InvalidBatch : Failed to process query: QUERY_TIMEOUT: Your query request was running for too long.";

const queryFailure = (detail: string): string => `InvalidBatch : Failed to process query: ${detail}`;
const id15 = (id: string): string => (id.length === 18 ? id.slice(0, 15) : id);
/** Bulk 1.0 XML datetimes have second precision: 2015-12-15T21:41:45.000Z. */
const xmlDate = (iso: string): string => `${iso.slice(0, 19)}.000Z`;
const now = (state: FakeState): string => state.opts.now().toISOString();

// ---------------------------------------------------------------------------------------------
// Rendering: XML by default, JSON for job resources when the request's Content-Type is JSON.

function contentTypeOf(headers: IncomingHttpHeaders): string {
  return String(headers["content-type"] ?? "").toLowerCase();
}

export const isJsonRequest = (headers: IncomingHttpHeaders): boolean =>
  /^application\/json\b/.test(contentTypeOf(headers));

type Fields = Array<[string, string | number]>;

function elements(fields: Fields, indent: string): string[] {
  return fields.map(([k, v]) => `${indent}<${k}>${xmlEscape(String(v))}</${k}>`);
}

/** Laid out like Salesforce's own responses (root element with the namespace on its own line). */
function xmlDocument(root: string, lines: string[]): Result {
  return {
    status: 200,
    contentType: XML,
    text: `${DECL}<${root}\n   xmlns="${ASYNC_NS}">\n${lines.join("\n")}\n</${root}>`,
  };
}

/**
 * Pipeline (REST-style) errors -> Bulk 1.0 status, exception code and message. Others (the injected
 * 500 UNKNOWN_EXCEPTION / 503 SERVER_UNAVAILABLE, and the handlers' own Bulk 1.0 codes) pass through.
 */
const MAPPED: Record<string, [number, string, string | undefined]> = {
  INVALID_SESSION_ID: [400, "InvalidSessionId", "Invalid session id"],
  REQUEST_LIMIT_EXCEEDED: [403, "ExceededQuota", "TotalRequests Limit exceeded."],
  API_DISABLED_FOR_ORG: [400, "FeatureNotEnabled", "Bulk API is not enabled for this Organization or Partner"],
  NOT_FOUND: [404, "InvalidUrl", "The requested resource does not exist"],
  METHOD_NOT_ALLOWED: [405, "MethodNotAllowed", undefined],
};

/** Bulk 1.0 error body: `<error xmlns=...><exceptionCode/><exceptionMessage/></error>` (or its JSON form). */
export function renderBulk1Error(e: ApiError, headers: IncomingHttpHeaders): Result {
  const mapped = MAPPED[e.errorCode];
  const [status, code, message] = mapped
    ? [mapped[0], mapped[1], mapped[2] ?? e.message]
    : [e.status, e.errorCode, e.message];
  if (isJsonRequest(headers)) return json(status, { exceptionCode: code, exceptionMessage: message });
  const text =
    `${DECL}<error xmlns="${ASYNC_NS}"><exceptionCode>${xmlEscape(code)}</exceptionCode>` +
    `<exceptionMessage>${xmlEscape(message)}</exceptionMessage></error>`;
  return { status, contentType: XML, text };
}

interface Counters {
  queued: number;
  inProgress: number;
  completed: number;
  failed: number;
  records: number;
  time: number;
}

function counters(job: Bulk1Job): Counters {
  const c = { queued: 0, inProgress: 0, completed: 0, failed: 0, records: 0, time: 0 };
  for (const b of job.batches) {
    if (b.state === "Queued") c.queued++;
    else if (b.state === "InProgress") c.inProgress++;
    else if (b.state === "Completed") c.completed++;
    else if (b.state === "Failed") c.failed++;
    c.records += recordsProcessed(b);
    c.time += processingTime(b);
  }
  return c;
}

const recordsProcessed = (b: Bulk1Batch): number => (b.state === "Completed" ? b.rows.length : 0);
const processingTime = (b: Bulk1Batch): number =>
  b.state === "Completed" ? 50 + Math.floor(b.rows.length / 1000) : b.state === "Failed" ? 50 : 0;

function jobFields(state: FakeState, job: Bulk1Job): Fields {
  const c = counters(job);
  return [
    ["id", job.id],
    ["operation", job.operation],
    ["object", job.obj.name],
    ["createdById", state.userId],
    ["createdDate", xmlDate(job.createdDate)],
    ["systemModstamp", xmlDate(job.systemModstamp)],
    ["state", job.state],
    ["concurrencyMode", job.concurrencyMode],
    ["contentType", "CSV"],
    ["numberBatchesQueued", c.queued],
    ["numberBatchesInProgress", c.inProgress],
    ["numberBatchesCompleted", c.completed],
    ["numberBatchesFailed", c.failed],
    ["numberBatchesTotal", job.batches.length],
    ["numberRecordsProcessed", c.records],
    ["numberRetries", 0],
    ["apiVersion", job.apiVersion],
    ["numberRecordsFailed", 0],
    ["totalProcessingTime", c.time],
    ["apiActiveProcessingTime", c.time],
    ["apexProcessingTime", 0],
  ];
}

function jobResponse(ctx: Ctx, job: Bulk1Job, status: number): Result {
  const fields = jobFields(ctx.state, job);
  if (isJsonRequest(ctx.headers)) {
    // The JSON form lists the same fields alphabetically, numbers unquoted, REST-style datetimes.
    const body: Record<string, unknown> = {};
    for (const [k, v] of [...fields].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (k === "apiVersion") body[k] = Number(v);
      else if (k === "createdDate" || k === "systemModstamp") body[k] = restDatetime(String(v));
      else body[k] = v;
    }
    return json(status, body);
  }
  return { ...xmlDocument("jobInfo", elements(fields, " ")), status };
}

function batchFields(b: Bulk1Batch): Fields {
  const fields: Fields = [
    ["id", b.id],
    ["jobId", b.jobId],
    ["state", b.state],
  ];
  if (b.stateMessage !== undefined) fields.push(["stateMessage", b.stateMessage]);
  fields.push(
    ["createdDate", xmlDate(b.createdDate)],
    ["systemModstamp", xmlDate(b.systemModstamp)],
    ["numberRecordsProcessed", recordsProcessed(b)],
    ["numberRecordsFailed", 0],
    ["totalProcessingTime", processingTime(b)],
    ["apiActiveProcessingTime", processingTime(b)],
    ["apexProcessingTime", 0],
  );
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Lookups and state transitions.

function jobFor(ctx: Ctx): Bulk1Job {
  const id = ctx.params[0] ?? "";
  const job = ctx.state.bulk1Jobs.get(id15(id));
  if (!job) throw new ApiError(400, "InvalidJob", `Invalid job id: ${id}`);
  return job;
}

function batchFor(ctx: Ctx, job: Bulk1Job): Bulk1Batch {
  const id = ctx.params[1] ?? "";
  const batch = job.batchById.get(id15(id));
  if (!batch) throw new ApiError(400, "InvalidBatch", `Invalid batch id: ${id}`);
  return batch;
}

/**
 * One status read of a batch: Queued -> InProgress for N reads and until bulkJobLatencyMs has passed
 * since its creation, then its outcome.
 */
function observe(state: FakeState, b: Bulk1Batch): void {
  if (TERMINAL.has(b.state)) return;
  b.polls++;
  const n = state.opts.bulk1PollsUntilComplete;
  const aged = performance.now() - b.createdAtMs >= state.opts.bulkJobLatencyMs;
  // A PK-chunked original batch is NotProcessed as soon as its chunks exist, i.e. right away.
  if (b.outcome === "NotProcessed" || (b.polls > n && aged)) {
    b.state = b.outcome;
    if (b.outcome === "Failed") b.stateMessage = b.failMessage;
  } else {
    b.state = b.polls === 1 && n >= 2 ? "Queued" : "InProgress";
  }
  b.systemModstamp = now(state);
}

/**
 * A job stops being open (FakeActivity) once aborted or failed, or closed with every batch in a
 * final state as last read.
 */
function releaseIfDone(state: FakeState, job: Bulk1Job): void {
  const done =
    job.state === "Aborted" ||
    job.state === "Failed" ||
    (job.state === "Closed" && job.batches.every((b) => TERMINAL.has(b.state)));
  if (done) state.activity.jobReleased("bulk1", job.id);
}

function readJobBody(ctx: Ctx): Record<string, string | undefined> {
  if (isJsonRequest(ctx.headers)) {
    try {
      const v: unknown = JSON.parse(ctx.body);
      if (v && typeof v === "object" && !Array.isArray(v)) {
        return Object.fromEntries(
          Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, x == null ? undefined : String(x)]),
        );
      }
    } catch {
      // fall through
    }
    throw new ApiError(400, "ClientInputError", "Failed to parse the request body as a JSON jobInfo object");
  }
  if (!hasRoot(ctx.body, "jobInfo"))
    throw new ApiError(400, "InvalidXML", "Failed to parse XML: expected a jobInfo element");
  const get = (tag: string): string | undefined => tagValue(ctx.body, tag)?.trim();
  return {
    operation: get("operation"),
    object: get("object"),
    contentType: get("contentType"),
    concurrencyMode: get("concurrencyMode"),
    state: get("state"),
  };
}

/** `Sforce-Enable-PKChunking: true | false | chunkSize=N; parent=X; startRow=ID` (fields separated by `;`). */
export function parsePkChunking(header: string | string[] | undefined): PkChunking | undefined {
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header.join(";") : header;
  let enabled = false;
  const pk: PkChunking = { chunkSize: DEFAULT_CHUNK_SIZE };
  for (const part of raw.split(";").map((p) => p.trim())) {
    if (!part) continue;
    const lower = part.toLowerCase();
    if (lower === "true") {
      enabled = true;
      continue;
    }
    if (lower === "false") return undefined;
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (key === "chunksize") {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1 || n > MAX_CHUNK_SIZE) {
        throw new ApiError(
          400,
          "InvalidJob",
          `Invalid chunkSize in Sforce-Enable-PKChunking: ${value}. The chunk size must be from 1 to ${MAX_CHUNK_SIZE}.`,
        );
      }
      pk.chunkSize = n;
    } else if (key === "parent" && value) {
      pk.parent = value;
    } else if (key === "startrow" && value) {
      pk.startRow = value;
    } else {
      throw new ApiError(400, "InvalidJob", `Invalid Sforce-Enable-PKChunking field: ${part}`);
    }
    enabled = true;
  }
  return enabled ? pk : undefined;
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/** POST /services/async/{v}/job */
export function bulk1CreateJob(ctx: Ctx): Result {
  const state = ctx.state;
  const body = readJobBody(ctx);
  const operation = body.operation;
  if (operation !== "query" && operation !== "queryAll") {
    // Salesforce also offers insert/update/upsert/delete/hardDelete; the fake implements queries only.
    throw new ApiError(
      400,
      "InvalidJob",
      `Invalid operation: ${String(operation)}. This fake Salesforce implements the query and queryAll operations only.`,
    );
  }
  if (!body.object) throw new ApiError(400, "InvalidJob", "The job's object is required");
  const obj = state.org.get(body.object);
  if (!obj) throw new ApiError(400, "InvalidJob", `Unable to find object: ${body.object}`);
  if (!obj.bulkSupported || !obj.queryable) {
    throw new ApiError(400, "InvalidEntity", `Entity '${obj.name}' is not supported by the Bulk API.`);
  }
  // contentType defaults to XML in Bulk 1.0; the fake renders CSV results only.
  const contentType = body.contentType ?? "XML";
  if (contentType !== "CSV") {
    throw new ApiError(
      400,
      "InvalidJob",
      `Unsupported contentType: ${contentType}. This fake Salesforce implements CSV query jobs only.`,
    );
  }
  const concurrencyMode = body.concurrencyMode ?? "Parallel";
  if (concurrencyMode !== "Parallel" && concurrencyMode !== "Serial") {
    throw new ApiError(400, "InvalidJob", `Invalid concurrencyMode: ${concurrencyMode}`);
  }
  const pk = parsePkChunking(ctx.headers["sforce-enable-pkchunking"]);
  const created = now(state);
  const job: Bulk1Job = {
    id: randomId("750", state.serial++),
    apiVersion: ctx.version,
    operation,
    obj,
    concurrencyMode,
    createdDate: created,
    systemModstamp: created,
    state: "Open",
    pk,
    batches: [],
    batchById: new Map(),
  };
  state.bulk1Jobs.set(id15(job.id), job);
  state.activity.jobOpened("bulk1", job.id);
  return jobResponse(ctx, job, 201);
}

/** GET /services/async/{v}/job/{jobId}: also a status read of every batch of the job. */
export function bulk1JobStatus(ctx: Ctx): Result {
  const job = jobFor(ctx);
  for (const b of job.batches) observe(ctx.state, b);
  releaseIfDone(ctx.state, job);
  return jobResponse(ctx, job, 200);
}

/** POST /services/async/{v}/job/{jobId} with state Closed or Aborted. */
export function bulk1UpdateJob(ctx: Ctx): Result {
  const job = jobFor(ctx);
  const target = readJobBody(ctx).state;
  if (target !== "Closed" && target !== "Aborted") {
    throw new ApiError(
      400,
      "InvalidJobState",
      `Invalid state: ${String(target)}. Valid values are Closed and Aborted.`,
    );
  }
  const allowed = job.state === "Open" || (job.state === "Closed" && target === "Aborted") || job.state === target;
  if (!allowed || job.state === "Aborted" || job.state === "Failed") {
    throw new ApiError(
      400,
      "InvalidJobState",
      `Job ${job.id} is ${job.state} and cannot be ${target === "Closed" ? "closed" : "aborted"}`,
    );
  }
  if (target === "Aborted") {
    // Queued batches are not processed; batches in progress still run to completion.
    for (const b of job.batches) {
      if (b.state !== "Queued") continue;
      b.state = "NotProcessed";
      b.outcome = "NotProcessed";
      b.systemModstamp = now(ctx.state);
    }
  }
  job.state = target;
  job.systemModstamp = now(ctx.state);
  releaseIfDone(ctx.state, job);
  return jobResponse(ctx, job, 200);
}

/** The plan of a batch's SOQL, or the stateMessage it fails with. */
function planBatch(job: Bulk1Job, ctx: Ctx, soql: string): Plan | string {
  let plan: Plan;
  try {
    plan = planQuery(ctx.state.org, soql);
  } catch (e) {
    if (e instanceof ApiError) return queryFailure(`${e.errorCode}: ${e.message}`);
    throw e;
  }
  if (plan.obj !== job.obj) {
    return queryFailure(`The query's object '${plan.obj.name}' does not match the job's object '${job.obj.name}'`);
  }
  if (plan.count) return queryFailure("FUNCTIONALITY_NOT_ENABLED: Aggregate queries are not supported by Bulk Query");
  if (plan.columns.some((c) => c.field.type === "address" || c.field.type === "location")) {
    return queryFailure("FUNCTIONALITY_NOT_ENABLED: Selecting compound data not supported in Bulk Query");
  }
  if (plan.columns.some((c) => c.field.type === "base64")) {
    return queryFailure("FUNCTIONALITY_NOT_ENABLED: Selecting base64 data not supported in Bulk Query");
  }
  return plan;
}

/** The field of `obj` that references `parent` (ParentId / {Parent}Id first). */
function parentReference(obj: ObjectModel, parent: ObjectModel): FieldModel | undefined {
  const refs = obj.fields.filter(
    (f) => f.type === "reference" && f.referenceTo.some((t) => t.toLowerCase() === parent.name.toLowerCase()),
  );
  const preferred = [`${parent.name}Id`, "ParentId"].map((n) => n.toLowerCase());
  return refs.find((f) => preferred.includes(f.name.toLowerCase())) ?? refs[0];
}

/** Why PK chunking cannot run for this job and query, as the original batch's stateMessage. */
function chunkingFailure(ctx: Ctx, job: Bulk1Job, plan: Plan): string | undefined {
  const pk = job.pk!;
  const parent = pk.parent === undefined ? undefined : ctx.state.org.get(pk.parent);
  if (pk.parent !== undefined && !parent) return queryFailure(`Unable to find PK chunking parent object: ${pk.parent}`);
  const target = parent ?? job.obj;
  if (!target.pkChunkingSupported) return queryFailure(`PK chunking is not supported for entity '${target.name}'`);
  if (parent && parent !== job.obj && !parentReference(job.obj, parent)) {
    return queryFailure(`Entity '${job.obj.name}' has no relationship to the PK chunking parent '${parent.name}'`);
  }
  if (plan.orderBy.length || plan.limit !== undefined || plan.offset !== undefined) {
    return queryFailure("PK chunking is not supported for queries with ORDER BY, LIMIT or OFFSET");
  }
  return undefined;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The next 15-character Id in base-62 order: the exclusive upper bound just past `id`. */
function nextId(id: string): string {
  const chars = id.split("");
  for (let i = chars.length - 1; i >= 0; i--) {
    const d = BASE62.indexOf(chars[i]!);
    if (d >= 0 && d < BASE62.length - 1) {
      chars[i] = BASE62[d + 1]!;
      return chars.join("");
    }
    chars[i] = "0";
  }
  return `${id}0`;
}

/** The chunk's query, as Salesforce shows it for a chunk batch: the Id range AND-ed into the WHERE. */
function chunkSoql(soql: string, field: string, lo: string, hi: string): string {
  const range = `${field} >= '${lo}' AND ${field} < '${hi}'`;
  const span = parseSoql(soql).whereSpan;
  if (!span) return `${soql} WHERE ${range}`;
  const tail = soql.slice(span.end).trim();
  return `${soql.slice(0, span.keyword)}WHERE (${soql.slice(span.start, span.end).trim()}) AND ${range}${tail ? ` ${tail}` : ""}`;
}

interface Chunk {
  rows: Uint32Array;
  /** The chunk's Id range [lo, hi) and the field it applies to (Id, or the reference to `parent`). */
  field: string;
  lo: string;
  hi: string;
}

/** Row numbers of `obj` existing at `version`, in Id order, from `startRow` on. */
function rowsInIdOrder(obj: ObjectModel, version: number, startRow?: string): Uint32Array {
  const store = obj.store;
  const all = new Uint32Array(store.size);
  let k = 0;
  for (let i = 0; i < store.size; i++) if (store.existsAt(i, version)) all[k++] = i;
  let rows = all.subarray(0, k);
  const key = (i: number): string => id15(store.idOf(i));
  if (!store.rowOrderIsIdOrder) {
    const keys = new Map<number, string>();
    for (const i of rows) keys.set(i, key(i));
    rows = Uint32Array.from(rows).sort((a, b) => {
      const ka = keys.get(a)!;
      const kb = keys.get(b)!;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }
  if (startRow !== undefined) {
    const start = id15(startRow);
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key(rows[mid]!) < start) lo = mid + 1;
      else hi = mid;
    }
    rows = rows.subarray(lo);
  }
  return rows;
}

/**
 * PK chunks: boundaries every chunkSize Ids over ALL rows of the object (deleted ones included, as
 * documented), or of the parent object with `parent=`; each chunk is then filtered by the query.
 */
function chunkRows(ctx: Ctx, job: Bulk1Job, plan: Plan, version: number): Chunk[] {
  const org = ctx.state.org;
  const obj = job.obj;
  const pk = job.pk!;
  const ev = new Evaluator(org, plan, version);
  const includeDeleted = job.operation === "queryAll";
  const keep = (i: number): boolean =>
    (includeDeleted || !obj.store.isDeleted(i, version)) && (!plan.where || ev.matches(i, plan.where));
  const parent = pk.parent === undefined ? undefined : org.get(pk.parent);

  const chunked = parent ?? obj;
  const ordered = rowsInIdOrder(chunked, version, pk.startRow);
  const idAt = (k: number): string => id15(chunked.store.idOf(ordered[k]!));
  // Boundaries: the first Id of every chunk, then the Id just past the last one.
  const bounds: string[] = [];
  for (let s = 0; s < ordered.length; s += pk.chunkSize) bounds.push(idAt(s));
  const first = pk.startRow === undefined ? undefined : id15(pk.startRow);
  if (bounds.length === 0) {
    const none = first ?? "000000000000000";
    return [{ rows: new Uint32Array(0), field: "Id", lo: none, hi: none }];
  }
  const end = nextId(idAt(ordered.length - 1));
  const range = (k: number): { lo: string; hi: string } => ({
    lo: k === 0 && first !== undefined ? first : bounds[k]!,
    hi: bounds[k + 1] ?? end,
  });

  if (!parent || parent === obj) {
    return bounds.map((_, k) => ({
      rows: ordered.subarray(k * pk.chunkSize, (k + 1) * pk.chunkSize).filter(keep),
      field: "Id",
      ...range(k),
    }));
  }

  // Chunked on the parent's Ids: a row belongs to the chunk holding the parent it references.
  const ref = parentReference(obj, parent)!;
  const lists: number[][] = bounds.map(() => []);
  for (let i = 0; i < obj.store.size; i++) {
    if (!obj.store.existsAt(i, version)) continue;
    const v = obj.store.read(i, ref, version);
    if (typeof v !== "string") continue;
    const target = id15(v);
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bounds[mid]! <= target) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && target < end && keep(i)) lists[lo - 1]!.push(i);
  }
  return lists.map((l, k) => ({ rows: Uint32Array.from(l), field: ref.name, ...range(k) }));
}

function resultFiles(state: FakeState, rows: number): ResultFile[] {
  const per = Math.max(1, state.opts.bulk1ResultFileRows);
  const files: ResultFile[] = [];
  for (let s = 0; s === 0 || s < rows; s += per) {
    files.push({ id: randomId("752", state.serial++).slice(0, 15), start: s, end: Math.min(rows, s + per) });
  }
  return files;
}

function addBatch(
  ctx: Ctx,
  job: Bulk1Job,
  fields: Partial<Bulk1Batch> & Pick<Bulk1Batch, "outcome" | "request">,
): Bulk1Batch {
  const state = ctx.state;
  const created = now(state);
  const rows = fields.rows ?? new Uint32Array(0);
  const batch: Bulk1Batch = {
    id: randomId("751", state.serial++),
    jobId: job.id,
    createdDate: created,
    createdAtMs: performance.now(),
    systemModstamp: created,
    state: "Queued",
    polls: 0,
    version: state.org.version,
    results: fields.outcome === "Completed" ? resultFiles(state, rows.length) : [],
    ...fields,
    rows,
  };
  job.batches.push(batch);
  job.batchById.set(id15(batch.id), batch);
  return batch;
}

/** POST /services/async/{v}/job/{jobId}/batch with the SOQL as a text/csv body. */
export function bulk1CreateBatch(ctx: Ctx): Result {
  const state = ctx.state;
  const job = jobFor(ctx);
  if (job.state !== "Open") {
    throw new ApiError(
      400,
      "InvalidJobState",
      `Job ${job.id} is ${job.state}: batches can only be added to an Open job`,
    );
  }
  const contentType = contentTypeOf(ctx.headers);
  if (!/^text\/csv\b/.test(contentType)) {
    throw new ApiError(
      400,
      "InvalidBatch",
      `Content-Type ${contentType || "(none)"} does not match the job's contentType CSV: send the query as text/csv`,
    );
  }
  const soql = ctx.body.trim();
  if (!soql) throw new ApiError(400, "InvalidBatch", "The batch has no query");
  const version = state.org.version;
  const planned = planBatch(job, ctx, soql);
  const plan = typeof planned === "string" ? undefined : planned;
  let failure = typeof planned === "string" ? planned : undefined;
  if (plan && job.pk) failure = chunkingFailure(ctx, job, plan);

  if (failure !== undefined || !plan) {
    const batch = addBatch(ctx, job, { outcome: "Failed", failMessage: failure, request: soql, plan, version });
    return batchResponse(batch, 201);
  }
  if (!job.pk) {
    const rows = new Evaluator(state.org, plan, version).snapshot(job.operation === "queryAll").rows;
    const fault = state.faults.takeBatch("query_timeout");
    const batch = addBatch(ctx, job, {
      outcome: fault ? "Failed" : "Completed",
      failMessage: fault ? (fault.message ?? DEFAULT_QUERY_TIMEOUT_MESSAGE) : undefined,
      request: soql,
      plan,
      version,
      rows,
    });
    return batchResponse(batch, 201);
  }
  // PK chunking: the original batch is NotProcessed once its chunk batches exist.
  const original = addBatch(ctx, job, { outcome: "NotProcessed", request: soql, plan, version });
  for (const chunk of chunkRows(ctx, job, plan, version)) {
    const fault = state.faults.takeBatch("batch_failed");
    addBatch(ctx, job, {
      outcome: fault ? "Failed" : "Completed",
      failMessage: fault ? (fault.message ?? DEFAULT_BATCH_FAILED_MESSAGE) : undefined,
      request: chunkSoql(soql, chunk.field, chunk.lo, chunk.hi),
      plan,
      version,
      rows: chunk.rows,
    });
  }
  return batchResponse(original, 201);
}

function batchResponse(b: Bulk1Batch, status: number): Result {
  return { ...xmlDocument("batchInfo", elements(batchFields(b), " ")), status };
}

/** GET /services/async/{v}/job/{jobId}/batch: a status read of every batch. */
export function bulk1BatchList(ctx: Ctx): Result {
  const job = jobFor(ctx);
  const lines: string[] = [];
  for (const b of job.batches) {
    observe(ctx.state, b);
    lines.push(" <batchInfo>", ...elements(batchFields(b), "  "), " </batchInfo>");
  }
  releaseIfDone(ctx.state, job);
  return xmlDocument("batchInfoList", lines);
}

/** GET /services/async/{v}/job/{jobId}/batch/{batchId} */
export function bulk1BatchStatus(ctx: Ctx): Result {
  const job = jobFor(ctx);
  const batch = batchFor(ctx, job);
  observe(ctx.state, batch);
  releaseIfDone(ctx.state, job);
  return batchResponse(batch, 200);
}

/** GET .../batch/{batchId}/request: the SOQL the batch runs (a chunk's carries its Id range). */
export function bulk1BatchRequest(ctx: Ctx): Result {
  const batch = batchFor(ctx, jobFor(ctx));
  return { status: 200, contentType: "text/csv", text: batch.request };
}

function completedBatch(ctx: Ctx): Bulk1Batch {
  const batch = batchFor(ctx, jobFor(ctx));
  if (batch.state !== "Completed") throw new ApiError(400, "InvalidBatch", "Batch not completed");
  return batch;
}

/** GET .../batch/{batchId}/result: `<result-list><result>752...</result>...</result-list>`. */
export function bulk1ResultList(ctx: Ctx): Result {
  const batch = completedBatch(ctx);
  const items = batch.results.map((r) => `<result>${r.id}</result>`).join("");
  return { status: 200, contentType: XML, text: `${DECL}<result-list xmlns="${ASYNC_NS}">${items}</result-list>` };
}

/** Bulk 1.0 CSV: every field quoted, null as an empty field, LF line endings. */
function quotedLine(values: unknown[]): string {
  let line = "";
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    const s = v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    line += `${k ? "," : ""}"${s.includes('"') ? s.replace(/"/g, '""') : s}"`;
  }
  return `${line}\n`;
}

/** GET .../batch/{batchId}/result/{resultId}: one CSV result file, header first, rendered lazily. */
export function bulk1Result(ctx: Ctx): Result {
  const batch = completedBatch(ctx);
  const id = ctx.params[2] ?? "";
  const file = batch.results.find((r) => r.id === id15(id));
  if (!file) throw new ApiError(400, "InvalidBatch", `Invalid result id: ${id}`);
  // An empty result set is one file holding just this sentence (no header).
  if (batch.rows.length === 0) return { status: 200, contentType: "text/csv", text: NO_RECORDS };
  const plan = batch.plan!;
  const { rows, version } = batch;
  const org = ctx.state.org;
  const rewrite = cellRewrite(
    plan.columns.map((c) => c.column),
    ctx.rewrite,
  );
  // `short_page`: the file ends cleanly after half its rows (a body cut at a row boundary).
  const sent = ctx.fault === "short_page" ? Math.floor((file.end - file.start) / 2) : file.end - file.start;
  // A batch's request (a PK chunk's carries its Id range), the job's operation, the data version and
  // the file's row range decide its bytes (Bulk 1.0 CSV has one dialect); the writer adds the encoding.
  const job = jobFor(ctx);
  const cacheKey = resultCacheKey(
    ctx,
    ["bulk1", plan.soql, batch.request, job.operation, version, file.start, file.end],
    rows.subarray(file.start, file.end),
  );
  return {
    status: 200,
    contentType: "text/csv",
    cacheKey,
    stream: {
      rows: sent,
      async write(emit, stopAfterRows) {
        const stop = file.start + (stopAfterRows ?? sent);
        if (!(await emit(quotedLine(plan.columns.map((c) => c.column))))) return;
        let buf = "";
        const values = new Array<unknown>(plan.columns.length);
        for (let k = file.start; k < stop; k++) {
          const i = rows[k]!;
          for (let c = 0; c < plan.columns.length; c++)
            values[c] = columnValue(org, plan.obj, i, plan.columns[c]!, version);
          if (rewrite?.row === k - file.start) values[rewrite.column] = rewrite.value;
          buf += quotedLine(values);
          if ((k - file.start + 1) % ROWS_PER_WRITE === 0) {
            if (!(await emit(buf))) return;
            buf = "";
          }
        }
        if (buf) await emit(buf);
      },
    },
  };
}

/** POST /services/async/{v}/job/{jobId}: which RequestKind the body asks for. */
export function updateJobKind(body: string): "bulk1_close_job" | "bulk1_abort_job" {
  return /<(?:\w+:)?state>\s*Aborted\s*</.test(body) || /"state"\s*:\s*"Aborted"/.test(body)
    ? "bulk1_abort_job"
    : "bulk1_close_job";
}
