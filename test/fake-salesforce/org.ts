// The org: object models (describe + field index + row store) built from FakeObjectSpecs,
// Id resolution across objects, and the mutation API with strictly increasing timestamps.
import { buildFieldDescribe, buildGlobalEntry, buildObjectDescribe } from "./describe-builder.js";
import { fieldGenerator, type Generator } from "./generate.js";
import { derivePrefix, hashString } from "./ids.js";
import { RecordStore } from "./store.js";
import type { FakeFieldSpec, FakeObjectSpec } from "./types.js";

type Json = Record<string, unknown>;

export interface FieldModel {
  name: string;
  type: string;
  describe: Json;
  referenceTo: string[];
  relationshipName: string | null;
  compoundFieldName: string | null;
  filterable: boolean;
  sortable: boolean;
  nillable: boolean;
  length: number;
  picklist: string[];
  /** Component fields of an address/location field (BillingStreet, ... for BillingAddress). */
  components: FieldModel[];
  /** Key of this component inside its compound value (street, latitude, ...). */
  componentKey?: string;
  /** Generator of generated rows (absent for compound fields built from components). */
  gen?: Generator;
}

/** Objects that Salesforce only lets you query with a filter on one of these fields. */
export interface RequiredFilter {
  fields: string[];
  message: string;
}

export interface ObjectModel {
  name: string;
  keyPrefix: string | null;
  describe: Json;
  globalEntry: Json;
  fields: FieldModel[];
  fieldsByLower: Map<string, FieldModel>;
  /** lower-case relationshipName -> the reference field. */
  relationships: Map<string, FieldModel>;
  queryable: boolean;
  bulkSupported: boolean;
  /** Bulk 1.0 PK chunking works on this object (see FakeObjectSpec.pkChunkingSupported). */
  pkChunkingSupported: boolean;
  describeFails: boolean;
  describeOmitsFields: boolean;
  requiredFilter?: RequiredFilter;
  store: RecordStore;
  /** Last mutation timestamp (ms) given to this object. */
  lastStamp: number;
  /** The delete log the deleted-records resource reads: one entry per deletion, in time order. */
  deletions: DeletionEntry[];
}

/** One entry of an object's delete log (soft delete to the recycle bin, or hard delete). */
export interface DeletionEntry {
  id: string;
  /** Epoch ms: the record's SystemModstamp when it was deleted ("obtained using the SystemModstamp"). */
  deletedAt: number;
}

export interface ObjectSpecInternal extends FakeObjectSpec {
  requiredFilter?: RequiredFilter;
}

function fieldModel(d: Json): FieldModel {
  return {
    name: String(d.name),
    type: String(d.type),
    describe: d,
    referenceTo: Array.isArray(d.referenceTo) ? (d.referenceTo as string[]) : [],
    relationshipName: typeof d.relationshipName === "string" ? d.relationshipName : null,
    compoundFieldName: typeof d.compoundFieldName === "string" ? d.compoundFieldName : null,
    filterable: d.filterable !== false,
    sortable: d.sortable !== false,
    nillable: d.nillable !== false,
    length: typeof d.length === "number" ? d.length : 0,
    picklist: Array.isArray(d.picklistValues)
      ? (d.picklistValues as Array<{ value?: unknown; active?: unknown }>)
          .filter((p) => p.active !== false)
          .map((p) => String(p.value))
      : [],
    components: [],
  };
}

/** BillingStreet of BillingAddress -> street; Geo__Latitude__s of Geo__c -> latitude. */
function componentKey(compound: string, component: string): string {
  const base = compound.endsWith("__c") ? compound.slice(0, -3) + "__" : compound.replace(/Address$|Location$/, "");
  let rest = component.startsWith(base) ? component.slice(base.length) : component;
  rest = rest.replace(/__s$/, "");
  return rest.charAt(0).toLowerCase() + rest.slice(1);
}

function normaliseValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  return v === undefined ? null : v;
}

export class Org {
  readonly objects: ObjectModel[] = [];
  private readonly byLower = new Map<string, ObjectModel>();
  private readonly byPrefix = new Map<string, ObjectModel>();
  /** Data version: bumped by every mutation; snapshots read rows as of a version. */
  version = 0;

