// The route table. Each route names its RequestKind, whether it is an authenticated API call
// (counted against the daily limit) and its handler. Bulk 1.0 (/services/async/{v}/job...) routes
// render their errors in the Bulk 1.0 XML/JSON error shape.
import type { IncomingHttpHeaders } from "node:http";
import { identity, oauthRevoke, oauthToken, soapLogin } from "./auth.js";
import {
  bulk1BatchList,
  bulk1BatchRequest,
  bulk1BatchStatus,
  bulk1CreateBatch,
  bulk1CreateJob,
  bulk1JobStatus,
  bulk1Result,
  bulk1ResultList,
  bulk1UpdateJob,
  renderBulk1Error,
  updateJobKind,
} from "./bulk1.js";
import { abortJob, createJob, deleteJob, jobResults, jobStatus, listJobs } from "./bulk2.js";
import { batchWeight, composite, compositeBatch } from "./composite.js";
import { describeGlobal, describeObject, sobjectInfo } from "./describe.js";
import { getDeleted } from "./deleted.js";
import type { ApiError } from "./errors.js";
import type { Ctx, Handler, Result } from "./http.js";
import { limits } from "./limits.js";
import { resources, versions } from "./misc.js";
import { query, queryMore } from "./rest-query.js";
import type { RequestKind } from "./types.js";

export interface Route {
  method: string;
  /** Matched against the path after the version prefix for data routes, the full path otherwise. */
  pattern: RegExp;
  kind: RequestKind;
  /** Under /services/data/vXX.X (the version is captured and stripped before matching). */
  data: boolean;
  /** Needs a valid session and counts as an API call. */
  api: boolean;
  /** Allowed as a Composite / Composite Batch subrequest. */
  composite?: boolean;
  /** API calls it costs (Composite Batch: one per subrequest). */
  weight?: (ctx: Ctx) => number;
  /** Non-data routes whose first regex group is the API version (dropped from params). */
  versionGroup?: boolean;
  /** How this route renders errors, including auth/limit ones (Bulk 1.0 answers XML). */
  renderError?: (e: ApiError, headers: IncomingHttpHeaders) => Result;
  /** The request's kind when it depends on the body (Bulk 1.0 close vs abort). */
  kindOf?: (body: string) => RequestKind;
  handler: Handler;
}

const data = (
  method: string,
  pattern: RegExp,
  kind: RequestKind,
  handler: Handler,
  extra: Partial<Route> = {},
): Route => ({
  method,
  pattern,
  kind,
  data: true,
  api: true,
  handler,
  ...extra,
});

/** A Bulk API 1.0 route: /services/async/{version}{rest}. */
const async1 = (
  method: string,
  rest: string,
  kind: RequestKind,
  handler: Handler,
  extra: Partial<Route> = {},
): Route => ({
  method,
  pattern: new RegExp(`^\\/services\\/async\\/(\\d+\\.\\d+)${rest}\\/?$`),
  kind,
  data: false,
  api: true,
  versionGroup: true,
  renderError: renderBulk1Error,
  handler,
  ...extra,
});

const ID = "([^/]+)";

