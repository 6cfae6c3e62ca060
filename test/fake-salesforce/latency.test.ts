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
    fake = await startFakeSalesforce({ requestLatencyMs: 150, authLatencyMs: 0 });
    await login(fake); // warms up fetch
    const [token, loginMs] = await timed(() => login(fake!));
    expect(loginMs).toBeLessThan(100);
    const a = await api(fake, token);
    const [ok, okMs] = await timed(() => a.get("/limits"));
    expect(ok.status).toBe(200);
    expect(okMs).toBeGreaterThanOrEqual(148);
    const [missing, missingMs] = await timed(() => a.get("/sobjects/Nope__c/describe"));
    expect(missing.status).toBe(404);
    expect(missingMs).toBeGreaterThanOrEqual(148);
    fake.inject({ kind: "query", type: "http503" });
    const [faulted, faultedMs] = await timed(() => a.get("/query?q=SELECT+Id+FROM+Account"));
    expect(faulted.status).toBe(503);
    expect(faultedMs).toBeGreaterThanOrEqual(148);
  });

  it("authLatencyMs defaults to requestLatencyMs; requests wait concurrently, not in a queue", async () => {
    fake = await startFakeSalesforce({ requestLatencyMs: 200 });
    const [token, loginMs] = await timed(() => login(fake!));
    expect(loginMs).toBeGreaterThanOrEqual(198);
    const a = await api(fake, token);
    const [all, ms] = await timed(() => Promise.all(Array.from({ length: 5 }, () => a.get("/limits"))));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(ms).toBeLessThan(5 * 200);
  });
});

describe("Bulk job latency", () => {
  it("a Bulk 2.0 job is not JobComplete before bulkJobLatencyMs after its creation, however often it is polled", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: 400 });
    const a = await api(fake);
    const id = await createBulk2(a);
    const states: string[] = [];
    for (let k = 0; k < 5; k++) states.push((await a.json<any>(`/jobs/query/${id}`)).state);
    expect(states.every((s) => s === "UploadComplete" || s === "InProgress")).toBe(true);
    expect((await a.get(`/jobs/query/${id}/results`)).status).toBe(400);
    await sleep(420);
    // Polls default to 0 with a latency: the first read after it is JobComplete.
    expect((await a.json<any>(`/jobs/query/${id}`)).state).toBe("JobComplete");
    expect((await a.get(`/jobs/query/${id}/results`)).status).toBe(200);
  });

  it("with both a latency and a poll count, both must hold", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: 200, bulk2PollsUntilComplete: 3, bulk1PollsUntilComplete: 3 });
    const a = await api(fake);
    const id = await createBulk2(a);
    await sleep(220);
    const states: string[] = [];
    for (let k = 0; k < 4; k++) states.push((await a.json<any>(`/jobs/query/${id}`)).state);
    expect(states).toEqual(["UploadComplete", "InProgress", "InProgress", "JobComplete"]);

    // Enough polls early do not complete it before the latency.
    const early = await createBulk2(a);
    for (let k = 0; k < 4; k++) expect((await a.json<any>(`/jobs/query/${early}`)).state).not.toBe("JobComplete");
    await sleep(220);
    expect((await a.json<any>(`/jobs/query/${early}`)).state).toBe("JobComplete");
  });

  it("an injected job_failed job fails only after the latency too", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: 200 });
    const a = await api(fake);
    fake.inject({ kind: "bulk2_create", type: "job_failed" });
    const id = await createBulk2(a);
    expect((await a.json<any>(`/jobs/query/${id}`)).state).not.toBe("Failed");
    await sleep(220);
    expect((await a.json<any>(`/jobs/query/${id}`)).state).toBe("Failed");
  });

  it("a Bulk 1.0 batch is not Completed before bulkJobLatencyMs after its creation", async () => {
    fake = await startFakeSalesforce({ bulkJobLatencyMs: 300 });
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
    const batchXml = await (
      await fetch(`${base}/job/${job.id}/batch`, {
        method: "POST",
        headers: { "X-SFDC-Session": token, "Content-Type": "text/csv" },
        body: "SELECT Id FROM Account",
      })
    ).text();
    const batchId = /<id>(\w+)<\/id>/.exec(batchXml)![1];
    const stateOf = async (): Promise<string> =>
      /<state>(\w+)<\/state>/.exec(
        await (await fetch(`${base}/job/${job.id}/batch/${batchId}`, { headers: { "X-SFDC-Session": token } })).text(),
      )![1]!;
    const early: string[] = [];
    for (let k = 0; k < 4; k++) early.push(await stateOf());
    expect(early.every((s) => s === "Queued" || s === "InProgress")).toBe(true);
    await sleep(320);
    expect(await stateOf()).toBe("Completed");
  });
});
