// The default org: real Account/Contact/Custom__c describes (when the reference folder is present),
// a User object for Owner.Name lookups, AllTypes__c with one field per Partner WSDL type, objects
// with cursor-field variations, and objects a connector's discovery must skip.
import { ALL_FIELD_TYPES } from "./describe-builder.js";
import type { ObjectSpecInternal } from "./org.js";
import { loadReference } from "./reference.js";
import type { FakeFieldSpec, FakeObjectSpec } from "./types.js";

const DEFAULT_RECORDS = 50;

/** Salesforce's refusal of a ContentDocumentLink query without a filter on one of these fields. */
export const CONTENT_DOCUMENT_LINK_FILTER = {
  fields: ["Id", "ContentDocumentId", "LinkedEntityId"],
  message:
    "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
};

const system = (opts: { modstamp?: boolean; lastModified?: boolean; deleted?: boolean } = {}): FakeFieldSpec[] => [
  ...(opts.deleted === false ? [] : [{ name: "IsDeleted", type: "boolean" }]),
  { name: "CreatedDate", type: "datetime" },
  { name: "CreatedById", type: "reference", referenceTo: ["User"], relationshipName: "CreatedBy" },
  ...(opts.lastModified === false
    ? []
    : [
        { name: "LastModifiedDate", type: "datetime" },
        { name: "LastModifiedById", type: "reference", referenceTo: ["User"], relationshipName: "LastModifiedBy" },
      ]),
  ...(opts.modstamp === false ? [] : [{ name: "SystemModstamp", type: "datetime" }]),
];

function addressFields(prefix: string): FakeFieldSpec[] {
  const compound = `${prefix}Address`;
  return [
    {
      name: `${prefix}Street`,
      type: "textarea",
      length: 255,
      compoundFieldName: compound,
      filterable: true,
      sortable: true,
    },
    { name: `${prefix}City`, type: "string", length: 40, compoundFieldName: compound },
    { name: `${prefix}State`, type: "string", length: 80, compoundFieldName: compound },
    { name: `${prefix}PostalCode`, type: "string", length: 20, compoundFieldName: compound },
    { name: `${prefix}Country`, type: "string", length: 80, compoundFieldName: compound },
    { name: `${prefix}Latitude`, type: "double", scale: 15, precision: 18, compoundFieldName: compound },
    { name: `${prefix}Longitude`, type: "double", scale: 15, precision: 18, compoundFieldName: compound },
    { name: compound, type: "address" },
  ];
}

/** Used when the reference describes are not available. */
const FALLBACK_FIELDS: Record<string, FakeFieldSpec[]> = {
  Account: [
    { name: "Id", type: "id" },
    { name: "Name", type: "string", length: 255, nillable: false },
    { name: "Type", type: "picklist" },
    { name: "ParentId", type: "reference", referenceTo: ["Account"], relationshipName: "Parent" },
    ...addressFields("Billing"),
    { name: "Phone", type: "phone" },
    { name: "Website", type: "url" },
    { name: "AnnualRevenue", type: "currency" },
    { name: "NumberOfEmployees", type: "int" },
    { name: "Description", type: "textarea" },
    { name: "OwnerId", type: "reference", referenceTo: ["User"], relationshipName: "Owner", nillable: false },
    ...system(),
  ],
  Contact: [
    { name: "Id", type: "id" },
    { name: "AccountId", type: "reference", referenceTo: ["Account"], relationshipName: "Account" },
    { name: "LastName", type: "string", length: 80, nillable: false, compoundFieldName: "Name" },
    { name: "FirstName", type: "string", length: 40, compoundFieldName: "Name" },
    { name: "Name", type: "string", length: 121 },
    ...addressFields("Mailing"),
    { name: "Email", type: "email" },
    { name: "Birthdate", type: "date" },
    { name: "Description", type: "textarea" },
    { name: "OwnerId", type: "reference", referenceTo: ["User"], relationshipName: "Owner", nillable: false },
    ...system(),
  ],
};

