/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { afterEach, describe, expect, it } from "vitest";
import { expectWithinBounds } from "../helpers/activity.js";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, login, type Api } from "./test-helpers.js";

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function createBulk2(a: Api): Promise<string> {
  return ((await (await a.post("/jobs/query", { operation: "query", query: "SELECT Id FROM Account" })).json()) as any)
    .id;
}

/** Bulk 1.0 over fetch: job create, batch create, close/abort, batch list. */
function bulk1(f: FakeSalesforce, token: string) {
  const base = `${f.url}/services/async/62.0/job`;
  const json = { "X-SFDC-Session": token, "Content-Type": "application/json" };
  return {
    async createJob(): Promise<string> {
      const r = await fetch(base, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ operation: "query", object: "Account", contentType: "CSV" }),
      });
      return ((await r.json()) as any).id;
    },
    async addBatch(job: string): Promise<void> {
      await fetch(`${base}/${job}/batch`, {
        method: "POST",
        headers: { "X-SFDC-Session": token, "Content-Type": "text/csv" },
        body: "SELECT Id FROM Account",
      });
    },
    async setState(job: string, state: "Closed" | "Aborted"): Promise<number> {
      return (await fetch(`${base}/${job}`, { method: "POST", headers: json, body: JSON.stringify({ state }) })).status;
    },
    async listBatches(job: string): Promise<string[]> {
      const xml = await (await fetch(`${base}/${job}/batch`, { headers: { "X-SFDC-Session": token } })).text();
      return [...xml.matchAll(/<state>(\w+)<\/state>/g)].map((m) => m[1]!);
    },
  };
}

