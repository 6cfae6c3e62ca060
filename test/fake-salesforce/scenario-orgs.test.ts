/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildManySmallObjects, startFakeSalesforce, updateRowsPerObject, type FakeSalesforce } from "./index.js";
import { api, type Api } from "./test-helpers.js";

const DAY = 86_400_000;
const now = Date.now();
let fake: FakeSalesforce;
let a: Api;
const objects = buildManySmallObjects({ now });
const names = objects.map((o) => o.name);

beforeAll(async () => {
  fake = await startFakeSalesforce({ extraObjects: objects });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});

describe("many small objects", () => {
  it("20 custom objects x 300 rows, every SystemModstamp within the last 100 days", async () => {
    expect(names).toHaveLength(20);
    expect(names[0]).toBe("Small01__c");
    expect(names[19]).toBe("Small20__c");
    const stamps: number[] = [];
    const bad: unknown[] = [];
    for (const name of names) {
      const rows = [...fake.records(name)];
      expect(rows).toHaveLength(300);
      for (const r of rows) {
        const [created, modified, stamp] = [r.CreatedDate, r.LastModifiedDate, r.SystemModstamp].map((v) =>
          Date.parse(String(v)),
        ) as [number, number, number];
        const ok =
          created <= modified && modified <= stamp && stamp > now - 100 * DAY && stamp < now && stamp % 1000 === 0;
        if (!ok) bad.push(r);
        stamps.push(stamp);
      }
    }
    expect(bad).toEqual([]);
    // Spread over the window, not bunched: every 10-day decile holds some rows.
    const deciles = new Set(stamps.map((s) => Math.floor((s - (now - 100 * DAY)) / (10 * DAY))));
    expect([...deciles].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("rows have typed values a query returns, and deterministic ones", async () => {
    const body = await a.json<any>(
      `/query?q=${encodeURIComponent("SELECT Id, Name, Status__c, Amount__c, Quantity__c, Active__c, Due__c FROM Small01__c ORDER BY Id LIMIT 2")}`,
    );
    const r = body.records[0];
    expect(r.Name).toBe("Small01 row 0");
    expect(typeof r.Amount__c).toBe("number");
    expect(typeof r.Quantity__c).toBe("number");
    expect(typeof r.Active__c).toBe("boolean");
    expect(r.Due__c).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(["Alpha", "Beta", "Gamma, Delta", "Ünïcode"]).toContain(r.Status__c);
    expect(buildManySmallObjects({ now })[0]!.records).toBeTypeOf("function");
    const again = (buildManySmallObjects({ now })[0]!.records as () => Iterable<Record<string, unknown>>)();
    expect([...again][0]).toMatchObject({ Name: "Small01 row 0", Amount__c: r.Amount__c });
  });

  it("updateRowsPerObject touches N rows of each object, each with its own new SystemModstamp", async () => {
    // A millisecond back: an update may carry the very millisecond `before` was taken in.
    const before = new Date(Date.now() - 1).toISOString();
    const updated = updateRowsPerObject(fake, names.slice(0, 3), 5, { Name: "changed" });
    expect(Object.keys(updated)).toEqual(names.slice(0, 3));
    for (const name of names.slice(0, 3)) {
      expect(updated[name]).toHaveLength(5);
      const soql = `SELECT Id, Name, SystemModstamp FROM ${name} WHERE SystemModstamp > ${before} ORDER BY SystemModstamp`;
      const body = await a.json<any>(`/query?q=${encodeURIComponent(soql)}`);
      expect(body.records.map((x: any) => x.Id).sort()).toEqual([...updated[name]!].sort());
      expect(new Set(body.records.map((x: any) => x.SystemModstamp)).size).toBe(5);
      expect(body.records.every((x: any) => x.Name === "changed")).toBe(true);
    }
    const untouched = await a.json<any>(
      `/query?q=${encodeURIComponent(`SELECT Id FROM ${names[5]} WHERE SystemModstamp > ${before}`)}`,
    );
    expect(untouched.totalSize).toBe(0);
  });
});