function fromReference(name: string, file: string, fallbackPrefix: string, useReference: boolean): ObjectSpecInternal {
  const describe = useReference ? loadReference(file) : undefined;
  if (describe) return { name, describe, records: DEFAULT_RECORDS };
  if (name === "Custom__c") {
    return {
      name,
      describe: undefined,
      fields: [
        { name: "Id", type: "id" },
        { name: "Name", type: "string", length: 80 },
        { name: "CustomField__c", type: "string", length: 80 },
      ],
      records: DEFAULT_RECORDS,
    };
  }
  return {
    name,
    fields: FALLBACK_FIELDS[name] ?? [],
    records: DEFAULT_RECORDS,
    globalAttributes: { keyPrefix: fallbackPrefix },
  };
}

/** One field of every Partner WSDL type; address and location with their component fields. */
export function allTypesFields(): FakeFieldSpec[] {
  const fields: FakeFieldSpec[] = [
    { name: "Id", type: "id" },
    { name: "Name", type: "string", length: 80 },
  ];
  for (const type of ALL_FIELD_TYPES) {
    if (type === "id") continue;
    const name = `${type.charAt(0).toUpperCase()}${type.slice(1)}_Field__c`;
    if (type === "reference") {
      fields.push({ name, type, referenceTo: ["Account"], relationshipName: "Reference_Field__r" });
    } else if (type === "address") {
      const c = name;
      const base = name.slice(0, -3);
      fields.push(
        { name: `${base}__Street__s`, type: "textarea", length: 255, compoundFieldName: c },
        { name: `${base}__City__s`, type: "string", length: 40, compoundFieldName: c },
        { name: `${base}__PostalCode__s`, type: "string", length: 20, compoundFieldName: c },
        {
          name: `${base}__CountryCode__s`,
          type: "picklist",
          compoundFieldName: c,
          picklistValues: [{ active: true, value: "US", label: "United States", defaultValue: false, validFor: null }],
        },
        { name: c, type },
      );
    } else if (type === "location") {
      const base = name.slice(0, -3);
      fields.push(
        { name: `${base}__Latitude__s`, type: "double", scale: 15, precision: 18, compoundFieldName: name },
        { name: `${base}__Longitude__s`, type: "double", scale: 15, precision: 18, compoundFieldName: name },
        { name, type },
      );
    } else {
      fields.push({ name, type });
    }
  }
  fields.push(...system());
  return fields;
}

