// Builds describe / describeGlobal JSON in Salesforce's real shape from short field specs,
// so objects added by tests look exactly like ones taken from a real org.
import type { FakeFieldSpec } from "./types.js";

type Json = Record<string, unknown>;

const SOAP_TYPES: Record<string, string> = {
  id: "tns:ID",
  reference: "tns:ID",
  boolean: "xsd:boolean",
  int: "xsd:int",
  long: "xsd:long",
  double: "xsd:double",
  currency: "xsd:double",
  percent: "xsd:double",
  date: "xsd:date",
  datetime: "xsd:dateTime",
  time: "xsd:time",
  base64: "xsd:base64Binary",
  address: "urn:address",
  location: "urn:location",
  anyType: "xsd:anyType",
  complexvalue: "tns:ComplexValue",
};

/** Salesforce describe `type` values of the Partner WSDL, spelled as describe spells them. */
export const ALL_FIELD_TYPES = [
  "string",
  "picklist",
  "multipicklist",
  "combobox",
  "reference",
  "base64",
  "boolean",
  "currency",
  "textarea",
  "int",
  "double",
  "percent",
  "phone",
  "id",
  "date",
  "datetime",
  "time",
  "url",
  "email",
  "encryptedstring",
  "datacategorygroupreference",
  "location",
  "address",
  "anyType",
  "complexvalue",
  "long",
  "json",
] as const;

function lengthFor(type: string): number {
  switch (type) {
    case "id":
    case "reference":
      return 18;
    case "textarea":
      return 32000;
    case "url":
      return 255;
    case "email":
    case "phone":
      return 80;
    case "multipicklist":
      return 4099;
    case "string":
    case "picklist":
    case "combobox":
    case "encryptedstring":
    case "datacategorygroupreference":
      return 255;
    default:
      return 0;
  }
}

function labelOf(name: string): string {
  return name.replace(/__c$|__s$/, "").replace(/_/g, " ");
}

/** Full field describe with Salesforce's defaults; spec attributes win. */
export function buildFieldDescribe(spec: FakeFieldSpec): Json {
  const type = spec.type;
  const custom = /__c$|__s$/.test(spec.name);
  const isId = type === "id";
  const system = [
    "Id",
    "IsDeleted",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "CreatedById",
    "LastModifiedById",
  ].includes(spec.name);
  const len = lengthFor(type);
  const numeric = ["double", "currency", "percent"].includes(type);
  const compoundType = type === "address" || type === "location";
  const longText = type === "textarea" && len > 255;
  const base: Json = {
    aggregatable: !compoundType && !longText && type !== "base64",
    aiPredictionField: false,
    autoNumber: false,
    byteLength: len * 3,
    calculated: false,
    calculatedFormula: null,
    cascadeDelete: false,
    caseSensitive: false,
    compoundFieldName: null,
    controllerName: null,
    createable: !isId && !system,
    custom,
    defaultValue: type === "boolean" ? false : null,
    defaultValueFormula: null,
    defaultedOnCreate: isId || system || type === "boolean",
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: type === "int" ? 9 : type === "long" ? 18 : 0,
    displayLocationInDecimal: false,
    encrypted: type === "encryptedstring",
    externalId: false,
    extraTypeInfo: type === "textarea" ? (longText ? "plaintextarea" : null) : null,
    filterable: !compoundType && !longText && type !== "base64" && type !== "complexvalue",
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: !compoundType && !longText && !numeric && type !== "base64" && type !== "datetime",
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: isId,
    inlineHelpText: null,
    label: labelOf(spec.name),
    length: len,
    mask: null,
    maskType: null,
    name: spec.name,
    nameField: spec.name === "Name",
    namePointing: false,
    nillable:
      !isId &&
      spec.name !== "IsDeleted" &&
      type !== "boolean" &&
      !["CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById", "LastModifiedById"].includes(spec.name),
    permissionable: custom && !system,
    picklistValues: [],
    polymorphicForeignKey: false,
    precision: numeric ? 18 : 0,
    queryByDistance: type === "location",
    referenceTargetField: null,
    referenceTo: [],
    relationshipName: null,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: false,
    scale: numeric ? 2 : 0,
    searchPrefilterable: false,
    soapType: SOAP_TYPES[type] ?? "xsd:string",
    sortable: !compoundType && !longText && type !== "base64" && type !== "multipicklist",
    type,
    unique: false,
    updateable: !isId && !system,
    writeRequiresMasterRead: false,
  };
  if ((type === "picklist" || type === "multipicklist" || type === "combobox") && spec.picklistValues === undefined) {
    base.picklistValues = ["Alpha", "Beta", "Gamma, Delta", "Ünïcode"].map((v, i) => ({
      active: true,
      defaultValue: i === 0,
      label: v,
      validFor: null,
      value: v,
    }));
  }
  if (type === "reference" && spec.relationshipName === undefined && spec.name !== "MasterRecordId") {
    base.relationshipName = spec.name.endsWith("__c") ? spec.name.replace(/__c$/, "__r") : spec.name.replace(/Id$/, "");
  }
  for (const [k, v] of Object.entries(spec)) base[k] = v;
  return base;
}