describe("requests in flight", () => {
  it("counts the peak overall, per API and per kind, and restarts it on resetCounts()", async () => {
    fake = await startFakeSalesforce({ requestLatencyMs: 400, authLatencyMs: 0 });
    const a = await api(fake);
    fake.resetCounts();
    expect(fake.activity().maxInFlight).toBe(0);
    await Promise.all([
      a.get("/limits"),
      a.get("/limits"),
      a.get("/sobjects"),
      a.get("/query?q=SELECT+Id+FROM+Account"),
      a.post("/jobs/query", { operation: "query", query: "SELECT Id FROM Account" }),
    ]);
    const peak = fake.activity();
    expect(peak.maxInFlight).toBe(5);
    expect(peak.maxApiInFlight).toBe(5);
    expect(peak.inFlight).toBe(0);
    expect(peak.maxInFlightByApi).toEqual({ auth: 0, rest: 4, bulk2: 1, bulk1: 0 });
    expect(peak.maxInFlightByKind).toEqual({ limits: 2, describe_global: 1, query: 1, bulk2_create: 1 });

    for (let k = 0; k < 3; k++) await a.get("/limits");
    expect(fake.activity().maxInFlight).toBe(5);
    // The helper engine tests use: within the bound, and (optionally) reaching it.
    expect(expectWithinBounds(fake, { concurrency: 5, maxBulkJobs: 1 }, true)).toEqual({ requests: 5, bulkJobs: 1 });
    expect(() => expectWithinBounds(fake!, { concurrency: 4 })).toThrow(/requests in flight/);
    expect(() => expectWithinBounds(fake!, { concurrency: 6 }, true)).toThrow(/requests in flight/);
    fake.resetCounts();
    for (let k = 0; k < 3; k++) await a.get("/limits");
    expect(fake.activity().maxInFlight).toBe(1);
  });

  it("a request stays in flight while its response streams, and until a dropped connection closes", async () => {
    fake = await startFakeSalesforce({ extraObjects: [{ name: "Many__c", records: 3000 }] });
    const a = await api(fake);
    const id = (
      (await (await a.post("/jobs/query", { operation: "query", query: "SELECT Id, Name FROM Many__c" })).json()) as any
    ).id;
    for (let k = 0; k < 3; k++) await a.get(`/jobs/query/${id}`);
    fake.resetCounts();
    const r = await a.get(`/jobs/query/${id}/results`);
    await r.text();
    fake.inject({ kind: "limits", type: "drop" });
    await expect(a.get("/limits")).rejects.toThrow();
    await new Promise((res) => setTimeout(res, 20));
    const activity = fake.activity();
    expect(activity.inFlight).toBe(0);
    expect(activity.maxInFlightByKind).toEqual({ bulk2_results: 1, limits: 1 });
  });

  it("logins count under auth", async () => {
    fake = await startFakeSalesforce({ authLatencyMs: 400 });
    await Promise.all([login(fake), login(fake), login(fake)]);
    expect(fake.activity().maxInFlightByApi.auth).toBe(3);
    expect(fake.activity().maxApiInFlight).toBe(0);
    expect(fake.activity().maxInFlightByKind.oauth_token).toBe(3);
  });

  it("records when each request arrived and was answered", async () => {
    fake = await startFakeSalesforce({ requestLatencyMs: 50, authLatencyMs: 0 });
    const a = await api(fake);
    fake.resetCounts();
    const before = performance.timeOrigin + performance.now();
    await a.get("/limits");
    await a.get("/sobjects");
    const [limits, global] = fake.requests;
    expect(limits!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(limits!.answeredAt! - limits!.receivedAt).toBeGreaterThanOrEqual(49);
    expect(global!.receivedAt).toBeGreaterThanOrEqual(limits!.answeredAt!);
  });
});

describe("open Bulk jobs", () => {
  it("a Bulk 2.0 job is open from creation until deleted or aborted, whatever its state", async () => {
    fake = await startFakeSalesforce();
    const a = await api(fake);
    const [j1, j2, j3] = [await createBulk2(a), await createBulk2(a), await createBulk2(a)];
    expect(fake.activity().openBulkJobs).toBe(3);
    for (let k = 0; k < 3; k++) await a.get(`/jobs/query/${j1}`); // JobComplete: still open
    expect(fake.activity().openBulkJobIds).toEqual([j1, j2, j3]);
    expect((await a.del(`/jobs/query/${j1}`)).status).toBe(204);
    expect((await a.patch(`/jobs/query/${j2}`, { state: "Aborted" })).status).toBe(200);
    expect(fake.activity().openBulkJobIds).toEqual([j3]);
    await a.del(`/jobs/query/${j2}`); // deleting an aborted job releases nothing twice
    const j4 = await createBulk2(a);
    const activity = fake.activity();
    expect(activity.openBulkJobIds).toEqual([j3, j4]);
    expect(activity.maxOpenBulkJobs).toBe(3);
    expect(activity.maxOpenBulkJobsByApi).toEqual({ bulk2: 3, bulk1: 0 });
    fake.resetCounts();
    expect(fake.activity().maxOpenBulkJobs).toBe(2);
  });

  it("a Bulk 1.0 job is open until closed with every batch final, or aborted", async () => {
    fake = await startFakeSalesforce({ bulk1PollsUntilComplete: 1 });
    const b = bulk1(fake, await login(fake));
    const closed = await b.createJob();
    await b.addBatch(closed);
    const aborted = await b.createJob();
    await b.addBatch(aborted);
    expect(fake.activity().openBulkJobs).toBe(2);
    expect(await b.setState(closed, "Closed")).toBe(200);
    expect(fake.activity().openBulkJobs).toBe(2); // its batch is still Queued
    expect(await b.listBatches(closed)).toEqual(["InProgress"]);
    expect(fake.activity().openBulkJobs).toBe(2);
    expect(await b.listBatches(closed)).toEqual(["Completed"]);
    expect(fake.activity().openBulkJobIds).toEqual([aborted]);
    expect(await b.setState(aborted, "Aborted")).toBe(200);
    const activity = fake.activity();
    expect(activity.openBulkJobs).toBe(0);
    expect(activity.maxOpenBulkJobsByApi).toEqual({ bulk2: 0, bulk1: 2 });
  });

  it("a Bulk 1.0 job whose batches finish before it is closed is released by the close", async () => {
    fake = await startFakeSalesforce({ bulk1PollsUntilComplete: 0 });
    const b = bulk1(fake, await login(fake));
    const job = await b.createJob();
    await b.addBatch(job);
    expect(await b.listBatches(job)).toEqual(["Completed"]);
    expect(fake.activity().openBulkJobs).toBe(1);
    await b.setState(job, "Closed");
    expect(fake.activity().openBulkJobs).toBe(0);
  });
});
