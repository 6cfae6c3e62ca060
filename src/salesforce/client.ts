import type { SalesforceSession } from "./session.js";
import { SILENT_LOG, type Log } from "../log.js";
import { ApiUsage, apiOf, type UsageLimits } from "./api-usage.js";
import { parseErrorBody, SalesforceApiError, UnexpectedAnswerError } from "./api-error.js";
import { describeVersions, servedApiVersions } from "./api-versions.js";
import { ConnectorError } from "../errors.js";
import { decide, defaultRetrySettings, type RetrySettings } from "./retry-policy.js";
import { send, type HttpResponse } from "./http.js";
import { pause, stopSignal, throwIfStopped } from "../shutdown.js";
import { Semaphore } from "../util/concurrency.js";

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Serialised as JSON with the matching content type. */
  json?: unknown;
  body?: string;
  /** Bulk 1.0 authenticates with X-SFDC-Session instead of a bearer token. */
  sessionHeader?: "bearer" | "x-sfdc-session";
}

export interface ClientLimits extends UsageLimits {
  /** Requests in flight at most, over every API (config `concurrency`); logins are not counted. */
  concurrency: number;
}

/**
 * Every request to the org's data APIs goes through here: it adds the session token, refreshes an
 * expired session once, retries what is transient with backoff, counts requests and reads the org's
 * API usage. Callers receive a successful HttpResponse whose body they may stream. Once the process
 * is told to stop (SIGTERM/SIGINT), no request is sent and those in flight are cut off.
 *
 * `concurrency` is enforced here, once, for every API: a request holds a permit from before it is
 * sent until its response body has been read to the end, discarded or destroyed (a streamed Bulk
 * results page holds it while it is parsed, as Salesforce counts the request as running until then).
 * Retry backoff holds none. Logins (session.ts) take no permit: they happen once and on expiry.
 */
export class SalesforceClient {
  readonly usage: ApiUsage;
  private readonly permits: Semaphore;
  /** The org's version list was read and names apiVersion. */
  private versionServed = false;

  constructor(
    readonly session: SalesforceSession,
    readonly apiVersion: string,
    limits: ClientLimits,
    private readonly log: Log = SILENT_LOG,
    private readonly retry: RetrySettings = defaultRetrySettings(),
  ) {
    this.usage = new ApiUsage(limits);
    this.permits = new Semaphore(limits.concurrency);
  }

  /** `/sobjects` -> `/services/data/vNN.0/sobjects`; paths starting with /services are kept. */
  dataPath(path: string): string {
    return path.startsWith("/services/") ? path : `/services/data/v${this.apiVersion}${path}`;
  }