export interface ObjectDescribeInput {
  name: string;
  keyPrefix: string | null;
  fields: Json[];
  overrides?: Json;
}

/** Full sobject describe with the object-level attributes of a real describe. */
export function buildObjectDescribe(input: ObjectDescribeInput): Json {
  const { name, keyPrefix, fields } = input;
  const custom = name.endsWith("__c");
  const label = labelOf(name);
  return {
    actionOverrides: [],
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    childRelationships: [],
    compactLayoutable: true,
    createable: true,
    custom,
    customSetting: false,
    deepCloneable: false,
    defaultImplementation: null,
    deletable: true,
    deprecatedAndHidden: false,
    extendedBy: null,
    extendsInterfaces: null,
    feedEnabled: false,
    fields,
    hasSubtypes: false,
    implementedBy: null,
    implementsInterfaces: null,
    isInterface: false,
    isSubtype: false,
    keyPrefix,
    label,
    labelPlural: `${label}s`,
    layoutable: true,
    listviewable: null,
    lookupLayoutable: null,
    mergeable: false,
    mruEnabled: custom,
    name,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    queryable: true,
    recordTypeInfos: [],
    replicateable: true,
    retrieveable: true,
    searchLayoutable: true,
    searchable: true,
    sobjectDescribeOption: "FULL",
    supportedScopes: [],
    triggerable: true,
    undeletable: true,
    updateable: true,
    urls: {},
    ...(input.overrides ?? {}),
  };
}

/** Keys of a describeGlobal sobject entry, in the order the real API returns them. */
const GLOBAL_KEYS = [
  "activateable",
  "associateEntityType",
  "associateParentEntity",
  "createable",
  "custom",
  "customSetting",
  "deepCloneable",
  "deletable",
  "deprecatedAndHidden",
  "feedEnabled",
  "hasSubtypes",
  "isInterface",
  "isSubtype",
  "keyPrefix",
  "label",
  "labelPlural",
  "layoutable",
  "mergeable",
  "mruEnabled",
  "name",
  "queryable",
  "replicateable",
  "retrieveable",
  "searchable",
  "triggerable",
  "undeletable",
  "updateable",
] as const;

export function buildGlobalEntry(describe: Json, overrides: Json | undefined): Json {
  const entry: Json = {};
  for (const k of GLOBAL_KEYS)
    entry[k] =
      describe[k] ?? (k === "associateEntityType" || k === "associateParentEntity" || k === "keyPrefix" ? null : false);
  entry.urls = {};
  return { ...entry, ...(overrides ?? {}) };
}

/** The describe `urls` block for an object at an API version. */
export function objectUrls(name: string, version: string, baseUrl: string, keyPrefix: string | null): Json {
  const p = `/services/data/v${version}/sobjects/${name}`;
  return {
    compactLayouts: `${p}/describe/compactLayouts`,
    rowTemplate: `${p}/{ID}`,
    approvalLayouts: `${p}/describe/approvalLayouts`,
    uiDetailTemplate: `${baseUrl}/{ID}`,
    uiEditTemplate: `${baseUrl}/{ID}/e`,
    defaultValues: `${p}/defaultValues?recordTypeId&fields`,
    listviews: `${p}/listviews`,
    describe: `${p}/describe`,
    uiNewRecord: `${baseUrl}/${keyPrefix ?? ""}/e`,
    quickActions: `${p}/quickActions`,
    layouts: `${p}/describe/layouts`,
    sobject: p,
  };
}

/** The shorter `urls` block used in describeGlobal entries. */
export function globalUrls(name: string, version: string): Json {
  const p = `/services/data/v${version}/sobjects/${name}`;
  return {
    compactLayouts: `${p}/describe/compactLayouts`,
    rowTemplate: `${p}/{ID}`,
    approvalLayouts: `${p}/describe/approvalLayouts`,
    listviews: `${p}/listviews`,
    describe: `${p}/describe`,
    quickActions: `${p}/quickActions`,
    layouts: `${p}/describe/layouts`,
    sobject: p,
  };
}
