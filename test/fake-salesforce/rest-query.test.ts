/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed JSON in tests */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "./index.js";
import { api, V, type Api } from "./test-helpers.js";

let fake: FakeSalesforce;
let a: Api;
beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      {
        name: "Widget__c",
        fields: [
          { name: "Id", type: "id" },
          { name: "IsDeleted", type: "boolean" },
          { name: "Name", type: "string", length: 80 },
          { name: "Account__c", type: "reference", referenceTo: ["Account"], relationshipName: "Account__r" },
          { name: "Qty__c", type: "double" },
          { name: "SystemModstamp", type: "datetime" },
        ],
        records: 4500,
      },
    ],
  });
  a = await api(fake);
});
afterAll(async () => {
  await fake.stop();
});

const q = (soql: string, headers?: Record<string, string>): Promise<Response> =>
  a.get(`/query?q=${encodeURIComponent(soql)}`, headers);
const qj = async (soql: string): Promise<any> => {
  const r = await q(soql);
  if (r.status !== 200) throw new Error(await r.text());
  return r.json();
};

describe("REST query", () => {
  it("pages with nextRecordsUrl (2000 by default) and query_more", async () => {
    fake.resetCounts();
    const first = await qj("SELECT Id, Name FROM Widget__c");
    expect(first.totalSize).toBe(4500);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${V}/query/01g\\w{15}-2000$`));
    expect(first.records[0].attributes).toEqual({
      type: "Widget__c",
      url: `/services/data/v${V}/sobjects/Widget__c/${first.records[0].Id}`,
    });
    const second = await a.json<any>(first.nextRecordsUrl);
    expect(second.records).toHaveLength(2000);
    const third = await a.json<any>(second.nextRecordsUrl);
    expect(third.records).toHaveLength(500);
    expect(third.done).toBe(true);
    expect(third.nextRecordsUrl).toBeUndefined();
    const ids = new Set([...first.records, ...second.records, ...third.records].map((r: any) => r.Id));
    expect(ids.size).toBe(4500);
    expect(fake.count("query")).toBe(1);
    expect(fake.count("query_more")).toBe(2);
    expect(fake.apiCallsCounted).toBe(3);
  });

  it("honours Sforce-Query-Options batchSize (200..2000)", async () => {
    const r = await q("SELECT Id FROM Widget__c", { "Sforce-Query-Options": "batchSize=500" });
    const body = (await r.json()) as any;
    expect(body.records).toHaveLength(500);
    expect(body.nextRecordsUrl).toMatch(/-500$/);
    const small = (await (
      await q("SELECT Id FROM Widget__c", { "Sforce-Query-Options": "batchSize=10" })
    ).json()) as any;
    expect(small.records).toHaveLength(200);
  });

  it("returns relationships as nested objects (null when empty) and compound fields as objects", async () => {
    const body = await qj(
      "SELECT Id, Name, Owner.Name, Parent.Name, BillingAddress, SystemModstamp FROM Account ORDER BY Id LIMIT 50",
    );
    const r = body.records[0];
    expect(Object.keys(r)).toEqual(["attributes", "Id", "Name", "Owner", "Parent", "BillingAddress", "SystemModstamp"]);
    expect(r.Owner.attributes.type).toBe("User");
    expect(typeof r.Owner.Name).toBe("string");
    expect(body.records.some((x: any) => x.Parent === null)).toBe(true);
    const withAddress = body.records.find((x: any) => x.BillingAddress !== null);
    expect(Object.keys(withAddress.BillingAddress)).toEqual(
      expect.arrayContaining(["city", "country", "postalCode", "state", "street", "latitude", "longitude"]),
    );
    expect(r.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    const deep = await qj("SELECT Id, Parent.Owner.Name FROM Account WHERE ParentId != null LIMIT 1");
    expect(deep.records[0].Parent.Owner.Name).toEqual(expect.any(String));
  });

  it("filters with AND/OR/NOT, IN, LIKE, dates and datetimes; orders and limits", async () => {
    const all = [...fake.records("Widget__c")];
    const cut = "2024-06-01T00:00:00.000Z";
    const body = await qj(
      `SELECT Id, SystemModstamp FROM Widget__c WHERE SystemModstamp >= 2024-06-01T00:00:00Z AND (Qty__c > 100 OR Qty__c = null) AND NOT Name LIKE 'Acme%' ORDER BY SystemModstamp ASC, Id`,
    );
    const expected = all.filter(
      (r) =>
        (r.SystemModstamp as string) >= cut &&
        ((r.Qty__c as number | null) === null || (r.Qty__c as number) > 100) &&
        !/^acme/i.test(r.Name as string),
    );
    expect(body.totalSize).toBe(expected.length);
    const stamps = body.records.map((r: any) => r.SystemModstamp);
    expect([...stamps].sort()).toEqual(stamps);
    const ids = all.slice(0, 3).map((r) => r.Id as string);
    const inBody = await qj(
      `SELECT Id FROM Widget__c WHERE Id IN ('${ids[0]}', '${ids[1]!.slice(0, 15)}', '${ids[2]}')`,
    );
    expect(inBody.totalSize).toBe(3);
    const lim = await qj("SELECT Id FROM Widget__c ORDER BY Qty__c DESC NULLS LAST LIMIT 7");
    expect(lim.records).toHaveLength(7);
    expect(lim.done).toBe(true);
    const esc = await qj("SELECT Id FROM Widget__c WHERE Name = 'it\\'s \\\\ not there'");
    expect(esc.totalSize).toBe(0);
    const cnt = await qj("SELECT COUNT() FROM Widget__c");
    expect(cnt.totalSize).toBe(4500);
  });

  it("errors: INVALID_FIELD, MALFORMED_QUERY, INVALID_TYPE, filter type mismatch", async () => {
    const bad = async (soql: string): Promise<any> => {
      const r = await q(soql);
      expect(r.status).toBe(400);
      return ((await r.json()) as any)[0];
    };
    const f = await bad("SELECT Id, Foo FROM Account");
    expect(f.errorCode).toBe("INVALID_FIELD");
    expect(f.message).toContain(
      "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name",
    );
    expect((await bad("SELECT Id FROM Account WHERE")).errorCode).toBe("MALFORMED_QUERY");
    expect((await bad("SELECT Id Account")).errorCode).toBe("MALFORMED_QUERY");
    const t = await bad("SELECT Id FROM Nope");
    expect(t.errorCode).toBe("INVALID_TYPE");
    expect(t.message).toContain("sObject type 'Nope' is not supported.");
    expect((await bad("SELECT Id FROM Account WHERE SystemModstamp > '2024-01-01'")).message).toContain(
      "must be of type dateTime",
    );
    expect((await bad("SELECT Id, Nope.Name FROM Account")).message).toContain("Didn't understand relationship 'Nope'");
    expect((await bad("SELECT Id FROM ContentDocumentLink")).message).toContain("Implementation restriction");
    expect((await bad("SELECT Id FROM AccountChangeEvent")).errorCode).toBe("INVALID_TYPE");
    const ok = await qj(
      `SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '${fake.records("Account")[Symbol.iterator]().next().value!.Id}'`,
    );
    expect(ok.done).toBe(true);
  });
});

describe("mutations", () => {
  it("update bumps SystemModstamp strictly; inserts appear; deletes only under queryAll", async () => {
    const rows = [...fake.records("Widget__c")].slice(0, 3);
    const ids = rows.map((r) => r.Id as string);
    fake.update("Widget__c", [ids[0]!], { Name: 'Renamed, "with" quotes' });
    fake.update("Widget__c", [ids[1]!]);
    const after = await qj(
      `SELECT Id, Name, SystemModstamp FROM Widget__c WHERE Id IN ('${ids[0]}', '${ids[1]}') ORDER BY SystemModstamp`,
    );
    const [r0, r1] = after.records;
    expect(r0.Id).toBe(ids[0]);
    expect(r0.Name).toBe('Renamed, "with" quotes');
    expect(r1.SystemModstamp > r0.SystemModstamp).toBe(true);
    const maxGenerated = [...fake.records("Widget__c")]
      .slice(3)
      .reduce((m, r) => ((r.SystemModstamp as string) > m ? (r.SystemModstamp as string) : m), "");
    expect(r0.SystemModstamp.replace("+0000", "Z") > maxGenerated).toBe(true);

    const [newId] = fake.insert("Widget__c", [{ Name: "Fresh", Qty__c: 1 }]);
    expect(newId).toMatch(/^\w{18}$/);
    expect((await qj(`SELECT Id, Name FROM Widget__c WHERE Id = '${newId}'`)).records[0].Name).toBe("Fresh");

    fake.delete("Widget__c", [ids[2]!]);
    expect((await qj(`SELECT Id FROM Widget__c WHERE Id = '${ids[2]}'`)).totalSize).toBe(0);
    const qa = (await (
      await a.get(`/queryAll?q=${encodeURIComponent(`SELECT Id, IsDeleted FROM Widget__c WHERE Id = '${ids[2]}'`)}`)
    ).json()) as any;
    expect(qa.records).toEqual([expect.objectContaining({ Id: ids[2], IsDeleted: true })]);
    expect(fake.requests.at(-1)!.kind).toBe("query_all");
    const live = [...fake.records("Widget__c")].find((r) => r.Id === ids[2])!;
    expect(live.IsDeleted).toBe(true);
    expect(live.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("a query locator keeps the snapshot it was created with", async () => {
    const first = await qj("SELECT Id, Name FROM Widget__c");
    const secondPageIds = [...fake.records("Widget__c")].slice(2000, 2002).map((r) => r.Id as string);
    fake.update("Widget__c", secondPageIds, { Name: "Changed later" });
    const second = await a.json<any>(first.nextRecordsUrl);
    expect(second.records[0].Name).not.toBe("Changed later");
  });
});