  async request(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const fullPath = this.dataPath(path);
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      throwIfStopped();
      let failure: unknown;
      try {
        const response = await this.send(fullPath, options);
        if (response.ok) return response;
        const refusal = parseErrorBody(response.status, await response.text(), fullPath);
        failure = refusal;
        const unserved = await this.unservedVersion(refusal, fullPath);
        if (unserved) throw unserved;
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
        throwIfStopped(); // a request cut off by the stop is not a failure to retry
        failure = error;
      }
      const decision = decide(failure, attempt, refreshed, this.retry);
      if (decision.action === "fail") throw decision.error;
      if (decision.action === "refresh") {
        this.log.info("Salesforce session expired; logging in again.");
        await this.session.refresh();
        refreshed = true;
        attempt--; // a refresh is not a failed attempt
        continue;
      }
      this.log.warn(
        `Retrying ${options.method ?? "GET"} ${fullPath} in ${decision.delayMs} ms: ${failureText(failure)}`,
      );
      await pause(decision.delayMs);
    }
  }

  /**
   * A JSON answer. GETs whose body is cut off mid-way, or that answer something that is not JSON (a
   * proxy's HTML page with status 200, JSON cut short but well framed), are asked again (they are
   * idempotent): the status line was fine, so `request` alone would not see the failure.
   */
  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const idempotent = (options.method ?? "GET") === "GET";
    for (let attempt = 1; ; attempt++) {
      const response = await this.request(path, options);
      if (response.status === 204) {
        response.discard();
        return undefined as T;
      }
      try {
        return await jsonBody<T>(response, this.dataPath(path).split("?")[0]!);
      } catch (error) {
        const decision = decide(error, attempt, true, this.retry);
        if (!idempotent || decision.action !== "retry") throw decision.action === "fail" ? decision.error : error;
        this.log.warn(
          `Response from ${this.dataPath(path)} was cut off or not JSON (${failureText(error)}); asking again.`,
        );
        await pause(decision.delayMs);
      }
    }
  }

  /**
   * Salesforce refuses a version it does not serve with 404 (not released yet) or 410 (retired) on
   * /services/data/vXX.X/... and 400 InvalidVersion on Bulk 1.0's /services/async/XX.X: then one look
   * at the org's version list (only on such a failure) tells whether api_version is the cause.
   */
  private async unservedVersion(failure: SalesforceApiError, fullPath: string): Promise<ConnectorError | undefined> {
    const versioned =
      ((failure.status === 404 || failure.status === 410) &&
        fullPath.startsWith(`/services/data/v${this.apiVersion}/`)) ||
      failure.errorCode === "InvalidVersion";
    if (!versioned || this.versionServed) return undefined;
    let served: string[];
    try {
      served = await servedApiVersions(this);
    } catch {
      return undefined; // the failure itself is reported as it is
    }
    if (served.includes(this.apiVersion)) {
      this.versionServed = true;
      return undefined;
    }
    return new ConnectorError(
      `api_version ${this.apiVersion} is not served by this org (it serves ${describeVersions(served)}): Salesforce answered ${failure.errorCode} on ${fullPath.split("?")[0]}. Set api_version to one of those, e.g. ${served.at(-1)}.`,
      "config_error",
      { internalMessage: failure.message },
    );
  }

  /** Retry decisions for callers that stream a body themselves (Bulk results pages). */
  decideAfterBodyFailure(error: unknown, attempt: number) {
    return decide(error, attempt, true, this.retry);
  }

  private async send(fullPath: string, options: RequestOptions): Promise<HttpResponse> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (options.sessionHeader === "x-sfdc-session") headers["X-SFDC-Session"] = this.session.accessToken;
    else headers.Authorization = `Bearer ${this.session.accessToken}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["Content-Type"] = "application/json";
    }
    const release = await this.permits.acquire();
    let finished: () => void = () => undefined;
    try {
      throwIfStopped();
      // Checked holding the permit, so requests waiting together cannot all pass the same last call.
      const calls = callsOf(fullPath, options);
      this.usage.ensureRoomForRequest(calls);
      finished = this.usage.started(apiOf(fullPath), calls);
      const response = await send({
        url: this.session.instanceUrl + fullPath,
        method: options.method ?? "GET",
        headers,
        body,
        signal: stopSignal,
      });
      const done = (): void => {
        finished();
        release();
      };
      // On the wire body (what the socket carries, whoever decompresses it): 'end' = read to the end
      // (or discarded); 'close'/'error' = destroyed or cut off.
      const wire = response.wireBody;
      for (const event of ["end", "close", "error"]) wire.once(event, done);
      if (wire.readableEnded || wire.destroyed) done();
      this.usage.observe(response.header("sforce-limit-info") ?? null);
      return response;
    } catch (error) {
      finished();
      release();
      throw error;
    }
  }
}

/** API calls a request costs, as Salesforce counts them: one, or one per subrequest of a Composite Batch. */
function callsOf(fullPath: string, options: RequestOptions): number {
  if (apiOf(fullPath) !== "Composite Batch") return 1;
  const batch = (options.json as { batchRequests?: unknown[] } | undefined)?.batchRequests;
  return Array.isArray(batch) && batch.length > 0 ? batch.length : 1;
}

/** The body as JSON; an answer that says it is something else, or does not parse, is not Salesforce's. */
async function jsonBody<T>(response: HttpResponse, path: string): Promise<T> {
  const type = response.header("content-type");
  if (type !== undefined && !/\bjson\b/i.test(type)) {
    response.discard();
    throw new UnexpectedAnswerError(`Content-Type ${JSON.stringify(type.slice(0, 80))}, not JSON`, path);
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UnexpectedAnswerError(`not valid JSON (${text.length} characters)`, path);
  }
}

/** A failure in a log line: its message and its cause's, cut to 300 characters. */
function failureText(failure: unknown): string {
  if (failure instanceof Error) {
    const cause = failure.cause instanceof Error ? ` (${failure.cause.message})` : "";
    return `${failure.message}${cause}`.slice(0, 300);
  }
  return String(failure);
}