/** `useReference`: take the real describes from ../shared/reference where present. */
export function defaultObjects(useReference = true): ObjectSpecInternal[] {
  const account = fromReference("Account", "account_describe.json", "001", useReference);
  const contact = fromReference("Contact", "contact_describe.json", "003", useReference);
  const custom = fromReference("Custom__c", "custom__c_describe.json", "aB5", useReference);
  return [
    account,
    contact,
    custom,
    {
      name: "User",
      fields: [
        { name: "Id", type: "id" },
        { name: "Username", type: "string", length: 80, nillable: false },
        { name: "LastName", type: "string", length: 80, nillable: false, compoundFieldName: "Name" },
        { name: "FirstName", type: "string", length: 40, compoundFieldName: "Name" },
        { name: "Name", type: "string", length: 121 },
        { name: "Email", type: "email", nillable: false },
        { name: "IsActive", type: "boolean" },
        ...system({ deleted: false }),
      ],
      globalAttributes: { keyPrefix: "005" },
      records: 10,
    },
    { name: "AllTypes__c", fields: allTypesFields(), records: DEFAULT_RECORDS },
    // Cursor fallbacks: no SystemModstamp (LastModifiedDate instead); only CreatedDate.
    {
      name: "Legacy_Record__c",
      fields: [
        { name: "Id", type: "id" },
        { name: "Name", type: "string", length: 80 },
        ...system({ modstamp: false }),
      ],
      records: DEFAULT_RECORDS,
    },
    {
      name: "AccountHistory",
      fields: [
        { name: "Id", type: "id" },
        { name: "IsDeleted", type: "boolean" },
        {
          name: "AccountId",
          type: "reference",
          referenceTo: ["Account"],
          relationshipName: "Account",
          nillable: false,
        },
        { name: "CreatedById", type: "reference", referenceTo: ["User"], relationshipName: "CreatedBy" },
        { name: "CreatedDate", type: "datetime" },
        {
          name: "Field",
          type: "picklist",
          picklistValues: ["Name", "Phone", "created"].map((v) => ({
            active: true,
            value: v,
            label: v,
            defaultValue: false,
            validFor: null,
          })),
        },
        { name: "OldValue", type: "anyType" },
        { name: "NewValue", type: "anyType" },
      ],
      globalAttributes: { createable: false, updateable: false, deletable: false },
      records: DEFAULT_RECORDS,
    },
    // Bulk API does not support it (Airbyte lists TaskStatus as bulk-unsupported).
    {
      name: "TaskStatus",
      fields: [
        { name: "Id", type: "id" },
        { name: "MasterLabel", type: "string", length: 255 },
        { name: "ApiName", type: "string", length: 255 },
        { name: "SortOrder", type: "int" },
        { name: "IsDefault", type: "boolean" },
        { name: "IsClosed", type: "boolean" },
        ...system({ deleted: false }),
      ],
      bulkSupported: false,
      records: 5,
    },
    // Discovery must skip these: change events (not queryable in real orgs) and objects that
    // refuse unfiltered queries.
    {
      name: "AccountChangeEvent",
      fields: [
        { name: "Id", type: "id" },
        { name: "ReplayId", type: "string" },
        { name: "ChangeEventHeader", type: "complexvalue" },
        { name: "Name", type: "string" },
        { name: "CreatedDate", type: "datetime" },
      ],
      globalAttributes: {
        queryable: false,
        keyPrefix: null,
        replicateable: false,
        createable: false,
        updateable: false,
        deletable: false,
        searchable: false,
        layoutable: false,
      },
      records: 0,
    },
    {
      name: "ContentDocumentLink",
      fields: [
        { name: "Id", type: "id" },
        {
          name: "LinkedEntityId",
          type: "reference",
          referenceTo: ["Account", "User"],
          relationshipName: "LinkedEntity",
          polymorphicForeignKey: true,
          nillable: false,
        },
        {
          name: "ContentDocumentId",
          type: "reference",
          referenceTo: ["ContentDocument"],
          relationshipName: "ContentDocument",
          nillable: false,
        },
        { name: "IsDeleted", type: "boolean" },
        { name: "SystemModstamp", type: "datetime" },
        { name: "ShareType", type: "picklist" },
        { name: "Visibility", type: "picklist" },
      ],
      globalAttributes: { keyPrefix: "06A" },
      requiredFilter: CONTENT_DOCUMENT_LINK_FILTER,
      records: 10,
    },
    {
      name: "IdeaComment",
      fields: [
        { name: "Id", type: "id" },
        { name: "IdeaId", type: "reference", referenceTo: ["Idea"], relationshipName: "Idea", nillable: false },
        { name: "CommentBody", type: "textarea", length: 4000 },
        ...system({ lastModified: false }),
      ],
      globalAttributes: { keyPrefix: "00a" },
      requiredFilter: {
        fields: ["Id", "IdeaId", "CommunityId"],
        message:
          "Implementation restriction: When querying the Idea Comment object, you must filter using the following syntax: CommunityId = [single ID], Id = [single ID], IdeaId = [single ID], Id IN [list of IDs], or IdeaId IN [list of IDs]",
      },
      records: 10,
    },
  ];
}

/** `n` generated objects (Obj0001__c ...) with a handful of fields, for API-cost tests. */
export function buildOrgWithObjects(n: number, recordsPerObject = 5): FakeObjectSpec[] {
  const out: FakeObjectSpec[] = [];
  for (let i = 1; i <= n; i++) {
    out.push({
      name: `Obj${String(i).padStart(4, "0")}__c`,
      fields: [
        { name: "Id", type: "id" },
        { name: "Name", type: "string", length: 80 },
        { name: "Amount__c", type: "currency" },
        { name: "Flag__c", type: "boolean" },
        ...system(),
      ],
      records: recordsPerObject,
    });
  }
  return out;
}
