// The demo org `npm run demo` syncs: a small sales org (Users, Accounts, Contacts, Opportunities)
// and a custom object with one field of every Salesforce field type, 2,758 rows in all, generated
// deterministically by the fake Salesforce. Also the changes made between the demo's two reads.
import {
  allTypesFields,
  type FakeFieldSpec,
  type FakeObjectSpec,
  type FakeSalesforce,
} from "../test/fake-salesforce/index.js";

export const DEMO_RECORDS = {
  User: 8,
  Account: 400,
  Contact: 1_200,
  Opportunity: 900,
  All_Field_Types__c: 250,
} as const;

const picklist = (name: string, values: string[], extra: Partial<FakeFieldSpec> = {}): FakeFieldSpec => ({
  name,
  type: "picklist",
  picklistValues: values.map((value, i) => ({
    active: true,
    defaultValue: i === 0,
    label: value,
    validFor: null,
    value,
  })),
  ...extra,
});

const lookup = (name: string, target: string, relationshipName: string, extra: Partial<FakeFieldSpec> = {}) => ({
  name,
  type: "reference",
  referenceTo: [target],
  relationshipName,
  ...extra,
});

/** The audit fields every object has: who and when, and SystemModstamp, the connector's cursor. */
function audit(options: { isDeleted?: boolean } = {}): FakeFieldSpec[] {
  return [
    ...(options.isDeleted === false ? [] : [{ name: "IsDeleted", type: "boolean" }]),
    { name: "CreatedDate", type: "datetime" },
    lookup("CreatedById", "User", "CreatedBy"),
    { name: "LastModifiedDate", type: "datetime" },
    lookup("LastModifiedById", "User", "LastModifiedBy"),
    { name: "SystemModstamp", type: "datetime" },
  ];
}

/** A postal address as Salesforce describes it: the compound field and its components. */
function address(prefix: string): FakeFieldSpec[] {
  const compoundFieldName = `${prefix}Address`;
  return [
    { name: `${prefix}Street`, type: "textarea", length: 255, compoundFieldName },
    { name: `${prefix}City`, type: "string", length: 40, compoundFieldName },
    { name: `${prefix}State`, type: "string", length: 80, compoundFieldName },
    { name: `${prefix}PostalCode`, type: "string", length: 20, compoundFieldName },
    { name: `${prefix}Country`, type: "string", length: 80, compoundFieldName },
    { name: `${prefix}Latitude`, type: "double", scale: 15, precision: 18, compoundFieldName },
    { name: `${prefix}Longitude`, type: "double", scale: 15, precision: 18, compoundFieldName },
    { name: compoundFieldName, type: "address" },
  ];
}

const LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
const STAGES = [
  "Prospecting",
  "Qualification",
  "Needs Analysis",
  "Value Proposition",
  "Proposal/Price Quote",
  "Negotiation/Review",
  "Closed Won",
  "Closed Lost",
];

