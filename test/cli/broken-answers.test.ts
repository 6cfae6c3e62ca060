// Issue 13: broken answers and bad input, through the built CLI against the fake's faults. Whatever
// Salesforce (or a proxy in front of it) answers, no record is lost with exit 0, no STATE passes data
// not delivered, nothing hangs, and a failure is one TRACE error that says what to do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { traceErrors, secretLeaks, type CliRun } from "../helpers/cli.js";
import {
  baseConfig,
  configuredCatalog,
  expectEachOnce,
  liveIds,
  readOnce,
  records,
  states,
  widgetObject,
} from "../helpers/read-fixtures.js";

type Fault = Parameters<FakeSalesforce["inject"]>[0];

/** 119 rows: Bulk 2.0 pages of 50 (50, 50, 19), Bulk 1.0 result files of 50, REST pages of 15 (39 rows). */
const ROWS = 119;
const REST_ROWS = 39;

let fake: FakeSalesforce;
const allRuns: CliRun[] = [];

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [widgetObject(ROWS, "Item__c"), { ...widgetObject(REST_ROWS, "RestOnly__c"), bulkSupported: false }],
    bulk1ResultFileRows: 50,
    restBatchSize: 15,
  });
});
afterAll(() => fake.stop());

const BULK2 = { version: "2.0", max_records: 50 };
const BULK1 = { version: "1.0", pk_chunking: false };

/** Reads one stream with the faults injected (cleared afterwards); one window (P100Y) per read. */
async function readWith(
  object: string,
  faults: Fault[],
  options: { bulk?: unknown; mode?: "full_refresh" | "incremental"; config?: Record<string, unknown> } = {},
): Promise<CliRun> {
  const config = baseConfig(fake, { bulk_api: options.bulk ?? BULK2, stream_slice_step: "P100Y", ...options.config });
  const catalog = await configuredCatalog(config, { [object]: options.mode ?? "incremental" });
  for (const fault of faults) fake.inject(fault);
  try {
    const run = await readOnce(config, catalog);
    allRuns.push(run);
    return run;
  } finally {
    fake.clearFaults();
  }
}

/** The broken answer was asked for again and the read ended well: every record exactly once, STATE, exit 0. */
function expectRecovered(run: CliRun, object: string): void {
  expect(traceErrors(run)).toEqual([]);
  expect(run.code).toBe(0);
  expectEachOnce(records(run, object), liveIds(fake, object));
  expect(states(run).length).toBeGreaterThan(0);
}

/** A broken answer that persists: one transient_error TRACE matching `pattern`, exit 1, no STATE, no duplicate. */
function expectFailedWithoutState(run: CliRun, object: string, pattern: RegExp): void {
  expect(run.code).toBe(1);
  const errors = traceErrors(run);
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.every((e) => e.failure_type === "transient_error")).toBe(true);
  expect(errors[0]!.message).toMatch(pattern);
  expect(states(run)).toEqual([]);
  const ids = records(run, object).map((r) => r.Id);
  expect(new Set(ids).size, "no record twice").toBe(ids.length);
  expect(ids.length).toBeLessThan(ROWS);
}

