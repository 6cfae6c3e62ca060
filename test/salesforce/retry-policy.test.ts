import { describe, expect, it } from "vitest";
import { ApiAllowanceError, ConnectorError } from "../../src/errors.js";
import { SalesforceApiError, UnexpectedAnswerError } from "../../src/salesforce/api-error.js";
import { decide, type RetrySettings } from "../../src/salesforce/retry-policy.js";

const settings: RetrySettings = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000 };
const apiError = (status: number, errorCode: string, message = "from Salesforce") =>
  new SalesforceApiError(status, errorCode, message, "/services/data/v62.0/query");
const socketError = (code: string) => Object.assign(new Error(`socket ${code}`), { code });

function failure(decision: ReturnType<typeof decide>): Error {
  if (decision.action !== "fail") throw new Error(`expected a failure, got ${JSON.stringify(decision)}`);
  return decision.error;
}

describe("decide: the one place that chooses retry, refresh or fail after a failed request", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries HTTP %i with doubling backoff", (status) => {
    const delays = [1, 2, 3, 4, 5].map((attempt) =>
      decide(apiError(status, `HTTP_${status}`), attempt, false, settings),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000].map((delayMs) => ({ action: "retry", delayMs })));
  });

  it("retries SERVER_UNAVAILABLE whatever its status", () => {
    expect(decide(apiError(400, "SERVER_UNAVAILABLE"), 1, false, settings)).toEqual({ action: "retry", delayMs: 1000 });
  });

  it("caps the backoff at maxDelayMs", () => {
    expect(decide(apiError(503, "x"), 5, false, { ...settings, maxDelayMs: 3000 })).toEqual({
      action: "retry",
      delayMs: 3000,
    });
  });

  it("gives up on the last attempt with a transient_error that keeps the cause", () => {
    const cause = apiError(503, "SERVER_UNAVAILABLE", "down for maintenance");
    const error = failure(decide(cause, 6, false, settings));
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect(error.message).toMatch(/kept failing after 6 attempts \(SERVER_UNAVAILABLE: down for maintenance/);
    expect(error.cause).toBe(cause);
  });

  it.each(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"])(
    "retries a dropped connection (%s), also when the socket error is the cause",
    (code) => {
      expect(decide(socketError(code), 1, false, settings)).toEqual({ action: "retry", delayMs: 1000 });
      const wrapped = new Error("request failed", { cause: new Error("inner", { cause: socketError(code) }) });
      expect(decide(wrapped, 2, false, settings)).toEqual({ action: "retry", delayMs: 2000 });
    },
  );

  it("fails at once on a socket error that is not transient, or on anything else thrown", () => {
    const notFound = socketError("ENOENT");
    expect(failure(decide(notFound, 1, false, settings))).toBe(notFound);
    const thrown = failure(decide("a string", 1, false, settings));
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown.message).toBe("a string");
  });

  it.each(["INVALID_SESSION_ID", "InvalidSessionId"])("refreshes an expired session (%s) once, then fails", (code) => {
    expect(decide(apiError(401, code), 1, false, settings)).toEqual({ action: "refresh" });
    const error = failure(decide(apiError(401, code), 1, true, settings));
    expect((error as ConnectorError).failureType).toBe("config_error");
    expect(error.message).toMatch(/invalidated the session again right after a fresh login/);
  });

  it.each(["REQUEST_LIMIT_EXCEEDED", "ExceededQuota"])("stops the sync on %s, without a retry", (code) => {
    const error = failure(decide(apiError(403, code), 1, false, settings));
    expect(error).toBeInstanceOf(ApiAllowanceError);
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect(error.message).toMatch(/daily API request limit/);
  });

  it.each(["API_DISABLED_FOR_ORG", "FeatureNotEnabled"])("is a config_error naming %s when the API is off", (code) => {
    const error = failure(decide(apiError(403, code, "API is not enabled"), 1, false, settings));
    expect((error as ConnectorError).failureType).toBe("config_error");
    expect(error.message).toContain(`${code}: API is not enabled`);
  });

  it("fails with Salesforce's own error for any other answer, such as a rejected query", () => {
    const rejected = apiError(400, "MALFORMED_QUERY", "unexpected token");
    expect(failure(decide(rejected, 1, false, settings))).toBe(rejected);
    expect(failure(decide(apiError(404, "NOT_FOUND"), 1, false, settings))).toBeInstanceOf(SalesforceApiError);
  });
});

describe("decide: an answer that is not what Salesforce documents (issue 13)", () => {
  const broken = () =>
    new UnexpectedAnswerError("no Sforce-Locator header", "/services/data/v62.0/jobs/query/750/results");

  it("is asked for again with backoff, like a cut connection", () => {
    expect(decide(broken(), 1, true, settings)).toEqual({ action: "retry", delayMs: 1000 });
    expect(decide(broken(), 5, true, settings)).toEqual({ action: "retry", delayMs: 16_000 });
  });

  it("then fails as transient, naming what was wrong", () => {
    const error = failure(decide(broken(), 6, true, settings));
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect(error.message).toMatch(/after 6 attempts .*not usable: no Sforce-Locator header/);
  });
});