  constructor(
    specs: ObjectSpecInternal[],
    private readonly now: () => Date,
  ) {
    const taken = new Set<string>();
    for (const s of specs) {
      const kp = (s.describe as Json | undefined)?.keyPrefix ?? (s.globalAttributes as Json | undefined)?.keyPrefix;
      if (typeof kp === "string") taken.add(kp);
    }
    const pending: Array<{ obj: ObjectModel; spec: ObjectSpecInternal }> = [];
    for (const spec of specs) {
      if (this.byLower.has(spec.name.toLowerCase())) throw new Error(`fake-salesforce: duplicate object ${spec.name}`);
      const obj = this.buildModel(spec, taken);
      this.objects.push(obj);
      this.byLower.set(obj.name.toLowerCase(), obj);
      pending.push({ obj, spec });
    }
    // Generators need the whole org (references point at other objects' rows).
    for (const { obj } of pending) {
      const seed = hashString(obj.name);
      const gens = new Map<string, Generator>();
      for (const f of obj.fields) {
        if (f.components.length) continue;
        f.gen = fieldGenerator(this, obj, f, seed);
        gens.set(f.name, f.gen);
      }
      obj.store.setGenerators(gens);
    }
  }

  get(name: string): ObjectModel | undefined {
    return this.byLower.get(name.toLowerCase());
  }

  require(name: string): ObjectModel {
    const o = this.get(name);
    if (!o) throw new Error(`fake-salesforce: no object ${name}`);
    return o;
  }

  /** Finds the row an Id points at, in whichever object owns its key prefix. */
  resolveId(id: unknown): { obj: ObjectModel; index: number } | undefined {
    if (typeof id !== "string" || id.length < 15) return undefined;
    const obj = this.byPrefix.get(id.slice(0, 3));
    if (!obj) return undefined;
    const index = obj.store.indexOf(id);
    return index === undefined ? undefined : { obj, index };
  }

  /** Next mutation timestamp for an object: now(), ms precision, strictly above the last one. */
  nextStamp(obj: ObjectModel): string {
    const ms = Math.max(this.now().getTime(), obj.lastStamp + 1);
    obj.lastStamp = ms;
    return new Date(ms).toISOString();
  }

