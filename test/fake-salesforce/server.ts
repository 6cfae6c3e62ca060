// The HTTP server and the request pipeline:
// record -> latency -> URI/header size -> injected fault -> API version served? -> authenticate
// -> API disabled? -> daily quota -> count -> handler (-> truncated_json), with Sforce-Limit-Info on
// every /services/data and /services/async response.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { apiFamilyOf } from "./activity.js";
import { bearerToken, soapFault } from "./auth.js";
import { htmlPage, truncatedJson } from "./broken-answers.js";
import { renderBulk1Error } from "./bulk1.js";
import {
  ApiError,
  apiDisabled,
  invalidSession,
  notFound,
  requestLimit,
  serverUnavailable,
  unknownException,
} from "./errors.js";
import { acceptsGzip, errorResult, readBody, writeResult, type Ctx, type Result } from "./http.js";
import { oversizedRequest } from "./request-limits.js";
import { matchRoute, versionOf, type Route } from "./router.js";
import { limitInfo, type FakeState } from "./state.js";
import type { FaultType, RecordedRequest } from "./types.js";
import { unservedVersion } from "./versions.js";

/** Epoch ms with sub-ms precision, monotonic within a run. */
export const clockMs = (): number => performance.timeOrigin + performance.now();

/** Counts the request in flight until its response is finished or its connection closed. */
function track(state: FakeState, res: ServerResponse, recorded: RecordedRequest): void {
  const end = state.activity.begin(recorded.kind, apiFamilyOf(recorded.path));
  const done = (): void => {
    if (recorded.answeredAt !== undefined) return;
    recorded.answeredAt = clockMs();
    end();
  };
  res.once("finish", done);
  res.once("close", done);
}

async function runHandler(ctx: Ctx, route: Route): Promise<Result> {
  const render = route.renderError ?? errorResult;
  try {
    return await route.handler(ctx);
  } catch (e) {
    if (e instanceof ApiError) return render(e, ctx.headers);
    console.error("fake-salesforce: handler crashed", e);
    return render(unknownException(), ctx.headers);
  }
}

