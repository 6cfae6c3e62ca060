// API versions the org serves, and what Salesforce answers for one it does not serve. Versions
// 7.0-30.0 are retired (Summer '22 and Summer '25); Salesforce Help 000354473 gives the answers to
// a retired version: "REST API returns 410: GONE. SOAP API returns 500: UNSUPPORTED_API_VERSION.
// Bulk API returns 400: InvalidVersion." A version not released yet is an unknown resource to REST:
// 404 NOT_FOUND "The requested resource does not exist" (as for any unknown path).
import { ApiError, notFound } from "./errors.js";

/** The oldest version Salesforce serves since Summer '25, and the latest this fake org runs. */
export const OLDEST_VERSION = 31;
export const LATEST_VERSION = 64;

const SEASONS = ["Summer", "Winter", "Spring"] as const;

/** "Summer '14" for 31.0: three releases a year, Winter ahead of the calendar year it is named for. */
function releaseLabel(major: number): string {
  const step = major - OLDEST_VERSION;
  const year = 14 + Math.floor((step + 2) / 3);
  return `${SEASONS[step % 3]!} '${String(year).padStart(2, "0")}`;
}

/** GET /services/data lists these, oldest first: `{label, url, version}`. */
export function servedVersions(): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let major = OLDEST_VERSION; major <= LATEST_VERSION; major++) {
    const version = `${major}.0`;
    out.push({ label: releaseLabel(major), url: `/services/data/v${version}`, version });
  }
  return out;
}

export function isServed(version: string): boolean {
  const m = /^(\d+)\.0$/.exec(version);
  return m !== null && Number(m[1]) >= OLDEST_VERSION && Number(m[1]) <= LATEST_VERSION;
}

/** How a request to a version the org does not serve is refused, per API (undefined: served). */
export function unservedVersion(version: string, api: "rest" | "bulk1" | "soap"): ApiError | undefined {
  if (!version || isServed(version)) return undefined;
  const retired = Number(version) < OLDEST_VERSION;
  if (api === "bulk1") return new ApiError(400, "InvalidVersion", `Invalid api version specified on URL: ${version}`);
  if (api === "soap")
    return new ApiError(500, "UNSUPPORTED_API_VERSION", `Invalid Api version specified on URL: ${version}`);
  return retired ? new ApiError(410, "GONE", `API version ${version} has been retired`) : notFound();
}