  /** Maps user-supplied keys onto canonical field names (case-insensitive), rejecting unknown ones. */
  canonicalRow(obj: ObjectModel, row: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      const f = obj.fieldsByLower.get(k.toLowerCase());
      if (!f) throw new Error(`fake-salesforce: no field ${k} on ${obj.name}`);
      out[f.name] = normaliseValue(v);
    }
    return out;
  }

  update(name: string, ids: string[], changes: Record<string, unknown> = {}): void {
    const obj = this.require(name);
    const values = this.canonicalRow(obj, changes);
    const indexes = ids.map((id) => this.indexFor(obj, id));
    const version = ++this.version;
    const stamp = this.nextStamp(obj);
    for (const i of indexes) obj.store.patch(i, { ...values, ...this.stampValues(obj, stamp) }, version);
  }

  insert(name: string, rows: Array<Record<string, unknown>>): string[] {
    const obj = this.require(name);
    const version = ++this.version;
    const stamp = this.nextStamp(obj);
    return rows.map((r) => {
      const row: Record<string, unknown> = { IsDeleted: false, ...this.canonicalRow(obj, r) };
      for (const f of ["CreatedDate", "LastModifiedDate", "SystemModstamp"])
        if (obj.fieldsByLower.has(f.toLowerCase())) row[f] = stamp;
      const i = obj.store.insert(row, version);
      return obj.store.idOf(i);
    });
  }

  /** Soft delete: to the recycle bin, still read by queryAll (IsDeleted = true), logged for getDeleted. */
  delete(name: string, ids: string[]): void {
    const obj = this.require(name);
    const indexes = ids.map((id) => this.indexFor(obj, id));
    const version = ++this.version;
    const stamp = this.nextStamp(obj);
    for (const i of indexes) {
      obj.store.patch(i, { IsDeleted: true, ...this.stampValues(obj, stamp) }, version);
      obj.deletions.push({ id: obj.store.idOf(i), deletedAt: Date.parse(stamp) });
    }
  }

  /**
   * Hard delete (or a soft-deleted row's recycle bin emptied): the row is gone from query and queryAll;
   * only the delete log still names it. A row already in the recycle bin keeps its first deletion date.
   */
  hardDelete(name: string, ids: string[]): void {
    const obj = this.require(name);
    const indexes = ids.map((id) => this.indexFor(obj, id));
    const version = ++this.version;
    const stamp = this.nextStamp(obj);
    for (const i of indexes) {
      if (!obj.store.isDeleted(i)) obj.deletions.push({ id: obj.store.idOf(i), deletedAt: Date.parse(stamp) });
      obj.store.purge(i, version);
    }
  }

  /**
   * New values of formula fields (describe `calculated: true`), as when a related record or the date
   * changes: Salesforce computes formulas when they are read, so SystemModstamp does not move.
   */
  recalculate(name: string, ids: string[], values: Record<string, unknown>): void {
    const obj = this.require(name);
    const row = this.canonicalRow(obj, values);
    for (const field of Object.keys(row)) {
      if (obj.fieldsByLower.get(field.toLowerCase())?.describe.calculated !== true)
        throw new Error(`fake-salesforce: ${obj.name}.${field} is not a formula field (calculated: true)`);
    }
    const indexes = ids.map((id) => this.indexFor(obj, id));
    const version = ++this.version;
    for (const i of indexes) obj.store.patch(i, row, version);
  }

  private stampValues(obj: ObjectModel, stamp: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (obj.fieldsByLower.has("systemmodstamp")) out.SystemModstamp = stamp;
    if (obj.fieldsByLower.has("lastmodifieddate")) out.LastModifiedDate = stamp;
    return out;
  }

  private indexFor(obj: ObjectModel, id: string): number {
    const i = obj.store.indexOf(id);
    if (i === undefined) throw new Error(`fake-salesforce: no ${obj.name} row with Id ${id}`);
    return i;
  }

  private buildModel(spec: ObjectSpecInternal, taken: Set<string>): ObjectModel {
    let describe = spec.describe as Json | undefined;
    const globalPrefix = (spec.globalAttributes as Json | undefined)?.keyPrefix as string | null | undefined;
    const keyPrefix = describe
      ? ((describe.keyPrefix as string | null | undefined) ?? null)
      : globalPrefix !== undefined
        ? globalPrefix
        : derivePrefix(spec.name, taken);
    if (!describe) {
      const fields = (spec.fields ?? defaultFields()).map((f) => buildFieldDescribe(f));
      describe = buildObjectDescribe({ name: spec.name, keyPrefix, fields });
    }
    const globalEntry = buildGlobalEntry(describe, spec.globalAttributes as Json | undefined);
    // Objects without a key prefix (change events) still need Ids internally.
    const idPrefix = keyPrefix ?? derivePrefix(`${spec.name}#ids`, taken);
    const fields = ((describe.fields as Json[] | undefined) ?? []).map(fieldModel);
    const fieldsByLower = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
    for (const f of fields) {
      if (!f.compoundFieldName) continue;
      const compound = fieldsByLower.get(f.compoundFieldName.toLowerCase());
      if (compound && (compound.type === "address" || compound.type === "location")) {
        f.componentKey = componentKey(compound.name, f.name);
        compound.components.push(f);
      }
    }
    const relationships = new Map<string, FieldModel>();
    for (const f of fields)
      if (f.type === "reference" && f.relationshipName) relationships.set(f.relationshipName.toLowerCase(), f);

    const obj = {
      name: String(describe.name ?? spec.name),
      keyPrefix,
      describe,
      globalEntry,
      fields,
      fieldsByLower,
      relationships,
      queryable: globalEntry.queryable !== false,
      bulkSupported: spec.bulkSupported !== false,
      pkChunkingSupported: spec.pkChunkingSupported ?? documentedPkChunking(String(describe.name ?? spec.name)),
      describeFails: spec.describeFails === true,
      describeOmitsFields: spec.describeOmitsFields === true,
      requiredFilter: spec.requiredFilter,
      lastStamp: 0,
      deletions: [],
    } as Omit<ObjectModel, "store"> as ObjectModel;
    const base =
      typeof spec.records === "function"
        ? [...spec.records()].map((r) => this.canonicalRow(obj, r))
        : (spec.records ?? 50);
    obj.store = new RecordStore(obj, idPrefix, base);
    this.byPrefix.set(idPrefix, obj);
    return obj;
  }
}

/** Standard objects the Bulk API documentation lists as supporting PK chunking (custom objects all do). */
const PK_CHUNKING_OBJECTS = new Set(
  [
    "Account",
    "Asset",
    "Campaign",
    "CampaignMember",
    "Case",
    "CaseArticle",
    "CaseHistory",
    "Contact",
    "Event",
    "EventRelation",
    "Lead",
    "LoginHistory",
    "Opportunity",
    "Task",
    "User",
    "WorkOrder",
    "WorkOrderLineItem",
  ].map((n) => n.toLowerCase()),
);

/** Documented PK chunking support: the list above, custom objects, and sharing objects of those. */
export function documentedPkChunking(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.endsWith("__c") || PK_CHUNKING_OBJECTS.has(lower)) return true;
  if (lower.endsWith("__share")) return true; // sharing object of a custom object
  return lower.endsWith("share") && PK_CHUNKING_OBJECTS.has(lower.slice(0, -"share".length));
}

/** Fields of an object given with neither describe nor fields. */
export function defaultFields(): FakeFieldSpec[] {
  return [
    { name: "Id", type: "id" },
    { name: "IsDeleted", type: "boolean" },
    { name: "Name", type: "string", length: 80 },
    { name: "CreatedDate", type: "datetime" },
    { name: "LastModifiedDate", type: "datetime" },
    { name: "SystemModstamp", type: "datetime" },
  ];
}