/** Runs a Composite subrequest through the router: same handlers, no counting, no faults. */
function subrequest(parent: Ctx) {
  return async (method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Result> => {
    const full = url.startsWith("/") ? url : `/services/data/${url}`;
    const u = new URL(full, parent.state.url);
    const m = matchRoute(method, u.pathname);
    if (m.type !== "route" || !m.route.api) return errorResult(notFound());
    if (!m.route.composite) {
      return errorResult(
        new ApiError(400, "INVALID_REQUEST", `The ${u.pathname} resource is not supported in a composite request`),
      );
    }
    const ctx: Ctx = {
      ...parent,
      method: method.toUpperCase(),
      path: u.pathname,
      version: m.version,
      params: m.params.map((p) => decodeURIComponent(p)),
      query: u.searchParams,
      headers: headers ? { ...parent.headers, ...headers } : parent.headers,
      body: body === undefined ? "" : JSON.stringify(body),
      fault: undefined,
      rewrite: undefined,
    };
    return runHandler(ctx, m.route);
  };
}

function soqlOf(kind: string, query: URLSearchParams, body: string): string | undefined {
  if (kind === "query" || kind === "query_all") return query.get("q") ?? undefined;
  if (kind === "bulk1_create_batch") return body.trim();
  if (kind === "bulk2_create") {
    try {
      const q = (JSON.parse(body) as { query?: unknown }).query;
      return typeof q === "string" ? q : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function handle(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const receivedAt = clockMs();
  const url = new URL(req.url ?? "/", state.url);
  const path = url.pathname;
  const method = (req.method ?? "GET").toUpperCase();
  const body = await readBody(req);
  const m = matchRoute(method, path);
  const kind = m.type === "route" ? (m.route.kindOf?.(body) ?? m.route.kind) : "other";
  const version = m.version || versionOf(path);
  const recorded: RecordedRequest = {
    kind,
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    headers: { ...req.headers },
    body,
    soql: soqlOf(kind, url.searchParams, body),
    apiVersion: version || undefined,
    receivedAt,
  };
  state.requests.push(recorded);
  track(state, res, recorded);
  const latency = apiFamilyOf(path) === "auth" ? state.opts.authLatencyMs : state.opts.requestLatencyMs;
  if (latency > 0) await new Promise((r) => setTimeout(r, latency));
  const tooLong = oversizedRequest(req);
  if (tooLong) return writeResult(res, tooLong, { gzip: false, truncate: false, extraHeaders: {} });

  const isAsyncPath = path.startsWith("/services/async/");
  const isApiPath = path.startsWith("/services/data/v") || isAsyncPath;
  const send = (r: Result, fault?: FaultType): Promise<void> =>
    writeResult(res, r, {
      gzip: acceptsGzip(req.headers),
      truncate: fault === "drop_mid_body",
      slow: fault === "slow_body",
      extraHeaders: isApiPath ? { "Sforce-Limit-Info": limitInfo(state) } : {},
      cache: state.opts.cacheResultBodies ? state.resultCache : undefined,
    });

  const route = m.type === "route" ? m.route : undefined;
  // Bulk 1.0 paths answer errors in the Bulk 1.0 shape even when no route matched.
  const render = route?.renderError ?? (isAsyncPath ? renderBulk1Error : errorResult);
  const fail = (e: ApiError): Promise<void> => send(render(e, req.headers));

  const faultSpec = state.faults.take(kind);
  const fault = faultSpec?.type === "rewrite_value" ? undefined : faultSpec?.type;
  switch (fault) {
    case "drop":
      req.socket.destroy();
      return;
    case "http500":
      return fail(unknownException());
    case "http503":
      return fail(serverUnavailable());
    case "request_limit":
      return fail(requestLimit());
    case "invalid_session":
      // The session really is gone afterwards: the client must refresh or log in again.
      state.sessions.revoke(bearerToken(req.headers));
      return fail(invalidSession());
    case "html_page":
      return send(htmlPage(faultSpec?.type === "html_page" ? faultSpec.body : undefined));
  }

  const unserved = unservedVersion(version, isAsyncPath ? "bulk1" : kind === "soap_login" ? "soap" : "rest");
  if (unserved) return kind === "soap_login" ? send(soapFault(unserved.errorCode, unserved.message)) : fail(unserved);

  if (route?.api || (!route && isApiPath)) {
    if (!state.sessions.isValid(bearerToken(req.headers))) return fail(invalidSession());
    if (state.apiDisabled) return fail(apiDisabled());
    if (state.apiUsed >= state.opts.dailyApiMax) return fail(requestLimit());
  }
  if (m.type === "method_not_allowed") {
    return fail(
      new ApiError(
        405,
        "METHOD_NOT_ALLOWED",
        `HTTP Method '${method}' not allowed. Allowed are ${m.allowed.join(",")}`,
      ),
    );
  }

  const ctx: Ctx = {
    state,
    method,
    path,
    version,
    params: m.type === "route" ? m.params.map((p) => decodeURIComponent(p)) : [],
    query: url.searchParams,
    headers: req.headers,
    body,
    fault,
    rewrite: faultSpec?.type === "rewrite_value" ? faultSpec : undefined,
    sub: async () => errorResult(notFound()),
  };
  ctx.sub = subrequest(ctx);
  if (route?.api || (!route && isApiPath)) {
    const weight = route?.weight?.(ctx) ?? 1;
    state.apiUsed += weight;
    state.apiCallsCounted += weight;
  }
  const result = route ? await runHandler(ctx, route) : render(notFound(), req.headers);
  await send(fault === "truncated_json" ? truncatedJson(result) : result, fault);
}

export async function startServer(state: FakeState): Promise<{ url: string; close: () => Promise<void> }> {
  // Node refuses header blocks over 16 KiB itself; the fake answers Salesforce's limits instead.
  const server: Server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
    handle(state, req, res).catch((e: unknown) => {
      console.error("fake-salesforce: request failed", e);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