describe("Bulk 2.0 results pages (issue 13 points 1-3)", () => {
  it.each([
    ["an HTML page with status 200 as page 1", { type: "html_page", after: 0 }],
    ["an HTML page with status 200 as page 3", { type: "html_page", after: 2 }],
    [
      "a quote-free HTML page (parses as CSV) as page 2",
      { type: "html_page", after: 1, body: "<html>\n<p>down</p>\n</html>\n" },
    ],
    ["page 2 without Sforce-Locator", { type: "no_locator", after: 1 }],
    ["page 2 cut at a row boundary without Sforce-NumberOfRecords", { type: "short_page", after: 1 }],
    ["page 1 without Sforce-NumberOfRecords", { type: "no_record_count", after: 0 }],
    ["page 2's Sforce-Locator pointing at itself", { type: "self_locator", after: 1 }],
  ] as const)("%s once: asked again, every record once, exit 0", async (_name, fault) => {
    const run = await readWith("Item__c", [{ kind: "bulk2_results", ...fault } as Fault]);
    expectRecovered(run, "Item__c");
  });

  it("page 1's Sforce-Locator pointing back at page 1 (a real locator of page 1): the repeat is refused, exit 1", async () => {
    const run = await readWith("Item__c", [{ kind: "bulk2_results", type: "self_locator", after: 0 }]);
    expectFailedWithoutState(run, "Item__c", /repeats a page already read/);
  }, 30_000);

  it.each([
    ["an HTML page as page 2", { type: "html_page", after: 1 }, /not text\/csv/],
    ["no Sforce-Locator on page 2", { type: "no_locator", after: 1 }, /Sforce-Locator/],
    ["page 2 always short", { type: "short_page", after: 1 }, /Sforce-NumberOfRecords/],
    ["no Sforce-NumberOfRecords on page 1", { type: "no_record_count", after: 0 }, /Sforce-NumberOfRecords/],
    ["a self-locator on page 2", { type: "self_locator", after: 1 }, /Sforce-Locator points back/],
    ["a locator back to page 1", { type: "self_locator", after: 0 }, /Sforce-Locator points back|repeats a page/],
  ] as const)(
    "%s every time: transient_error, exit 1, no STATE, no hang",
    async (_name, fault, pattern) => {
      const run = await readWith("Item__c", [{ kind: "bulk2_results", times: Infinity, ...fault } as Fault]);
      expectFailedWithoutState(run, "Item__c", pattern);
    },
    30_000,
  );
});

describe("Bulk 1.0 result files (point 1)", () => {
  it.each([
    ["an HTML page with status 200 as file 2", { type: "html_page", after: 1 }],
    ["file 2 cut at a row boundary", { type: "short_page", after: 1 }],
  ] as const)("%s once: read again, every record once, exit 0", async (_name, fault) => {
    const run = await readWith("Item__c", [{ kind: "bulk1_result", ...fault } as Fault], { bulk: BULK1 });
    expectRecovered(run, "Item__c");
  });

  it.each([
    ["an HTML page as file 2", { type: "html_page", after: 1 }, /not text\/csv/],
    ["file 2 always short", { type: "short_page", after: 1 }, /numberRecordsProcessed 119/],
  ] as const)(
    "%s every time: transient_error, exit 1, no STATE",
    async (_name, fault, pattern) => {
      const run = await readWith("Item__c", [{ kind: "bulk1_result", times: Infinity, ...fault } as Fault], {
        bulk: BULK1,
      });
      expectFailedWithoutState(run, "Item__c", pattern);
    },
    30_000,
  );
});

describe("REST query pages (points 1-2)", () => {
  it.each([
    ["page 2 done: false without nextRecordsUrl", { kind: "query_more", type: "no_next_records_url" }],
    ["page 1 done: false without nextRecordsUrl", { kind: "query", type: "no_next_records_url" }],
    ["an HTML page with status 200 as page 2", { kind: "query_more", type: "html_page" }],
    ["page 1 cut short, well framed", { kind: "query", type: "truncated_json" }],
  ] as const)("%s once: asked again, every record once, exit 0", async (_name, fault) => {
    const run = await readWith("RestOnly__c", [fault as Fault], { mode: "full_refresh" });
    expectRecovered(run, "RestOnly__c");
  });

  it("done: false without nextRecordsUrl every time: transient_error, exit 1, no STATE", async () => {
    const run = await readWith("RestOnly__c", [{ kind: "query_more", type: "no_next_records_url", times: Infinity }], {
      mode: "full_refresh",
    });
    expectFailedWithoutState(run, "RestOnly__c", /nextRecordsUrl/);
  }, 30_000);
});

afterAll(() => {
  const c = fake.credentials;
  expect(secretLeaks(allRuns, [c.clientSecret, c.refreshToken])).toEqual([]);
});
