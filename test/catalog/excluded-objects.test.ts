import type { DescribeGlobalResult } from "jsforce";
import { describe, expect, it } from "vitest";
import { EXCLUSION_REASONS, objectExclusionReason } from "../../src/catalog/excluded-objects.js";
import { BULK_UNSUPPORTED_OBJECTS, CURSOR_FILTER_UNSUPPORTED_OBJECTS } from "../../src/salesforce/facts.js";
import { HAS_REFERENCE, SKIP_NOTE, readReference } from "./reference-fixtures.js";

const queryable = (name: string) => ({ name, queryable: true });

describe("objectExclusionReason", () => {
  it.each([
    ["Account", undefined],
    ["AccountHistory", undefined],
    ["Thing__c", undefined],
    ["Thing__History", undefined],
    ["LoginEvent", undefined],
    ["AccountChangeEvent", EXCLUSION_REASONS.changeEvent],
    ["Thing__ChangeEvent", EXCLUSION_REASONS.changeEvent],
    ["Order_Shipped__e", EXCLUSION_REASONS.platformEvent],
    ["LoginEventStream", EXCLUSION_REASONS.eventStream],
    ["ContentDocumentLink", EXCLUSION_REASONS.mandatoryFilter],
    ["IdeaComment", EXCLUSION_REASONS.mandatoryFilter],
    ["Vote", EXCLUSION_REASONS.mandatoryFilter],
    ["ContentFolderItem", EXCLUSION_REASONS.mandatoryFilter],
    ["ActivityMetric", EXCLUSION_REASONS.mandatoryFilter],
    ["AggregateResult", EXCLUSION_REASONS.unreadable],
    ["OpenActivity", EXCLUSION_REASONS.unreadable],
  ])("%s (queryable) -> %s", (name, reason) => {
    expect(objectExclusionReason(queryable(name))).toBe(reason);
  });

  it("keeps a filter-requiring child object when its parent is queryable (read through the parent's Ids)", () => {
    const org = new Set(["Account", "ContentDocument"]);
    expect(objectExclusionReason(queryable("ContentDocumentLink"), org)).toBeUndefined();
    expect(objectExclusionReason(queryable("IdeaComment"), org)).toBe(EXCLUSION_REASONS.mandatoryFilter);
    expect(objectExclusionReason(queryable("IdeaComment"), new Set(["Idea"]))).toBeUndefined();
    expect(objectExclusionReason({ name: "ContentDocumentLink", queryable: false }, org)).toBe(
      EXCLUSION_REASONS.notQueryable,
    );
  });

  it("drops whatever describeGlobal marks not queryable", () => {
    expect(objectExclusionReason({ name: "Account", queryable: false })).toBe(EXCLUSION_REASONS.notQueryable);
  });

  it("keeps objects that are only Bulk-unsupported or cursor-unfilterable", () => {
    for (const name of ["Attachment", "CaseStatus", "TaskStatus", "ApiEvent", "UriEvent"]) {
      expect(objectExclusionReason(queryable(name)), name).toBeUndefined();
    }
    expect(BULK_UNSUPPORTED_OBJECTS.has("Attachment")).toBe(true);
    expect(CURSOR_FILTER_UNSUPPORTED_OBJECTS.has("UriEvent")).toBe(true);
  });
});

describe(`describe_global.json from a real org${SKIP_NOTE}`, () => {
  it.skipIf(!HAS_REFERENCE)("keeps 100 of 110 objects and says why each other one is dropped", () => {
    const { sobjects } = readReference<DescribeGlobalResult>("describe_global.json");
    const dropped = new Map<string, string>();
    const kept: string[] = [];
    for (const entry of sobjects) {
      const reason = objectExclusionReason(entry);
      if (reason === undefined) kept.push(entry.name);
      else dropped.set(entry.name, reason);
    }

    expect(sobjects).toHaveLength(110);
    expect(Object.fromEntries(dropped)).toEqual({
      UriEventStream: EXCLUSION_REASONS.notQueryable,
      UserChangeEvent: EXCLUSION_REASONS.notQueryable,
      WarrantyTermChangeEvent: EXCLUSION_REASONS.notQueryable,
      WorkOrderChangeEvent: EXCLUSION_REASONS.notQueryable,
      WorkOrderLineItemChangeEvent: EXCLUSION_REASONS.notQueryable,
      WorkTypeChangeEvent: EXCLUSION_REASONS.notQueryable,
      UserEntityAccess: EXCLUSION_REASONS.mandatoryFilter,
      UserFieldAccess: EXCLUSION_REASONS.mandatoryFilter,
      Vote: EXCLUSION_REASONS.mandatoryFilter,
      UserRecordAccess: EXCLUSION_REASONS.unreadable,
    });
    expect(kept).toHaveLength(100);
    expect(kept).toEqual(expect.arrayContaining(["Account", "Contact", "WorkOrderHistory", "UriEvent", "UserFeed"]));
    expect(kept.filter((name) => name.endsWith("ChangeEvent"))).toEqual([]);
  });

  it.skipIf(!HAS_REFERENCE)("names a ChangeEvent reason even if an org marks one queryable", () => {
    const { sobjects } = readReference<DescribeGlobalResult>("describe_global.json");
    const changeEvents = sobjects.filter((entry) => entry.name.endsWith("ChangeEvent"));
    expect(changeEvents.length).toBeGreaterThan(0);
    for (const entry of changeEvents) {
      expect(objectExclusionReason({ ...entry, queryable: true })).toBe(EXCLUSION_REASONS.changeEvent);
    }
  });
});
