/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, login, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
beforeAll(async () => {
  fake = await startFakeSalesforce({ extraObjects: [{ name: "Many__c", records: 5000 }], restBatchSize: 2000 });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(async () => {
  fake.clearFaults();
  a = await api(fake);
});

describe("faults", () => {
  it("http500 and http503 with after/times", async () => {
    fake.inject({ kind: "describe_global", type: "http500" });
    const r1 = await a.get("/sobjects");
    expect(r1.status).toBe(500);
    expect(((await r1.json()) as any)[0].errorCode).toBe("UNKNOWN_EXCEPTION");
    expect((await a.get("/sobjects")).status).toBe(200);

    fake.inject({ kind: "limits", type: "http503", after: 1, times: 2 });
    const statuses = [];
    for (let k = 0; k < 4; k++) statuses.push((await a.get("/limits")).status);
    expect(statuses).toEqual([200, 503, 503, 200]);
  });

  it("persistent faults with times: Infinity until cleared", async () => {
    fake.inject({ kind: "describe", type: "http503", times: Infinity });
    for (let k = 0; k < 3; k++) expect((await a.get("/sobjects/Account/describe")).status).toBe(503);
    fake.clearFaults();
    expect((await a.get("/sobjects/Account/describe")).status).toBe(200);
  });

  it("drop destroys the socket before any response", async () => {
    fake.inject({ kind: "limits", type: "drop" });
    await expect(a.get("/limits")).rejects.toThrow();
    expect((await a.get("/limits")).status).toBe(200);
  });

  it("drop_mid_body cuts a REST query response and a Bulk results page", async () => {
    fake.inject({ kind: "query", type: "drop_mid_body" });
    const r = await a.get(`/query?q=${encodeURIComponent("SELECT Id, Name FROM Many__c")}`);
    expect(r.status).toBe(200);
    await expect(r.text()).rejects.toThrow();

    const created = (await (
      await a.post("/jobs/query", { operation: "query", query: "SELECT Id, Name FROM Many__c" })
    ).json()) as any;
    for (let k = 0; k < 3; k++) await a.get(`/jobs/query/${created.id}`);
    fake.inject({ kind: "bulk2_results", type: "drop_mid_body" });
    const cut = await a.get(`/jobs/query/${created.id}/results`);
    expect(cut.status).toBe(200);
    expect(cut.headers.get("sforce-numberofrecords")).toBe("5000");
    await expect(cut.text()).rejects.toThrow();
    // A retry of the same page works.
    const ok = await a.get(`/jobs/query/${created.id}/results`);
    expect((await ok.text()).split("\n").length).toBeGreaterThan(5000);
  });

  it("slow_body sends the whole page, byte for byte, in pieces that take their time; a JSON answer too", async () => {
    const created = (await (
      await a.post("/jobs/query", { operation: "query", query: "SELECT Id, Name FROM Many__c" })
    ).json()) as any;
    for (let k = 0; k < 3; k++) await a.get(`/jobs/query/${created.id}`);
    const fast = await (await a.get(`/jobs/query/${created.id}/results`)).text();
    fake.inject({ kind: "bulk2_results", type: "slow_body" });
    const started = performance.now();
    const slow = await a.get(`/jobs/query/${created.id}/results`);
    expect(slow.headers.get("sforce-numberofrecords")).toBe("5000");
    expect(await slow.text()).toBe(fast);
    // 16 KiB pieces 20 ms apart: the page's compressed bytes (>= 16 KiB here) take at least one pause each.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 19);

    fake.inject({ kind: "query", type: "slow_body" });
    const query = await a.get(`/query?q=${encodeURIComponent("SELECT Id FROM Many__c")}`);
    expect(query.status).toBe(200);
    expect(((await query.json()) as any).records.length).toBeGreaterThan(0);
  });

  it("invalid_session answers 401 and really expires that token", async () => {
    fake.inject({ kind: "query", type: "invalid_session" });
    const r = await a.get(`/query?q=${encodeURIComponent("SELECT Id FROM Account")}`);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    expect((await a.get("/limits")).status).toBe(401);
    const b = await api(fake, await login(fake));
    expect((await b.get("/limits")).status).toBe(200);
  });

  it("request_limit answers 403 REQUEST_LIMIT_EXCEEDED", async () => {
    fake.inject({ kind: "bulk2_create", type: "request_limit" });
    const r = await a.post("/jobs/query", { operation: "query", query: "SELECT Id FROM Account" });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual([{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }]);
  });

  it("job_failed makes the created job end in Failed", async () => {
    fake.inject({ kind: "bulk2_create", type: "job_failed" });
    const created = (await (
      await a.post("/jobs/query", { operation: "query", query: "SELECT Id FROM Account" })
    ).json()) as any;
    let info: any;
    for (let k = 0; k < 3; k++) info = await a.json<any>(`/jobs/query/${created.id}`);
    expect(info.state).toBe("Failed");
    expect(info.errorMessage).toBe("InternalServerError: retried 30 times");
    expect((await a.get(`/jobs/query/${created.id}/results`)).status).toBe(400);
  });

  it("faults on login endpoints", async () => {
    fake.inject({ kind: "oauth_token", type: "http503" });
    await expect(login(fake)).rejects.toThrow(/503/);
    await expect(login(fake)).resolves.toEqual(expect.any(String));
  });

  it("injected faults are not counted as API calls; drop_mid_body is", async () => {
    fake.resetCounts();
    fake.inject({ kind: "limits", type: "http500" });
    await a.get("/limits");
    expect(fake.apiCallsCounted).toBe(0);
    fake.inject({ kind: "limits", type: "drop_mid_body" });
    await (await a.get("/limits")).text().catch(() => undefined);
    expect(fake.apiCallsCounted).toBe(1);
  });
});
