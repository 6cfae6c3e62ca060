// checkQueryPage: the REST paging contract every query page is held to (issue 13 points 1-3).
import { describe, expect, it } from "vitest";
import { checkQueryPage, type QueryPaging } from "../../src/salesforce/rest-query.js";
import { UnexpectedAnswerError } from "../../src/salesforce/api-error.js";

const PATH = "/services/data/v62.0/query";
const rec = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: String(i) }));
const page = (records: number, totalSize: number, next?: string) => ({
  totalSize,
  done: next === undefined,
  records: rec(records),
  ...(next === undefined ? {} : { nextRecordsUrl: next }),
});

function pages(...answers: unknown[]): QueryPaging {
  let paging: QueryPaging | undefined;
  for (const answer of answers) paging = checkQueryPage(answer, paging, PATH);
  return paging!;
}

const refused = (fn: () => unknown, detail: RegExp) => {
  expect(fn).toThrow(UnexpectedAnswerError);
  expect(fn).toThrow(detail);
};

describe("checkQueryPage", () => {
  it("follows pages that add up to totalSize", () => {
    const paging = pages(page(2, 5, "/q/1-2"), page(2, 5, "/q/1-4"), page(1, 5));
    expect(paging).toMatchObject({ totalSize: 5, delivered: 5, next: undefined });
  });

  it("done: false without nextRecordsUrl", () => {
    refused(() => checkQueryPage({ totalSize: 5, done: false, records: rec(2) }, undefined, PATH), /no nextRecordsUrl/);
  });

  it("a nextRecordsUrl that was followed before", () => {
    refused(() => pages(page(2, 9, "/q/1-2"), page(2, 9, "/q/1-2")), /points back/);
  });

  it("pages that hold fewer or more records than totalSize", () => {
    refused(() => pages(page(2, 5, "/q/1-2"), page(1, 5)), /hold 3 records; totalSize said 5/);
    refused(() => pages(page(4, 5, "/q/1-4"), page(2, 5)), /more records than its totalSize 5/);
  });

  it("an empty page that is not the last (it could page for ever)", () => {
    refused(() => pages(page(0, 5, "/q/1-0")), /no records that is not the last/);
  });

  it("anything that is not a query result", () => {
    refused(() => checkQueryPage("<html>", undefined, PATH), /not a query result/);
    refused(() => checkQueryPage({ done: true, records: [] }, undefined, PATH), /no totalSize/);
  });

  it("an empty result: one page, done, totalSize 0", () => {
    expect(pages(page(0, 0))).toMatchObject({ totalSize: 0, delivered: 0 });
  });
});
