import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import {
  parseCursorTimestamp,
  parseInputState,
  parseResumePoints,
  resumeBlob,
  stateBlob,
  type StateStream,
} from "../../src/read/state.js";
import type { Bulk1Progress, Bulk2Progress } from "../../src/read/bulk-progress.js";

const STREAMS: StateStream[] = [
  { name: "Account", cursorField: "SystemModstamp" },
  { name: "Contact", cursorField: "LastModifiedDate" },
  { name: "RecordType" }, // full refresh: no cursor
];
const A = "2024-01-02T03:04:05.000Z";
const C = "2023-06-01T00:00:00.000Z";

const streamMessage = (name: string, streamState?: unknown) => ({
  type: "STREAM",
  stream: { stream_descriptor: { name }, ...(streamState === undefined ? {} : { stream_state: streamState }) },
});

function cursors(input: unknown): Record<string, string> {
  return Object.fromEntries([...parseInputState(input, STREAMS)].map(([name, c]) => [name, c.cursor.toISOString()]));
}

function configErrorOf(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failureType).toBe("config_error");
    return error as ConnectorError;
  }
  throw new Error("expected a config error");
}

describe("parseInputState: accepted shapes", () => {
  it.each<[string, unknown, Record<string, string>]>([
    ["null", null, {}],
    ["undefined", undefined, {}],
    ["empty array", [], {}],
    ["empty object", {}, {}],
    [
      "STREAM messages",
      [streamMessage("Account", { SystemModstamp: A }), streamMessage("Contact", { LastModifiedDate: C })],
      { Account: A, Contact: C },
    ],
    [
      "STREAM message with a namespace",
      [
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: "Account", namespace: "sf" }, stream_state: { SystemModstamp: A } },
        },
      ],
      { Account: A },
    ],
    ["a single STREAM message, not in an array", streamMessage("Account", { SystemModstamp: A }), { Account: A }],
    [
      "STREAM message as pydantic writes it (null optional fields, extra keys)",
      [
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: "Account", namespace: null }, stream_state: { SystemModstamp: A } },
          global: null,
          data: null,
          sourceStats: null,
          extra: { x: 1 },
        },
      ],
      { Account: A },
    ],
    // A completed full refresh (this connector's and the Python CDK's markers): no cursor, read from the start.
    ["full refresh complete", [streamMessage("Account", { __ab_no_cursor_state_message: true })], {}],
    ["resumable full refresh complete", [streamMessage("Account", { __ab_full_refresh_sync_complete: true })], {}],
    [
      "GLOBAL message (shared_state ignored)",
      [
        {
          type: "GLOBAL",
          global: {
            shared_state: { anything: 1 },
            stream_states: [
              { stream_descriptor: { name: "Account" }, stream_state: { SystemModstamp: A } },
              { stream_descriptor: { name: "Contact" }, stream_state: { LastModifiedDate: C } },
            ],
          },
        },
      ],
      { Account: A, Contact: C },
    ],
    ["LEGACY message", [{ type: "LEGACY", data: { Account: { SystemModstamp: A } } }], { Account: A }],
    ["LEGACY message without type", [{ data: { Account: { SystemModstamp: A } } }], { Account: A }],
    ["LEGACY message object without type", { data: { Contact: { LastModifiedDate: C } } }, { Contact: C }],
    [
      "bare LEGACY object",
      { Account: { SystemModstamp: A }, Contact: { LastModifiedDate: C } },
      { Account: A, Contact: C },
    ],
    // streams not configured are ignored, whatever their state looks like
    ["unknown streams ignored", { Lead: "garbage", Account: { SystemModstamp: A } }, { Account: A }],
    [
      "unknown STREAM ignored",
      [streamMessage("Lead", 42), streamMessage("Account", { SystemModstamp: A })],
      { Account: A },
    ],
    // full-refresh streams have no cursor; their state is ignored
    ["full-refresh stream's state ignored", { RecordType: { whatever: "x" } }, {}],
    // an empty or reset (null / absent) stream_state means no cursor
    ["empty stream_state", [streamMessage("Account", {})], {}],
    ["null stream_state (reset)", [streamMessage("Account", null)], {}],
    ["absent stream_state", [streamMessage("Account")], {}],
    ["LEGACY null per stream", { Account: null }, {}],
  ])("%s", (_label, input, expected) => {
    expect(cursors(input)).toEqual(expected);
  });

  it("keeps the whole stream_state as raw, so extra keys can be carried", () => {
    const state = { SystemModstamp: "2024-01-02T04:04:05+01:00", note: "kept" };
    const cursor = parseInputState([streamMessage("Account", state)], STREAMS).get("Account")!;
    expect(cursor).toEqual({ cursorField: "SystemModstamp", cursor: new Date(A), raw: state });
    expect(cursor.raw).not.toBe(state);
  });
});

