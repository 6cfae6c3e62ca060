// Composite (/composite) and Composite Batch (/composite/batch). Subrequests run through the
// same route handlers as top-level requests (ctx.sub), without being counted; request faults do not
// reach them, `composite_subrequest` faults do.
import { ApiError, serverUnavailable, unknownException } from "./errors.js";
import { errorResult, json, parseJsonBody, type Ctx, type Result } from "./http.js";
import type { SubrequestFaultSpec } from "./types.js";

export const MAX_SUBREQUESTS = 25;
/** Composite only: "Up to 5 of these subrequests can be sObject Collections or query operations". */
export const MAX_QUERY_SUBREQUESTS = 5;

/** Query, QueryAll (and their query locators) and sObject Collections resources. */
const QUERY_OR_COLLECTION = /^\/?(?:services\/data\/)?v\d+\.\d+\/(?:query|queryAll|composite\/sobjects)(?:[/?]|$)/;

function tooManyQueries(n: number): ApiError {
  return new ApiError(
    400,
    "LIMIT_EXCEEDED",
    `Exceeded max limit of query and sObject Collections subrequests : ${MAX_QUERY_SUBREQUESTS}. Number of such subrequests : ${n}`,
  );
}

/** The error an injected `composite_subrequest` fault answers with. */
function subrequestFault(spec: SubrequestFaultSpec): Result {
  const error = {
    http500: () => unknownException(),
    http503: () => serverUnavailable(),
    malformed_query: () => new ApiError(400, "MALFORMED_QUERY", "unexpected token: <EOF>"),
    query_timeout: () => new ApiError(400, "QUERY_TIMEOUT", "Your query request was running for too long."),
  }[spec.type]();
  return errorResult(spec.message === undefined ? error : new ApiError(error.status, error.errorCode, spec.message));
}

/** Runs one subrequest, unless an injected fault answers for it. */
function runSubrequest(
  ctx: Ctx,
  index: number,
  method: string,
  url: string,
  body: unknown,
  headers?: unknown,
): Promise<Result> {
  const fault = ctx.state.faults.takeSubrequest(url, index);
  if (fault) return Promise.resolve(subrequestFault(fault));
  return ctx.sub(method, url, body, headerMap(headers));
}

/** A subrequest's httpHeaders (e.g. Sforce-Query-Options), lower-cased like Node's request headers. */
function headerMap(headers: unknown): Record<string, string> | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

const halted = (): unknown => [
  {
    errorCode: "PROCESSING_HALTED",
    message: "The transaction was rolled back since another operation in the same transaction failed.",
  },
];

function bodyOf(r: Result): unknown {
  if (r.json !== undefined) return r.json;
  if (r.stream)
    return [{ errorCode: "INVALID_REQUEST", message: "This resource is not supported in a composite request" }];
  return r.text ?? null;
}

/** Replaces @{refId.path.to.value} with values from earlier subresponses. */
function substitute(url: string, bodies: Map<string, unknown>): string {
  return url.replace(/@\{([^}.]+)((?:\.[^}]+)?)\}/g, (whole, ref: string, path: string) => {
    let v: unknown = bodies.get(ref);
    for (const key of path.split(".").filter(Boolean)) {
      const m = /^(\w+)\[(\d+)\]$/.exec(key);
      v = m
        ? (v as Record<string, unknown[]> | undefined)?.[m[1]!]?.[Number(m[2])]
        : (v as Record<string, unknown> | undefined)?.[key];
    }
    return v === undefined ? whole : encodeURIComponent(String(v));
  });
}

function tooMany(n: number): ApiError {
  return new ApiError(
    400,
    "LIMIT_EXCEEDED",
    `Exceeded max limit of subrequests : ${MAX_SUBREQUESTS}. Number of subrequests : ${n}`,
  );
}

