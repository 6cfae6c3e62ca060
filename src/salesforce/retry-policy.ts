// The single place that decides what happens after a failed request: retry with backoff, refresh
// the session and retry, or fail with a message a person can act on. SalesforceClient asks it after
// every failed request, and the readers of streamed bodies (csv-results.ts) after a body cut short.
import { ApiAllowanceError, ConnectorError } from "../errors.js";
import { SalesforceApiError, UnexpectedAnswerError } from "./api-error.js";

export type Decision = { action: "retry"; delayMs: number } | { action: "refresh" } | { action: "fail"; error: Error };

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetrySettings = (): RetrySettings => ({
  maxAttempts: 6,
  // Tests shorten the backoff; production waits 1 s, 2 s, 4 s, ... up to 30 s.
  baseDelayMs: Number(process.env.SOURCE_SALESFORCE_RETRY_BASE_MS ?? 1000),
  maxDelayMs: 30_000,
});

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
// Socket errors of node:http (http.ts): a dropped or refused connection, a request idle past its
// timeout (http.ts raises ETIMEDOUT), a name lookup that failed for now.
const TRANSIENT_NETWORK = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

/** `attempt` counts from 1; `refreshed` says whether this request already refreshed the session once. */
export function decide(failure: unknown, attempt: number, refreshed: boolean, settings: RetrySettings): Decision {
  const backoff = (): Decision =>
    attempt < settings.maxAttempts
      ? { action: "retry", delayMs: Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1)) }
      : { action: "fail", error: exhausted(failure, attempt) };

  if (failure instanceof SalesforceApiError) {
    if (failure.errorCode === "INVALID_SESSION_ID" || failure.errorCode === "InvalidSessionId") {
      return refreshed ? { action: "fail", error: sessionKeepsExpiring(failure) } : { action: "refresh" };
    }
    if (failure.errorCode === "REQUEST_LIMIT_EXCEEDED" || failure.errorCode === "ExceededQuota") {
      return {
        action: "fail",
        error: new ApiAllowanceError(
          "Salesforce's daily API request limit for this org is used up (REQUEST_LIMIT_EXCEEDED). The sync stopped; it resumes from its last state when the org's 24-hour allowance frees up. Lower api_quota_percent to leave room for other integrations.",
          failure.message,
        ),
      };
    }
    if (failure.errorCode === "API_DISABLED_FOR_ORG" || failure.errorCode === "FeatureNotEnabled") {
      return {
        action: "fail",
        error: new ConnectorError(
          `Salesforce API access is not enabled for this org or user (${failure.errorCode}: ${failure.salesforceMessage}). Use an edition with API access and give the user the "API Enabled" permission.`,
          "config_error",
          { internalMessage: failure.message },
        ),
      };
    }
    if (TRANSIENT_STATUS.has(failure.status) || failure.errorCode === "SERVER_UNAVAILABLE") return backoff();
    return { action: "fail", error: failure };
  }
  // A page that is not what Salesforce documents (HTML, a paging header missing, rows short) is asked
  // for again like a cut connection: a proxy's or a middlebox's answer usually passes.
  if (failure instanceof UnexpectedAnswerError) return backoff();
  const code = networkCode(failure);
  if (code !== undefined) return backoff();
  return { action: "fail", error: failure instanceof Error ? failure : new Error(String(failure)) };
}

/**
 * The code of a transient socket error, on the failure itself or on one of its causes (an error that
 * wraps a socket error keeps it as its cause). csv-results.ts gives a page cut short without a socket
 * error the code ECONNRESET, so it is asked for again the same way.
 */
function networkCode(failure: unknown): string | undefined {
  for (let current = failure, depth = 0; current && depth < 5; current = (current as Error).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && TRANSIENT_NETWORK.has(code)) return code;
  }
  return undefined;
}

function exhausted(failure: unknown, attempts: number): ConnectorError {
  const detail = failure instanceof Error ? failure.message : String(failure);
  return new ConnectorError(
    `Salesforce kept failing after ${attempts} attempts (${detail.slice(0, 300)}). This is usually temporary: run the sync again; it resumes from its last state.`,
    "transient_error",
    { internalMessage: detail, cause: failure },
  );
}

function sessionKeepsExpiring(failure: SalesforceApiError): ConnectorError {
  return new ConnectorError(
    "Salesforce invalidated the session again right after a fresh login (INVALID_SESSION_ID). Check the connected app's session policies (IP restrictions, session timeout) for the integration user.",
    "config_error",
    { internalMessage: failure.message },
  );
}
