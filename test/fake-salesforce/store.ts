// Row storage of one object: generated or explicit base rows, plus versioned patches for
// mutations. Reads take a data version so a query snapshot keeps seeing the rows as they
// were when it was taken, while later mutations are stored as small overrides.
import { decodeIdSerial, makeId } from "./ids.js";
import type { Generator } from "./generate.js";
import type { FieldModel, ObjectModel } from "./org.js";

type Row = Record<string, unknown>;

interface Patch {
  version: number;
  values: Row;
}

const LATEST = Number.POSITIVE_INFINITY;

export class RecordStore {
  readonly baseCount: number;
  private readonly explicit: Row[] | undefined;
  private readonly inserted: Row[] = [];
  private readonly insertedAt: number[] = [];
  private readonly patches = new Map<number, Patch[]>();
  /** Row -> data version of its hard delete (or the recycle bin emptied): gone from every query from then on. */
  private readonly purgedAt = new Map<number, number>();
  /** 15-char Id -> row number, for rows whose Id is not a decodable generated one. */
  private readonly idIndex = new Map<string, number>();
  private generators = new Map<string, Generator>();
  /** True while every row's Id is makeId(prefix, row): row order is then Id order. */
  private generatedIds: boolean;

  constructor(
    private readonly obj: ObjectModel,
    private readonly idPrefix: string,
    base: number | Row[],
  ) {
    this.generatedIds = typeof base === "number";
    if (typeof base === "number") {
      this.baseCount = base;
    } else {
      this.explicit = base;
      this.baseCount = base.length;
      base.forEach((row, i) => {
        if (typeof row.Id === "string") this.idIndex.set(row.Id.slice(0, 15), i);
      });
    }
  }

  setGenerators(generators: Map<string, Generator>): void {
    this.generators = generators;
  }

  get size(): number {
    return this.baseCount + this.inserted.length;
  }

  /** Row numbers are in Id order (all Ids generated), so no sort is needed to walk rows by Id. */
  get rowOrderIsIdOrder(): boolean {
    return this.generatedIds;
  }

  idOf(i: number): string {
    const row = this.baseRow(i);
    const id = row?.Id;
    return typeof id === "string" ? id : makeId(this.idPrefix, i);
  }

  indexOf(id: string): number | undefined {
    const key = id.slice(0, 15);
    const known = this.idIndex.get(key);
    if (known !== undefined) return known;
    const serial = decodeIdSerial(id);
    if (serial === undefined || serial >= this.size) return undefined;
    return this.idOf(serial).slice(0, 15) === key ? serial : undefined;
  }

  /** Row exists at this data version (inserted rows appear only from their insert on). */
  existsAt(i: number, version: number = LATEST): boolean {
    const purged = this.purgedAt.get(i);
    if (purged !== undefined && purged <= version) return false;
    if (i < this.baseCount) return true;
    const at = this.insertedAt[i - this.baseCount];
    return at !== undefined && at <= version;
  }

  /** Hard delete: the row leaves every query (queryAll too) from this data version on. */
  purge(i: number, version: number): void {
    if (!this.purgedAt.has(i)) this.purgedAt.set(i, version);
  }

  isDeleted(i: number, version: number = LATEST): boolean {
    return this.patchedValue(i, "IsDeleted", version) === true;
  }

  read(i: number, field: FieldModel, version: number = LATEST): unknown {
    // Hot path for big generated objects: no mutations, no explicit rows.
    if (this.patches.size === 0 && this.explicit === undefined && i < this.baseCount && field.gen) return field.gen(i);
    if (field.components.length) return this.readCompound(i, field, version);
    const patched = this.patchedValue(i, field.name, version);
    if (patched !== undefined) return patched;
    const row = this.baseRow(i);
    if (row) {
      if (field.name in row) return row[field.name];
      if (field.name === "Id") return this.idOf(i);
      if (field.name === "IsDeleted") return false;
      // Explicit rows that omit system timestamps still get deterministic ones.
      if (i < this.baseCount && ["CreatedDate", "LastModifiedDate", "SystemModstamp"].includes(field.name)) {
        return this.generators.get(field.name)?.(i) ?? null;
      }
      return null;
    }
    const gen = this.generators.get(field.name);
    return gen ? gen(i) : null;
  }

  /** All fields of a row, in describe order (typed JS values). */
  row(i: number, version: number = LATEST): Row {
    const out: Row = {};
    for (const f of this.obj.fields) out[f.name] = this.read(i, f, version);
    return out;
  }

  patch(i: number, values: Row, version: number): void {
    const list = this.patches.get(i) ?? [];
    list.push({ version, values });
    this.patches.set(i, list);
  }

  insert(row: Row, version: number): number {
    const i = this.size;
    const id = typeof row.Id === "string" ? row.Id : makeId(this.idPrefix, i);
    if (id !== makeId(this.idPrefix, i)) this.generatedIds = false;
    this.inserted.push({ ...row, Id: id });
    this.insertedAt.push(version);
    this.idIndex.set(id.slice(0, 15), i);
    return i;
  }

  private baseRow(i: number): Row | undefined {
    if (i < this.baseCount) return this.explicit?.[i];
    return this.inserted[i - this.baseCount];
  }

  private patchedValue(i: number, name: string, version: number): unknown {
    if (this.patches.size === 0) return undefined;
    const list = this.patches.get(i);
    if (!list) return undefined;
    for (let k = list.length - 1; k >= 0; k--) {
      const p = list[k]!;
      if (p.version <= version && name in p.values) return p.values[name];
    }
    return undefined;
  }

  /** Address/location values are built from their component fields, like Salesforce does. */
  private readCompound(i: number, field: FieldModel, version: number): unknown {
    const out: Row = {};
    let any = false;
    for (const c of field.components) {
      const v = this.read(i, c, version);
      out[c.componentKey ?? c.name] = v ?? null;
      if (v != null) any = true;
    }
    if (!any) return null;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