/** POST /services/data/vXX.X/composite */
export async function composite(ctx: Ctx): Promise<Result> {
  const body = parseJsonBody(ctx);
  const subs = body.compositeRequest;
  if (!Array.isArray(subs) || subs.length === 0)
    throw new ApiError(400, "INVALID_INPUT", "compositeRequest: must not be empty");
  if (subs.length > MAX_SUBREQUESTS) throw tooMany(subs.length);
  const refs = new Set<string>();
  for (const s of subs as Array<Record<string, unknown>>) {
    if (typeof s.method !== "string" || typeof s.url !== "string" || typeof s.referenceId !== "string") {
      throw new ApiError(400, "INVALID_INPUT", "Each subrequest needs method, url and referenceId");
    }
    if (refs.has(s.referenceId))
      throw new ApiError(400, "INVALID_INPUT", `Duplicate referenceId provided in the request: ${s.referenceId}`);
    refs.add(s.referenceId);
  }
  const queries = (subs as Array<{ url: string }>).filter((s) => QUERY_OR_COLLECTION.test(s.url));
  if (queries.length > MAX_QUERY_SUBREQUESTS) throw tooManyQueries(queries.length);
  const bodies = new Map<string, unknown>();
  const out: Array<{
    body: unknown;
    httpHeaders: Record<string, string>;
    httpStatusCode: number;
    referenceId: string;
  }> = [];
  const list = subs as Array<{
    method: string;
    url: string;
    referenceId: string;
    body?: unknown;
    httpHeaders?: unknown;
  }>;
  for (const [i, s] of list.entries()) {
    const r = await runSubrequest(ctx, i, s.method, substitute(s.url, bodies), s.body, s.httpHeaders);
    const b = bodyOf(r);
    bodies.set(s.referenceId, b);
    out.push({ body: b, httpHeaders: {}, httpStatusCode: r.status, referenceId: s.referenceId });
  }
  if (body.allOrNone === true && out.some((o) => o.httpStatusCode >= 400)) {
    for (const o of out) {
      if (o.httpStatusCode < 400) {
        o.httpStatusCode = 400;
        o.body = halted();
      }
    }
  }
  return json(200, { compositeResponse: out });
}

/** Composite Batch counts each subrequest as an API call; the router uses this as its weight. */
export function batchWeight(ctx: Ctx): number {
  try {
    const reqs = (JSON.parse(ctx.body) as { batchRequests?: unknown }).batchRequests;
    return Array.isArray(reqs) && reqs.length > 0 && reqs.length <= MAX_SUBREQUESTS ? reqs.length : 1;
  } catch {
    return 1;
  }
}

/** POST /services/data/vXX.X/composite/batch (urls relative to /services/data/, e.g. v62.0/limits). */
export async function compositeBatch(ctx: Ctx): Promise<Result> {
  const body = parseJsonBody(ctx);
  const subs = body.batchRequests;
  if (!Array.isArray(subs) || subs.length === 0)
    throw new ApiError(400, "INVALID_INPUT", "batchRequests: must not be empty");
  if (subs.length > MAX_SUBREQUESTS) throw tooMany(subs.length);
  const results: Array<{ statusCode: number; result: unknown }> = [];
  let failed = false;
  for (const [i, s] of (subs as Array<{ method?: unknown; url?: unknown; richInput?: unknown }>).entries()) {
    if (failed && body.haltOnError === true) {
      results.push({
        statusCode: 412,
        result: [{ errorCode: "BATCH_PROCESSING_HALTED", message: "Batch processing halted per request" }],
      });
      continue;
    }
    if (typeof s.method !== "string" || typeof s.url !== "string")
      throw new ApiError(400, "INVALID_INPUT", "Each batch request needs method and url");
    const r = await runSubrequest(ctx, i, s.method, s.url, s.richInput);
    if (r.status >= 400) failed = true;
    results.push({ statusCode: r.status, result: r.status === 204 ? null : bodyOf(r) });
  }
  return json(200, { hasErrors: failed, results });
}