describe("parseInputState: unusable state names the stream", () => {
  it.each<[string, unknown, RegExp]>([
    ["not a timestamp", { Account: { SystemModstamp: "abc" } }, /SystemModstamp is "abc", not an ISO-8601 timestamp/],
    ["relative word", { Account: { SystemModstamp: "yesterday" } }, /"yesterday"/],
    ["a number", { Account: { SystemModstamp: 1704164645000 } }, /is 1704164645000/],
    ["month 13", { Account: { SystemModstamp: "2024-13-01" } }, /"2024-13-01"/],
    ["no offset", { Account: { SystemModstamp: "2024-01-02T03:04:05" } }, /not an ISO-8601 timestamp/],
    ["null cursor", { Account: { SystemModstamp: null } }, /SystemModstamp is null/],
    ["empty string", { Account: { SystemModstamp: "" } }, /SystemModstamp is ""/],
    ["wrong cursor key", { Account: { LastModifiedDate: A } }, /has no SystemModstamp \(its keys: LastModifiedDate\)/],
    ["state is a string", { Account: "2024-01-01" }, /its state is "2024-01-01", not an object/],
    ["state is an array", [streamMessage("Account", [A])], /its state is an array/],
    [
      "in GLOBAL",
      [
        {
          type: "GLOBAL",
          global: {
            stream_states: [{ stream_descriptor: { name: "Contact" }, stream_state: { LastModifiedDate: "x" } }],
          },
        },
      ],
      /LastModifiedDate is "x"/,
    ],
    [
      "twice",
      [streamMessage("Account", { SystemModstamp: A }), streamMessage("Account", { SystemModstamp: A })],
      /more than one/,
    ],
  ])("%s", (_label, input, message) => {
    const error = configErrorOf(() => parseInputState(input, STREAMS));
    expect(error.message).toMatch(/State for stream '(Account|Contact)' is not usable/);
    expect(error.message).toMatch(message);
    expect(error.message).toContain("Fix or remove this stream's state");
  });
});

describe("parseInputState: unknown shapes", () => {
  it.each<[string, unknown, RegExp]>([
    ["a string", "Account", /the state is "Account"/],
    ["a number", 7, /the state is 7/],
    ["array of numbers", [1, 2], /item 0 is 1, not a state message/],
    ["array of arrays", [[]], /item 0 is an array/],
    [
      "STREAM without stream_descriptor",
      [{ type: "STREAM", stream: { stream_state: {} } }],
      /no stream.stream_descriptor.name/,
    ],
    ["STREAM without stream", [{ type: "STREAM" }], /\(STREAM\) has no stream.stream_descriptor.name/],
    ["STREAM with empty name", [streamMessage("", {})], /stream_descriptor.name/],
    ["GLOBAL without stream_states", [{ type: "GLOBAL", global: { shared_state: {} } }], /global.stream_states/],
    ["GLOBAL entry without descriptor", [{ type: "GLOBAL", global: { stream_states: [{}] } }], /stream_states item 0/],
    ["LEGACY without data", [{ type: "LEGACY" }], /has no data object/],
    ["LEGACY with array data", [{ type: "LEGACY", data: [] }], /has no data object/],
    ["unknown type", [{ type: "PER_STREAM", stream: {} }], /type "PER_STREAM"/],
    ["message without type or data", [{ stream: {} }], /\(LEGACY\) has no data object/],
  ])("%s", (_label, input, message) => {
    const error = configErrorOf(() => parseInputState(input, STREAMS));
    expect(error.message).toMatch(/^The input state is not in a shape this connector accepts/);
    expect(error.message).toMatch(message);
    expect(error.message).toContain("STREAM, GLOBAL or LEGACY");
  });
});

