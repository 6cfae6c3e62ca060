import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseSafeSuffix, decodeIdSerial, makeId } from "./ids.js";
import { GENERATED_FROM, GENERATED_UNTIL, startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { Org } from "./org.js";
import { defaultObjects } from "./default-org.js";
import { Evaluator } from "./soql/evaluate.js";
import { planQuery } from "./soql/plan.js";
import { api, type Api } from "./test-helpers.js";

describe("ids", () => {
  it("computes the documented case-safe suffix", () => {
    expect(caseSafeSuffix("001D000000IqhSL")).toBe("IAZ");
  });
  it("round-trips row numbers and stays unique", () => {
    const ids = new Set<string>();
    for (const n of [0, 1, 61, 62, 1_999_999]) {
      const id = makeId("a0X", n);
      expect(id).toHaveLength(18);
      expect(decodeIdSerial(id)).toBe(n);
      ids.add(id);
    }
    expect(ids.size).toBe(5);
  });
});

describe("generated data", () => {
  it("is deterministic across instances and spread over the generation window", () => {
    const rows = (): Array<Record<string, unknown>> => {
      const org = new Org(defaultObjects(), () => new Date());
      const acc = org.require("Account");
      return Array.from({ length: 50 }, (_, i) => acc.store.row(i));
    };
    const a = rows();
    expect(rows()).toEqual(a);
    for (const r of a) {
      const t = Date.parse(r.SystemModstamp as string);
      expect(t).toBeGreaterThanOrEqual(GENERATED_FROM);
      expect(t).toBeLessThan(GENERATED_UNTIL);
      expect(Date.parse(r.CreatedDate as string)).toBeLessThanOrEqual(Date.parse(r.LastModifiedDate as string));
      expect(Date.parse(r.LastModifiedDate as string)).toBeLessThanOrEqual(t);
    }
  });

  it("includes commas, quotes, newlines and non-ASCII text on some rows", () => {
    const org = new Org(defaultObjects(), () => new Date());
    const obj = org.require("AllTypes__c");
    const texts = Array.from({ length: 50 }, (_, i) => String(obj.store.row(i).Textarea_Field__c ?? ""));
    expect(texts.some((t) => t.includes(","))).toBe(true);
    expect(texts.some((t) => t.includes('"'))).toBe(true);
    expect(texts.some((t) => t.includes("\n"))).toBe(true);
    expect(texts.some((t) => [...t].some((ch) => ch.charCodeAt(0) > 127))).toBe(true);
  });

  it("2M generated rows cost no memory until read", () => {
    const before = process.memoryUsage().heapUsed;
    const org = new Org([{ name: "Huge__c", records: 2_000_000 }], () => new Date());
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20e6);
    const store = org.require("Huge__c").store;
    expect(store.indexOf(store.idOf(1_999_999))).toBe(1_999_999);
  });

  it("accepts explicit rows", () => {
    const org = new Org(
      [
        {
          name: "Thing__c",
          fields: [
            { name: "Id", type: "id" },
            { name: "Name", type: "string" },
            { name: "When__c", type: "datetime" },
            { name: "SystemModstamp", type: "datetime" },
          ],
          records: () => [
            { Name: "one", When__c: new Date("2024-01-02T03:04:05Z") },
            { name: "two", SystemModstamp: "2024-05-05T00:00:00.000Z" },
          ],
        },
      ],
      () => new Date(),
    );
    const s = org.require("Thing__c").store;
    expect(s.row(0)).toMatchObject({ Name: "one", When__c: "2024-01-02T03:04:05.000Z" });
    expect(s.row(1)).toMatchObject({ Name: "two", When__c: null, SystemModstamp: "2024-05-05T00:00:00.000Z" });
    expect(s.row(0).Id).toMatch(/^\w{18}$/);
  });
});

describe("SOQL evaluator", () => {
  const org = new Org(defaultObjects(), () => new Date());
  const run = (soql: string, all = false): Array<Record<string, unknown>> => {
    const plan = planQuery(org, soql);
    const snap = new Evaluator(org, plan, org.version).snapshot(all);
    return Array.from(snap.rows, (i) => plan.obj.store.row(i));
  };

  it("datetime literals with Z, millis and offsets compare as instants", () => {
    const a = run("SELECT Id FROM Account WHERE SystemModstamp > 2024-03-01T00:00:00Z");
    expect(run("SELECT Id FROM Account WHERE SystemModstamp > 2024-03-01T00:00:00.000Z")).toEqual(a);
    expect(run("SELECT Id FROM Account WHERE SystemModstamp > 2024-03-01T01:00:00+01:00")).toEqual(a);
    expect(a.every((r) => (r.SystemModstamp as string) > "2024-03-01T00:00:00.000Z")).toBe(true);
  });

  it("date literals, NOT IN, LIKE with _ and case-insensitive equality", () => {
    const c = run("SELECT Id FROM Contact WHERE Birthdate < 2000-01-01");
    expect(c.every((r) => (r.Birthdate as string) < "2000-01-01")).toBe(true);
    const first = run("SELECT Id, Name FROM Account LIMIT 1")[0]!;
    expect(
      run(`SELECT Id FROM Account WHERE Name = '${String(first.Name).toUpperCase().replace(/'/g, "\\'")}'`).map(
        (r) => r.Id,
      ),
    ).toContain(first.Id);
    expect(run(`SELECT Id FROM Account WHERE Id NOT IN ('${first.Id}')`)).toHaveLength(49);
    expect(run("SELECT Id FROM User WHERE Username LIKE '_%'")).toHaveLength(10);
  });

  it("orders with NULLS FIRST/LAST and applies OFFSET", () => {
    const asc = run("SELECT Id, Phone FROM Account ORDER BY Phone ASC NULLS FIRST");
    expect(asc[0]!.Phone).toBeNull();
    const desc = run("SELECT Id, Phone FROM Account ORDER BY Phone DESC");
    expect(desc.at(-1)!.Phone).toBeNull();
    expect(run("SELECT Id FROM Account ORDER BY Id LIMIT 5 OFFSET 45")).toHaveLength(5);
  });
});

describe("mutation timestamps", () => {
  let fake: FakeSalesforce;
  let a: Api;
  let clock = Date.parse("2026-06-01T00:00:00.000Z");
  beforeAll(async () => {
    fake = await startFakeSalesforce({ now: () => new Date(clock) });
    a = await api(fake);
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("uses now() with ms precision, strictly increasing even when the clock stands still", async () => {
    const ids = [...fake.records("Account")].slice(0, 3).map((r) => r.Id as string);
    fake.update("Account", [ids[0]!]);
    fake.update("Account", [ids[1]!]);
    clock += 5;
    fake.update("Account", [ids[2]!], { Name: "x" });
    const stamps = [...fake.records("Account")].slice(0, 3).map((r) => r.SystemModstamp);
    expect(stamps).toEqual(["2026-06-01T00:00:00.000Z", "2026-06-01T00:00:00.001Z", "2026-06-01T00:00:00.005Z"]);
    const lm = [...fake.records("Account")][0]!.LastModifiedDate;
    expect(lm).toBe("2026-06-01T00:00:00.000Z");
    const body = await a.json<{ records: Array<{ SystemModstamp: string }> }>(
      `/query?q=${encodeURIComponent(`SELECT SystemModstamp FROM Account WHERE Id = '${ids[1]}'`)}`,
    );
    expect(body.records[0]!.SystemModstamp).toBe("2026-06-01T00:00:00.001+0000");
  });
});
