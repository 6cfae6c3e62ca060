// Composite (/composite) and Composite Batch (/composite/batch). Subrequests run through the
// same route handlers as top-level requests (ctx.sub), without being counted or faulted.
import { ApiError } from "./errors.js";
import { json, parseJsonBody, type Ctx, type Result } from "./http.js";

export const MAX_SUBREQUESTS = 25;

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
  const bodies = new Map<string, unknown>();
  const out: Array<{
    body: unknown;
    httpHeaders: Record<string, string>;
    httpStatusCode: number;
    referenceId: string;
  }> = [];
  for (const s of subs as Array<{ method: string; url: string; referenceId: string; body?: unknown }>) {
    const r = await ctx.sub(s.method, substitute(s.url, bodies), s.body);
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
  for (const s of subs as Array<{ method?: unknown; url?: unknown; richInput?: unknown }>) {
    if (failed && body.haltOnError === true) {
      results.push({
        statusCode: 412,
        result: [{ errorCode: "BATCH_PROCESSING_HALTED", message: "Batch processing halted per request" }],
      });
      continue;
    }
    if (typeof s.method !== "string" || typeof s.url !== "string")
      throw new ApiError(400, "INVALID_INPUT", "Each batch request needs method and url");
    const r = await ctx.sub(s.method, s.url, s.richInput);
    if (r.status >= 400) failed = true;
    results.push({ statusCode: r.status, result: r.status === 204 ? null : bodyOf(r) });
  }
  return json(200, { hasErrors: failed, results });
}
