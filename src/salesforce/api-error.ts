import { ConnectorError } from "../errors.js";

/** A Salesforce error answer, as REST (`[{errorCode, message}]`) or Bulk 1.0 XML (`<exceptionCode>`) states it. */
export class SalesforceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly salesforceMessage: string,
    readonly path: string,
  ) {
    super(`${errorCode}: ${salesforceMessage} (HTTP ${status} on ${path})`);
    this.name = "SalesforceApiError";
  }
}

/** Reads Salesforce's error body shapes; falls back to the HTTP status for anything else (an HTML proxy page, say). */
export function parseErrorBody(status: number, body: string, path: string): SalesforceApiError {
  try {
    const parsed = JSON.parse(body) as unknown;
    const first = Array.isArray(parsed)
      ? (parsed[0] as Record<string, unknown> | undefined)
      : (parsed as Record<string, unknown>);
    if (first && typeof first === "object") {
      const code = first.errorCode ?? first.error ?? first.exceptionCode;
      const message = first.message ?? first.error_description ?? first.exceptionMessage;
      if (typeof code === "string") return new SalesforceApiError(status, code, String(message ?? ""), path);
    }
  } catch {
    // not JSON: try XML below
  }
  const xmlCode = /<exceptionCode>([^<]+)<\/exceptionCode>/.exec(body)?.[1];
  if (xmlCode) {
    const xmlMessage = /<exceptionMessage>([^<]*)<\/exceptionMessage>/.exec(body)?.[1] ?? "";
    return new SalesforceApiError(status, xmlCode, xmlMessage, path);
  }
  return new SalesforceApiError(status, `HTTP_${status}`, body.slice(0, 200).replace(/\s+/g, " "), path);
}

/**
 * A 2xx answer that is not what Salesforce documents for the request: not CSV or JSON (a proxy's or a
 * captive portal's HTML page), a paging header missing, fewer rows than the page says, a locator that
 * repeats. Nothing of it is delivered; retry-policy.ts asks again with backoff, then fails the stream
 * as transient.
 */
export class UnexpectedAnswerError extends ConnectorError {
  constructor(
    readonly detail: string,
    readonly path: string,
  ) {
    super(`Salesforce's answer to ${path} was not usable: ${detail}`, "transient_error");
    this.name = "UnexpectedAnswerError";
  }
}
