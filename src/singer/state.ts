// Input state of the Singer tap: what Meltano (or any Singer runner) hands back is the `value` of
// the tap's last STATE message, `{"bookmarks": {"<stream>": {"<replication key>": "<ISO>"}}}`.
// The bookmarks are exactly the per-stream states the Airbyte mode keeps, so the shared read
// validates and resumes from them the same way.
import { configError } from "../errors.js";
import { isObject } from "../util/is-object.js";

const EXPECTED =
  'Expected the value of a STATE message this tap wrote: {"bookmarks": {"Account": {"SystemModstamp": "2024-01-01T00:00:00.000Z"}}} ' +
  '(also accepted: {"value": {...}} or {"singer_state": {...}} around it, or {} for none).';

/** Top-level keys a Singer state may carry besides `bookmarks` (other taps write them; they hold no cursor). */
const OTHER_SINGER_KEYS = new Set(["currently_syncing"]);

/** The bookmarks (stream -> stream state) of a Singer state file; `{}` when there are none. */
export function bookmarksFromSingerState(input: unknown): Record<string, unknown> {
  if (input === null || input === undefined) return {};
  if (!isObject(input)) throw configError(`The state is not a JSON object. ${EXPECTED}`);
  if (Object.hasOwn(input, "bookmarks")) {
    const bookmarks = input.bookmarks;
    if (bookmarks === null) return {};
    if (!isObject(bookmarks)) throw configError(`The state's "bookmarks" is not an object. ${EXPECTED}`);
    return { ...bookmarks };
  }
  // A whole STATE message ({"type": "STATE", "value": ...}), or Meltano's stored form.
  if (Object.hasOwn(input, "value")) return bookmarksFromSingerState(input.value);
  if (Object.hasOwn(input, "singer_state")) return bookmarksFromSingerState(input.singer_state);
  if (Object.keys(input).every((key) => OTHER_SINGER_KEYS.has(key))) return {};
  throw configError(
    `The state is not a Singer state (its keys: ${Object.keys(input).slice(0, 5).join(", ")}). ${EXPECTED}`,
  );
}

/**
 * The bookmarks as Airbyte per-stream state messages, the input the shared read accepts. (STREAM
 * messages rather than a bare LEGACY object: a query stream may be named like a state-message key.)
 */
export function toAirbyteStateInput(bookmarks: Record<string, unknown>): unknown[] {
  return Object.entries(bookmarks)
    .filter(([name]) => name !== "")
    .map(([name, streamState]) => ({
      type: "STREAM",
      stream: { stream_descriptor: { name }, stream_state: streamState },
    }));
}
