// Answers that are not Salesforce's, as a proxy, captive portal or maintenance page gives them (or a
// middlebox that cuts a body but frames the response well). See FaultType for where each applies.
import type { Result } from "./http.js";

/** A maintenance page; its tags carry quoted attributes, as most do. */
const MAINTENANCE_PAGE = [
  "<!DOCTYPE html>",
  '<html lang="en">',
  '<head><meta charset="utf-8"><title>Service temporarily unavailable</title></head>',
  "<body>",
  "<h1>We'll be back soon</h1>",
  "<p>This service is down for scheduled maintenance. Please try again later.</p>",
  "</body>",
  "</html>",
  "",
].join("\n");

/** What a captive portal or a maintenance page answers, whatever was asked: 200 and HTML. */
export function htmlPage(body?: string): Result {
  return {
    status: 200,
    contentType: "text/html;charset=UTF-8",
    text: body ?? MAINTENANCE_PAGE,
  };
}

/** The JSON answer cut to half its length; Content-Length says the cut length, so it ends cleanly. */
export function truncatedJson(result: Result): Result {
  if (result.json === undefined) return result;
  const text = JSON.stringify(result.json);
  return {
    ...result,
    json: undefined,
    contentType: "application/json;charset=UTF-8",
    text: text.slice(0, Math.floor(text.length / 2)),
  };
}