export const ROUTES: Route[] = [
  {
    method: "POST",
    pattern: /^\/services\/oauth2\/token\/?$/,
    kind: "oauth_token",
    data: false,
    api: false,
    handler: oauthToken,
  },
  {
    method: "POST",
    pattern: /^\/services\/oauth2\/revoke\/?$/,
    kind: "other",
    data: false,
    api: false,
    handler: oauthRevoke,
  },
  {
    method: "POST",
    pattern: /^\/services\/Soap\/u\/(\d+\.\d+)\/?$/,
    kind: "soap_login",
    versionGroup: true,
    data: false,
    api: false,
    handler: soapLogin,
  },
  { method: "GET", pattern: /^\/id\/(\w+)\/(\w+)\/?$/, kind: "other", data: false, api: false, handler: identity },
  { method: "GET", pattern: /^\/services\/data\/?$/, kind: "other", data: false, api: false, handler: versions },
  data("GET", /^\/?$/, "other", resources),
  data("GET", /^\/sobjects\/?$/, "describe_global", describeGlobal, { composite: true }),
  data("GET", /^\/sobjects\/([^/]+)\/describe\/?$/, "describe", describeObject, { composite: true }),
  data("GET", /^\/sobjects\/([^/]+)\/?$/, "other", sobjectInfo, { composite: true }),
  data("GET", /^\/sobjects\/([^/]+)\/deleted\/?$/, "get_deleted", getDeleted, { composite: true }),
  data("GET", /^\/limits\/?$/, "limits", limits, { composite: true }),
  data("POST", /^\/composite\/?$/, "composite", composite),
  data("POST", /^\/composite\/batch\/?$/, "composite_batch", compositeBatch, { weight: batchWeight }),
  data("GET", /^\/query\/?$/, "query", (ctx) => query(ctx, false), { composite: true }),
  data("GET", /^\/queryAll\/?$/, "query_all", (ctx) => query(ctx, true), { composite: true }),
  data("GET", /^\/(?:query|queryAll)\/([^/]+)\/?$/, "query_more", queryMore, { composite: true }),
  data("POST", /^\/jobs\/query\/?$/, "bulk2_create", createJob),
  data("GET", /^\/jobs\/query\/?$/, "other", listJobs),
  data("GET", /^\/jobs\/query\/([^/]+)\/?$/, "bulk2_status", jobStatus),
  data("GET", /^\/jobs\/query\/([^/]+)\/results\/?$/, "bulk2_results", jobResults),
  data("DELETE", /^\/jobs\/query\/([^/]+)\/?$/, "bulk2_delete", deleteJob),
  data("PATCH", /^\/jobs\/query\/([^/]+)\/?$/, "bulk2_abort", abortJob),
  async1("POST", "/job", "bulk1_create_job", bulk1CreateJob),
  async1("GET", `/job/${ID}`, "bulk1_job_status", bulk1JobStatus),
  async1("POST", `/job/${ID}`, "bulk1_close_job", bulk1UpdateJob, { kindOf: updateJobKind }),
  async1("GET", `/job/${ID}/batch`, "bulk1_batch_list", bulk1BatchList),
  async1("POST", `/job/${ID}/batch`, "bulk1_create_batch", bulk1CreateBatch),
  async1("GET", `/job/${ID}/batch/${ID}`, "bulk1_batch_status", bulk1BatchStatus),
  async1("GET", `/job/${ID}/batch/${ID}/request`, "bulk1_batch_request", bulk1BatchRequest),
  async1("GET", `/job/${ID}/batch/${ID}/result`, "bulk1_result_list", bulk1ResultList),
  async1("GET", `/job/${ID}/batch/${ID}/result/${ID}`, "bulk1_result", bulk1Result),
];

export type Match =
  | { type: "route"; route: Route; version: string; params: string[] }
  | { type: "method_not_allowed"; allowed: string[]; version: string }
  | { type: "none"; version: string };

const DATA_PREFIX = /^\/services\/data\/v(\d+\.\d+)(\/.*)?$/;

/** API version in a path (/services/data/v62.0/..., /services/Soap/u/62.0, /services/async/62.0/...). */
export function versionOf(path: string): string {
  const m = /^\/services\/(?:data\/v|Soap\/u\/|async\/)(\d+\.\d+)/.exec(path);
  return m?.[1] ?? "";
}

export function matchRoute(method: string, path: string): Match {
  const dm = DATA_PREFIX.exec(path);
  const version = versionOf(path);
  const rest = dm ? (dm[2] ?? "") : path;
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const m = route.pattern.exec(route.data ? rest : path);
    if (!m || (route.data && !dm)) continue;
    if (route.method !== method.toUpperCase()) {
      allowed.push(route.method);
      continue;
    }
    const params = m.slice(route.versionGroup ? 2 : 1).map((p) => p ?? "");
    return { type: "route", route, version, params };
  }
  if (allowed.length) return { type: "method_not_allowed", allowed, version };
  return { type: "none", version };
}
