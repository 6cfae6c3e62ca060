/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { afterEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, login, type Api } from "./test-helpers.js";

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await f();
  return [v, performance.now() - t];
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function createBulk2(a: Api, query = "SELECT Id FROM Account"): Promise<string> {
  const r = await a.post("/jobs/query", { operation: "query", query });
  expect(r.status).toBe(200);
  return ((await r.json()) as any).id;
}

describe("request latency", () => {
  it("every API request answers after requestLatencyMs, errors included; logins after authLatencyMs", async () => {
    // Lower bounds, and upper bounds with room to spare: the machine may be busy.
    fake = await startFakeSalesforce({ requestLatencyMs: 150, authLatencyMs: 1_500 });
    const [token, loginMs] = await timed(() => login(fake!));
    expect(loginMs).toBeGreaterThanOrEqual(1_498);
    const a = await api(fake, token);
    const [ok, okMs] = await timed(() => a.get("/limits"));
    expect(ok.status).toBe(200);
    expect(okMs).toBeGreaterThanOrEqual(148);
    expect(okMs).toBeLessThan(1_400);
    const [missing, missingMs] = await timed(() => a.get("/sobjects/Nope__c/describe"));
    expect(missing.status).toBe(404);
    expect(missingMs).toBeGreaterThanOrEqual(148);
    fake.inject({ kind: "query", type: "http503" });
    const [faulted, faultedMs] = await timed(() => a.get("/query?q=SELECT+Id+FROM+Account"));
    expect(faulted.status).toBe(503);
    expect(faultedMs).toBeGreaterThanOrEqual(148);
  });

  it("authLatencyMs defaults to requestLatencyMs; requests wait concurrently, not in a queue", async () => {
    fake = await startFakeSalesforce({ requestLatencyMs: 300 });
    const [token, loginMs] = await timed(() => login(fake!));
    expect(loginMs).toBeGreaterThanOrEqual(298);
    const a = await api(fake, token);
    const [all, ms] = await timed(() => Promise.all(Array.from({ length: 5 }, () => a.get("/limits"))));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(ms).toBeGreaterThanOrEqual(298);
    expect(ms).toBeLessThan(5 * 300);
  });
});

const L = 1_000;

/**
 * Reads a status for about L/2 ms and returns the states whose response arrived less than L after
 * `sentAt` (when the creating request was sent): those the fake must have answered before the job
 * (or batch) was L old, however busy the machine.
 */
async function earlyStates(read: () => Promise<string>, sentAt: number): Promise<string[]> {
  const states: string[] = [];
  while (performance.now() - sentAt < L / 2) {
    const state = await read();
    if (performance.now() - sentAt < L) states.push(state);
  }
  return states;
}

/** Waits until L (plus a margin) has passed since `createdBy` (when the creation was answered). */
const afterLatency = (createdBy: number): Promise<void> => sleep(Math.max(0, createdBy + L + 20 - performance.now()));

describe("Bulk job latency", () => {
  it("a Bulk 2.0 job is not JobComplete before bulkJobLatencyMs after its creation, however often it is polled", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: L });
    const a = await api(fake);
    const sentAt = performance.now();
    const id = await createBulk2(a);
    const unpolled = await createBulk2(a);
    const createdBy = performance.now();
    const early = await earlyStates(async () => (await a.json<any>(`/jobs/query/${id}`)).state, sentAt);
    expect(early.length).toBeGreaterThan(0);
    expect(early.filter((s) => s !== "UploadComplete" && s !== "InProgress")).toEqual([]);
    await afterLatency(createdBy);
    expect((await a.json<any>(`/jobs/query/${id}`)).state).toBe("JobComplete");
    // Polls default to 0 with a latency: a job's first read after it is JobComplete.
    expect((await a.json<any>(`/jobs/query/${unpolled}`)).state).toBe("JobComplete");
    expect((await a.get(`/jobs/query/${id}/results`)).status).toBe(200);
  });

  it("with both a latency and a poll count, both must hold", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: L, bulk2PollsUntilComplete: 3 });
    const a = await api(fake);
    const sentAt = performance.now();
    const early = await createBulk2(a);
    // Enough polls early do not complete it before the latency...
    const states = await earlyStates(async () => (await a.json<any>(`/jobs/query/${early}`)).state, sentAt);
    expect(states.length).toBeGreaterThan(3);
    expect(states).not.toContain("JobComplete");
    const late = await createBulk2(a);
    await afterLatency(performance.now());
    expect((await a.json<any>(`/jobs/query/${early}`)).state).toBe("JobComplete");
    // ... nor does the latency without the polls.
    const lateStates: string[] = [];
    for (let k = 0; k < 4; k++) lateStates.push((await a.json<any>(`/jobs/query/${late}`)).state);
    expect(lateStates).toEqual(["UploadComplete", "InProgress", "InProgress", "JobComplete"]);
  });

  it("an injected job_failed job fails only after the latency too", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: L });
    const a = await api(fake);
    fake.inject({ kind: "bulk2_create", type: "job_failed" });
    const sentAt = performance.now();
    const id = await createBulk2(a);
    const createdBy = performance.now();
    const early = await earlyStates(async () => (await a.json<any>(`/jobs/query/${id}`)).state, sentAt);
    expect(early.length).toBeGreaterThan(0);
    expect(early).not.toContain("Failed");
    await afterLatency(createdBy);
    expect((await a.json<any>(`/jobs/query/${id}`)).state).toBe("Failed");
  });

  it("a Bulk 1.0 batch is not Completed before bulkJobLatencyMs after its creation", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: L });
    const token = await login(fake);
    const base = `${fake.url}/services/async/62.0`;
    const headers = { "X-SFDC-Session": token, "Content-Type": "application/json" };
    const job = (await (
      await fetch(`${base}/job`, {
        method: "POST",
        headers,
        body: JSON.stringify({ operation: "query", object: "Account", contentType: "CSV" }),
      })
    ).json()) as any;
    const addBatch = async (): Promise<string> => {
      const xml = await (
        await fetch(`${base}/job/${job.id}/batch`, {
          method: "POST",
          headers: { "X-SFDC-Session": token, "Content-Type": "text/csv" },
          body: "SELECT Id FROM Account",
        })
      ).text();
      return /<id>(\w+)<\/id>/.exec(xml)![1]!;
    };
    const stateOf = async (batchId: string): Promise<string> =>
      /<state>(\w+)<\/state>/.exec(
        await (await fetch(`${base}/job/${job.id}/batch/${batchId}`, { headers: { "X-SFDC-Session": token } })).text(),
      )![1]!;
    const sentAt = performance.now();
    const batch = await addBatch();
    const unpolled = await addBatch();
    const createdBy = performance.now();
    const early = await earlyStates(() => stateOf(batch), sentAt);
    expect(early.length).toBeGreaterThan(0);
    expect(early.filter((s) => s !== "Queued" && s !== "InProgress")).toEqual([]);
    await afterLatency(createdBy);
    expect(await stateOf(batch)).toBe("Completed");
    expect(await stateOf(unpolled)).toBe("Completed");
  });
});
