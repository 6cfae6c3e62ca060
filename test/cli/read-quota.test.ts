import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, traceErrors } from "../helpers/cli.js";
import { sfGet } from "../helpers/sf-http.js";
import {
  baseConfig,
  configuredCatalog,
  readOnce,
  records,
  states,
  streamStatuses,
  widgetObject,
} from "../helpers/read-fixtures.js";

let fake: FakeSalesforce;

beforeAll(async () => {
  // 1,000 calls a day, 780 already used: 80% leaves room for about 20 calls.
  fake = await startFakeSalesforce({
    extraObjects: [widgetObject(2000), widgetObject(100, "Other__c")],
    dailyApiMax: 1000,
    dailyApiUsed: 780,
  });
});
afterAll(() => fake.stop());

describe("the org's daily API allowance", () => {
  it("stops cleanly before passing api_quota_percent, with state saved up to the last finished window", async () => {
    const config = baseConfig(fake, { bulk_threshold: 0, stream_slice_step: "P30D", api_quota_percent: 80 });
    const catalog = await configuredCatalog(config, { Widget__c: "incremental", Other__c: "full_refresh" });
    const run = await readOnce(config, catalog);
    expect(run.code).toBe(1);
    const errors = traceErrors(run);
    expect(errors[0]?.failure_type).toBe("transient_error");
    expect(errors[0]?.message).toMatch(/api_quota_percent=80/);
    // It stopped everything, reported once. Streams run at once, so Other__c (100 rows) may have
    // finished before the stop; if it did not, it is INCOMPLETE and got no completion STATE.
    const streamErrors = ofType(run, "TRACE").filter(
      (m) => (m.trace as { error?: { stream_descriptor?: unknown } }).error?.stream_descriptor !== undefined,
    );
    expect(streamErrors).toHaveLength(1);
    expect(streamStatuses(run, "Widget__c").at(-1)).toBe("INCOMPLETE");
    if (streamStatuses(run, "Other__c").at(-1) !== "COMPLETE") {
      expect(states(run).filter((s) => s.stream.stream_descriptor.name === "Other__c")).toEqual([]);
    }
    // Other__c's full-refresh STATE may come last: Widget__c's own states are the ones to check.
    const saved = states(run).filter((s) => s.stream.stream_descriptor.name === "Widget__c");
    expect(saved.length).toBeGreaterThan(0);
    // Nothing past the state: records before its cursor, or, for a checkpoint of a Bulk job under
    // way, in the window whose job it continues.
    const lastState = saved.at(-1)!.stream.stream_state as Record<string, unknown>;
    const resumed = (lastState.__resume as { window?: { to: string } } | undefined)?.window?.to;
    const last = Date.parse(resumed ?? (lastState.SystemModstamp as string));
    expect(records(run, "Widget__c").every((r) => Date.parse(r.SystemModstamp as string) < last)).toBe(true);
    const limits = await sfGet<{ DailyApiRequests: { Max: number; Remaining: number } }>(fake, "/limits");
    const used = limits.DailyApiRequests.Max - limits.DailyApiRequests.Remaining;
    expect(used).toBeLessThanOrEqual(802); // 80% plus the limits call itself and its own check
  });

  it("REQUEST_LIMIT_EXCEEDED from Salesforce is a transient_error that says what to do", async () => {
    const roomy = await startFakeSalesforce({ extraObjects: [widgetObject(100)] });
    try {
      roomy.inject({ kind: "bulk2_status", type: "request_limit", times: Infinity });
      const config = baseConfig(roomy, { bulk_threshold: 0 });
      const catalog = await configuredCatalog(config, { Widget__c: "full_refresh" });
      const run = await readOnce(config, catalog);
      expect(run.code).toBe(1);
      const [error] = traceErrors(run);
      expect(error?.failure_type).toBe("transient_error");
      expect(error?.message).toMatch(/daily API request limit.*REQUEST_LIMIT_EXCEEDED/);
      expect(roomy.count("bulk2_status")).toBe(1); // not retried: retrying cannot help
    } finally {
      await roomy.stop();
    }
  });
});

describe("Salesforce rejecting a query", () => {
  it("a bad object_filters condition is a config_error naming the stream and where to look", async () => {
    const config = baseConfig(fake, {
      bulk_threshold: 0,
      object_filters: [{ object: "other__c", where: "Nope__c = 1" }],
      api_quota_percent: 100,
    });
    const catalog = await configuredCatalog(config, { Other__c: "full_refresh" });
    const run = await readOnce(config, catalog);
    expect(run.code).toBe(1);
    const [error] = traceErrors(run);
    expect(error?.failure_type).toBe("config_error");
    expect(error?.message).toMatch(
      /Salesforce rejected the query of stream 'Other__c' \(INVALID_FIELD: .*Nope__c.*\)\. Check object_filters for Other__c/,
    );
  });

  it("the object_filters condition is applied, parenthesised", async () => {
    const roomy = await startFakeSalesforce({ extraObjects: [widgetObject(300)] });
    try {
      const config = baseConfig(roomy, {
        bulk_threshold: 0,
        object_filters: [{ object: "Widget__c", where: "Active__c = true OR Quantity__c > 50" }],
      });
      const catalog = await configuredCatalog(config, { Widget__c: "full_refresh" });
      const run = await readOnce(config, catalog);
      expect(run.code).toBe(0);
      const soql = roomy.requests.find((r) => r.kind === "bulk2_create")!.soql!;
      expect(soql).toMatch(/WHERE \(Active__c = true OR Quantity__c > 50\)$/);
      const expected = [...roomy.records("Widget__c")].filter(
        (r) => r.Active__c === true || (r.Quantity__c as number) > 50,
      );
      expect(
        records(run)
          .map((r) => r.Id)
          .sort(),
      ).toEqual(expected.map((r) => r.Id).sort());
    } finally {
      await roomy.stop();
    }
  });
});

describe("job_timeout", () => {
  it("a Bulk 2.0 job still running after job_timeout is aborted and the stream fails with what to change", async () => {
    const slow = await startFakeSalesforce({ extraObjects: [widgetObject(50)], bulk2PollsUntilComplete: 1_000_000 });
    try {
      const config = baseConfig(slow, { bulk_threshold: 0, job_timeout: "PT1S" });
      const catalog = await configuredCatalog(config, { Widget__c: "full_refresh" });
      const run = await readOnce(config, catalog);
      expect(run.code).toBe(1);
      const [error] = traceErrors(run);
      expect(error?.failure_type).toBe("transient_error");
      expect(error?.message).toMatch(/did not finish within job_timeout.*aborted.*Raise job_timeout/);
      expect(slow.count("bulk2_abort")).toBe(1);
      // Polls back off: far fewer than one per 5 ms over the second it waited.
      expect(slow.count("bulk2_status")).toBeLessThan(15);
    } finally {
      await slow.stop();
    }
  });
});