describe("parseCursorTimestamp", () => {
  it.each<[string, string]>([
    ["2024-01-02", "2024-01-02T00:00:00.000Z"],
    ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"],
    ["2024-01-02T03:04:05.123Z", "2024-01-02T03:04:05.123Z"],
    ["2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.100Z"],
    ["2024-01-02T03:04:05.123999Z", "2024-01-02T03:04:05.123Z"], // truncated, never rounded up
    ["2024-01-02T03:04Z", "2024-01-02T03:04:00.000Z"],
    ["2024-01-02T03:04:05+01:00", "2024-01-02T02:04:05.000Z"],
    ["2024-01-02T03:04:05.000+0000", "2024-01-02T03:04:05.000Z"], // Salesforce's own format
    ["2024-01-02T03:04:05-05", "2024-01-02T08:04:05.000Z"],
    ["2024-01-02 03:04:05Z", "2024-01-02T03:04:05.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00.000Z"],
  ])("%s", (text, iso) => {
    expect(parseCursorTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    "yesterday",
    "",
    "2024",
    "2024-1-2",
    "2024-13-01",
    "2024-00-10",
    "2023-02-29",
    "2024-04-31",
    "2024-01-02T03:04:05",
    "2024-01-02T24:00:00Z",
    "2024-01-02T03:60:00Z",
    "2024-01-02T03:04:61Z",
    "2024-01-02T03:04:05+25:00",
    "2024-01-02T03:04:05+01:75",
    "1704164645000",
    " 2024-01-02",
    "2024-01-02T03:04:05Z; DROP",
  ])("rejects %j", (text) => {
    expect(parseCursorTimestamp(text)).toBeUndefined();
  });
});

describe("stateBlob", () => {
  it("writes the cursor as ISO-8601 with milliseconds and Z", () => {
    expect(stateBlob("SystemModstamp", new Date("2024-01-02T03:04:05+01:00"))).toEqual({
      SystemModstamp: "2024-01-02T02:04:05.000Z",
    });
  });

  it("keeps extra keys; the cursor key wins", () => {
    expect(stateBlob("SystemModstamp", new Date(A), { SystemModstamp: "old", note: 1 })).toEqual({
      SystemModstamp: A,
      note: 1,
    });
  });

  it("round-trips through parseInputState", () => {
    const blob = stateBlob("SystemModstamp", new Date(A), { note: "x" });
    const cursor = parseInputState([streamMessage("Account", blob)], STREAMS).get("Account")!;
    expect(cursor.cursor.toISOString()).toBe(A);
    expect(cursor.raw).toEqual(blob);
  });
});

describe("progress of a read under way (__resume)", () => {
  const bulk2: Bulk2Progress = {
    api: "2.0",
    job: "750000000000001AAA",
    query: "0123456789abcdef",
    locator: "MTAwMDA",
    rows: 12,
  };
  const bulk1: Bulk1Progress = {
    api: "1.0",
    job: "750000000000002AAA",
    query: "fedcba9876543210",
    batch: "751000000000001AAA",
    chunked: true,
    closed: true,
    done: ["751000000000002AAA"],
    partial: { "751000000000003AAA": 700 },
  };
  const window = { from: new Date(C), to: new Date(A) };

  function points(input: unknown): { points: Record<string, unknown>; warnings: string[] } {
    const warnings: string[] = [];
    const found = parseResumePoints(input, STREAMS, (m) => warnings.push(m));
    return { points: Object.fromEntries(found), warnings };
  }

  it("a checkpoint keeps the cursor and carries the job; the cursor is read as before and the raw state loses the progress", () => {
    const checkpoint = stateBlob("SystemModstamp", new Date(C), { note: 1 }, { window, job: bulk2 });
    expect(checkpoint).toEqual({
      note: 1,
      SystemModstamp: C,
      __resume: { job: bulk2, window: { from: C, to: A } },
    });
    const input = [
      streamMessage("Account", JSON.parse(JSON.stringify(checkpoint))),
      streamMessage("RecordType", resumeBlob({ job: bulk1 })),
    ];
    const [account] = [...parseInputState(input, STREAMS).values()];
    expect(account!.cursor.toISOString()).toBe(C);
    expect(account!.raw).toEqual({ note: 1, SystemModstamp: C });
    expect(points(input)).toEqual({
      points: { Account: { window, job: bulk2 }, RecordType: { job: bulk1 } },
      warnings: [],
    });
  });

  it("a window's end drops the progress, also one carried in the extra keys", () => {
    const carried = stateBlob("SystemModstamp", new Date(C), {}, { window, job: bulk2 });
    expect(stateBlob("SystemModstamp", new Date(A), carried)).toEqual({ SystemModstamp: A });
  });

  it("older states (cursor only), completed full refreshes and empty states carry no progress", () => {
    const input = [
      streamMessage("Account", { SystemModstamp: A }),
      streamMessage("Contact", null),
      streamMessage("RecordType", { __ab_no_cursor_state_message: true }),
    ];
    expect(points(input)).toEqual({ points: {}, warnings: [] });
    expect(points({ Account: { SystemModstamp: A } })).toEqual({ points: {}, warnings: [] });
  });

  it("an incremental stream whose state holds progress without a cursor (it was full refresh) starts from start_date", () => {
    expect(cursors([streamMessage("Account", resumeBlob({ job: bulk2 }))])).toEqual({});
  });

  it.each<[string, unknown]>([
    ["not an object", "x"],
    ["an unknown api", { job: { ...bulk2, api: "3.0" } }],
    ["a job id that is not an Id", { job: { ...bulk2, job: "../../x" } }],
    ["negative rows", { job: { ...bulk2, rows: -1 } }],
    ["done not a list", { job: { ...bulk1, done: "751" } }],
    ["a window backwards", { job: bulk2, window: { from: A, to: C } }],
    ["a window that is not a date", { job: bulk2, window: { from: "soon", to: A } }],
  ])("progress with %s is not used (a WARN; the cursor still counts)", (_, value) => {
    const input = [streamMessage("Account", { SystemModstamp: A, __resume: value })];
    const { points: found, warnings } = points(input);
    expect(found).toEqual({});
    expect(warnings).toEqual([expect.stringMatching(/Stream 'Account'.*__resume.*reading it again/)]);
    expect(cursors(input)).toEqual({ Account: A });
  });
});