export function demoObjects(): FakeObjectSpec[] {
  return [
    {
      name: "User",
      globalAttributes: { keyPrefix: "005" },
      records: DEMO_RECORDS.User,
      fields: [
        { name: "Id", type: "id" },
        { name: "Username", type: "string", length: 80, nillable: false },
        { name: "LastName", type: "string", length: 80, nillable: false, compoundFieldName: "Name" },
        { name: "FirstName", type: "string", length: 40, compoundFieldName: "Name" },
        { name: "Name", type: "string", length: 121 },
        { name: "Email", type: "email", nillable: false },
        { name: "Title", type: "string", length: 80 },
        { name: "IsActive", type: "boolean" },
        ...audit({ isDeleted: false }),
      ],
    },
    {
      name: "Account",
      globalAttributes: { keyPrefix: "001" },
      records: DEMO_RECORDS.Account,
      fields: [
        { name: "Id", type: "id" },
        { name: "Name", type: "string", length: 255, nillable: false },
        picklist("Type", [
          "Prospect",
          "Customer - Direct",
          "Customer - Channel",
          "Channel Partner / Reseller",
          "Other",
        ]),
        lookup("ParentId", "Account", "Parent"),
        ...address("Billing"),
        { name: "Phone", type: "phone" },
        { name: "Website", type: "url" },
        picklist("Industry", ["Banking", "Consulting", "Education", "Energy", "Healthcare", "Retail", "Technology"]),
        { name: "AnnualRevenue", type: "currency" },
        { name: "NumberOfEmployees", type: "int" },
        picklist("Rating", ["Hot", "Warm", "Cold"]),
        { name: "Description", type: "textarea" },
        lookup("OwnerId", "User", "Owner", { nillable: false }),
        ...audit(),
      ],
    },
    {
      name: "Contact",
      globalAttributes: { keyPrefix: "003" },
      records: DEMO_RECORDS.Contact,
      fields: [
        { name: "Id", type: "id" },
        lookup("AccountId", "Account", "Account"),
        { name: "LastName", type: "string", length: 80, nillable: false, compoundFieldName: "Name" },
        { name: "FirstName", type: "string", length: 40, compoundFieldName: "Name" },
        { name: "Name", type: "string", length: 121 },
        { name: "Title", type: "string", length: 128 },
        { name: "Email", type: "email" },
        { name: "Phone", type: "phone" },
        ...address("Mailing"),
        { name: "Birthdate", type: "date" },
        picklist("LeadSource", LEAD_SOURCES),
        { name: "HasOptedOutOfEmail", type: "boolean" },
        lookup("OwnerId", "User", "Owner", { nillable: false }),
        ...audit(),
      ],
    },
    {
      name: "Opportunity",
      globalAttributes: { keyPrefix: "006" },
      records: DEMO_RECORDS.Opportunity,
      fields: [
        { name: "Id", type: "id" },
        lookup("AccountId", "Account", "Account"),
        { name: "Name", type: "string", length: 120, nillable: false },
        picklist("StageName", STAGES, { nillable: false }),
        { name: "Amount", type: "currency" },
        { name: "Probability", type: "percent" },
        { name: "CloseDate", type: "date", nillable: false },
        picklist("Type", ["New Customer", "Existing Customer - Upgrade", "Existing Customer - Renewal"]),
        picklist("LeadSource", LEAD_SOURCES),
        { name: "IsClosed", type: "boolean" },
        { name: "IsWon", type: "boolean" },
        picklist("ForecastCategoryName", ["Pipeline", "Best Case", "Commit", "Closed", "Omitted"]),
        lookup("OwnerId", "User", "Owner", { nillable: false }),
        ...audit(),
      ],
    },
    // String_Field__c, Picklist_Field__c, ... Base64_Field__c, Address_Field__c, Location_Field__c, Json_Field__c.
    {
      name: "All_Field_Types__c",
      globalAttributes: { keyPrefix: "a0D" },
      records: DEMO_RECORDS.All_Field_Types__c,
      fields: allTypesFields(),
    },
  ];
}

export type ChangeKind = "updated" | "inserted" | "deleted";

export interface Change {
  stream: string;
  kind: ChangeKind;
  id: string;
}

/** Ids of an object's rows, in the fake's (stable) order. */
function ids(fake: FakeSalesforce, object: string): string[] {
  return [...fake.records(object)].map((row) => row.Id as string);
}

/**
 * What happens in the org between the two reads: deals move forward, accounts are re-rated,
 * contacts come and go. Every change stamps SystemModstamp with the fake's clock.
 */
export function changeDemoOrg(fake: FakeSalesforce): Change[] {
  const changes: Change[] = [];
  const record = (stream: string, kind: ChangeKind, changed: string[]) =>
    changes.push(...changed.map((id) => ({ stream, kind, id })));

  const accounts = ids(fake, "Account");
  const users = ids(fake, "User");
  const rerated = accounts.slice(0, 20);
  fake.update("Account", rerated, { Rating: "Hot" });
  record("Account", "updated", rerated);

  const won = ids(fake, "Opportunity").slice(100, 130);
  fake.update("Opportunity", won, { StageName: "Closed Won", IsClosed: true, IsWon: true, Probability: 100 });
  record("Opportunity", "updated", won);
  const deals = fake.insert(
    "Opportunity",
    Array.from({ length: 5 }, (_, i) => ({
      Name: `Renewal ${2027 + i}`,
      AccountId: accounts[i],
      StageName: "Prospecting",
      Amount: 25_000 * (i + 1),
      CloseDate: "2027-03-31",
      OwnerId: users[i % users.length],
    })),
  );
  record("Opportunity", "inserted", deals);

  const people = fake.insert(
    "Contact",
    Array.from({ length: 10 }, (_, i) => ({
      FirstName: "New",
      LastName: `Contact ${i + 1}`,
      AccountId: accounts[i],
      Email: `new.contact.${i + 1}@example.com`,
      OwnerId: users[i % users.length],
    })),
  );
  record("Contact", "inserted", people);
  const gone = ids(fake, "Contact").slice(500, 503);
  fake.delete("Contact", gone);
  record("Contact", "deleted", gone);

  const edited = ids(fake, "All_Field_Types__c").slice(0, 5);
  fake.update("All_Field_Types__c", edited, { String_Field__c: "edited in the demo" });
  record("All_Field_Types__c", "updated", edited);
  return changes;
}
