// The deleted-records resource: GET /services/data/vXX.X/sobjects/{object}/deleted/?start=&end=
// ("sObject Get Deleted", REST API Developer Guide; its rules are getDeleted()'s, SOAP API Developer
// Guide). It reads the object's delete log, which holds soft deletes (recycle bin) and hard deletes:
// - start and end are UTC date-times; "the API ignores the seconds portion" (both cut to the minute);
// - start must precede end by more than one minute, else INVALID_REPLICATION_DATE;
// - "results are returned for no more than 15 days previous to the day the call is executed":
//   earliestDateAvailable says where the log begins, older deletions are not listed;
// - latestDateCovered (<= end) is where the next call should start;
// - answer {deletedRecords: [{id, deletedDate}], earliestDateAvailable, latestDateCovered}, dates as
//   `2013-05-07T22:07:19.000+0000` like the documented example;
// - more than 600,000 Ids (option deletedIdLimit) is EXCEEDED_ID_LIMIT.
// Status codes and messages of the errors are the fake's own: the documentation names the codes only.
import { ApiError, notFound } from "./errors.js";
import { json, type Ctx, type Result } from "./http.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How long the delete log keeps entries (15 days). */
export const DELETE_LOG_DAYS = 15;

const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** Salesforce's REST form of a datetime: 2013-05-07T22:07:19.000+0000. */
const restDate = (ms: number): string => new Date(ms).toISOString().replace("Z", "+0000");

function parseInstant(ctx: Ctx, name: "start" | "end"): number {
  // A `+` that was not percent-encoded arrives as a space.
  const raw = ctx.query.get(name)?.replace(/ /g, "+");
  if (!raw) throw new ApiError(400, "MISSING_ARGUMENT", `${name} parameter not specified`);
  const text = raw.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ApiError(400, "INVALID_REPLICATION_DATE", `${name} is not a valid date and time: ${raw}`);
  return ms;
}

/** GET /sobjects/{object}/deleted/?start=&end= (also as a Composite subrequest). */
export function getDeleted(ctx: Ctx): Result {
  const obj = ctx.state.org.get(decodeURIComponent(ctx.params[0] ?? ""));
  if (!obj) throw notFound();
  if (!obj.queryable || obj.globalEntry.replicateable === false)
    throw new ApiError(400, "INVALID_TYPE", `sObject type '${obj.name}' does not support replication`);
  const start = floorMinute(parseInstant(ctx, "start"));
  const end = floorMinute(parseInstant(ctx, "end"));
  if (end - start <= MINUTE_MS)
    throw new ApiError(
      400,
      "INVALID_REPLICATION_DATE",
      "startDate must chronologically precede endDate by more than one minute",
    );
  const now = ctx.state.opts.now().getTime();
  const earliest = floorMinute(now - DELETE_LOG_DAYS * DAY_MS);
  const latest = Math.min(end, floorMinute(now));
  const from = Math.max(start, earliest);
  const deletedRecords = obj.deletions
    .filter((d) => d.deletedAt >= from && d.deletedAt < latest)
    .map((d) => ({ id: d.id, deletedDate: restDate(d.deletedAt) }));
  if (deletedRecords.length > ctx.state.opts.deletedIdLimit)
    throw new ApiError(
      400,
      "EXCEEDED_ID_LIMIT",
      `The number of IDs returned exceeds the limit of ${ctx.state.opts.deletedIdLimit}; choose start and end dates that are closer together`,
    );
  return json(200, {
    deletedRecords,
    earliestDateAvailable: restDate(earliest),
    latestDateCovered: restDate(latest),
  });
}
