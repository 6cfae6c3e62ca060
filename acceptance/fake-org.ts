// The data set the acceptance tests read when a config points at the fake Salesforce: the fake's
// default org (for discovery: every field type, cursor variations, objects discovery must skip) plus
// Widget__c, a small custom object the configured catalog reads. Everything is generated
// deterministically, so integration_tests/expected_records.jsonl stays valid from run to run.
import type { FakeObjectSpec, FakeOptions } from "../test/fake-salesforce/index.js";

export const WIDGET_RECORDS = 40;

/** Widget__c: one field of each common type, a lookup to User, and the three system timestamps. */
export function widgetObject(): FakeObjectSpec {
  return {
    name: "Widget__c",
    records: WIDGET_RECORDS,
    // A fixed key prefix: a derived one could depend on which other objects the org holds.
    globalAttributes: { keyPrefix: "a0W" },
    fields: [
      { name: "Id", type: "id" },
      { name: "Name", type: "string", length: 80 },
      { name: "Amount__c", type: "currency" },
      { name: "Quantity__c", type: "int" },
      { name: "Active__c", type: "boolean" },
      { name: "Notes__c", type: "textarea" },
      { name: "Due__c", type: "date" },
      { name: "Owner__c", type: "reference", referenceTo: ["User"], relationshipName: "Owner__r" },
      { name: "IsDeleted", type: "boolean" },
      { name: "CreatedDate", type: "datetime" },
      { name: "LastModifiedDate", type: "datetime" },
      { name: "SystemModstamp", type: "datetime" },
    ],
  };
}

export function acceptanceFakeOptions(): FakeOptions {
  // The generated Account/Contact/Custom__c shapes, not ../shared/reference's: the expected records
  // must be the same on every machine, with or without that folder beside the repo.
  return { extraObjects: [widgetObject()], referenceDescribes: false };
}
