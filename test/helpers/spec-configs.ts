// Configs generated from spec.json for the property-style test (issue 13, "Done means"): from a valid
// base config, every property (nested oneOf branches and array items too) missing, of the wrong type,
// at each bound the spec states and past it. Each case says whether the spec accepts it.

type Json = Record<string, unknown>;
type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  discriminator?: { propertyName: string };
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  maximum_duration?: string;
  default?: unknown;
};

/**
 * `extreme`: a value far out (P1000000Y, 1e21, 100,000 characters) for a property whose spec states no
 * bound on that side: if the connector accepts it, it must work.
 */
export type CaseKind = "missing" | "wrong type" | "at bound" | "past bound" | "extreme";

export interface ConfigCase {
  /** The field as the connector's errors name it: `credentials.client_id`, `object_filters.0.where`. */
  field: string;
  kind: CaseKind;
  /** What was done, e.g. "maxLength 2048". */
  what: string;
  config: Json;
  /**
   * false: the connector must refuse it (spec.json does, or the generation's `extra.invalid` says so).
   * true: it may accept it, and then every value derived from it must work; or refuse it naming the field.
   */
  mayWork: boolean;
}

export interface Generation {
  /** A valid config with every top-level property present. */
  base: Json;
  /** A valid value per oneOf branch, keyed by property then by the branch's discriminator value. */
  branches: Record<string, Record<string, Json>>;
  /**
   * Values the generic rules cannot find (pattern edges, semantics), per field path without indexes:
   * `valid` ones may work, `invalid` ones must be refused.
   */
  extra?: Record<string, { valid?: unknown[]; invalid?: unknown[] }>;
}

const WRONG_TYPE: Record<string, unknown> = {
  string: 12345,
  integer: "12",
  number: "12",
  boolean: "true",
  object: "an object",
  array: { not: "an array" },
};

/** Sets (or with `undefined` deletes) the value at `path` in a deep copy of `config`. */
function withValue(config: Json, path: Array<string | number>, value: unknown): Json {
  const copy = structuredClone(config);
  let node: Json | unknown[] = copy;
  for (const key of path.slice(0, -1)) node = (node as Json)[key as string] as Json;
  const last = path.at(-1)!;
  if (value === undefined) delete (node as Json)[last as string];
  else (node as Json)[last as string] = value;
  return copy;
}

function valueAt(config: Json, path: Array<string | number>): unknown {
  let node: unknown = config;
  for (const key of path) node = (node as Json)[key as string];
  return node;
}

/** A string of exactly `length` characters made from `base`: cut, or padded so it keeps its meaning. */
function sized(base: string, length: number): string {
  if (base.length >= length) return base.slice(0, length);
  // URLs grow a path (the connector keeps only the origin); SOQL and names grow trailing spaces/letters.
  if (/^https?:\/\//.test(base)) return `${base}/${"a".repeat(length - base.length - 1)}`;
  return base + " ".repeat(length - base.length);
}

function pastDuration(maximum: string): string {
  return maximum.includes("T") ? `${maximum}1S` : `${maximum}T1S`;
}

export function generateConfigCases(spec: Schema, g: Generation): ConfigCase[] {
  const cases: ConfigCase[] = [];
  const add = (c: Omit<ConfigCase, "field"> & { path: Array<string | number> }): void => {
    cases.push({ field: c.path.join("."), kind: c.kind, what: c.what, config: c.config, mayWork: c.mayWork });
  };

  function leaf(schema: Schema, base: Json, path: Array<string | number>): void {
    const current = valueAt(base, path);
    const at = (value: unknown, what: string): void =>
      add({ path, kind: "at bound", what, config: withValue(base, path, value), mayWork: true });
    const past = (value: unknown, what: string): void =>
      add({ path, kind: "past bound", what, config: withValue(base, path, value), mayWork: false });
    const extreme = (value: unknown, what: string): void =>
      add({ path, kind: "extreme", what, config: withValue(base, path, value), mayWork: true });
    if (schema.const !== undefined) past(`not-${String(schema.const)}`, "another value than its const");
    if (schema.enum) {
      for (const value of schema.enum) at(value, `enum ${JSON.stringify(value)}`);
      past("not-in-the-enum", "a value outside the enum");
    }
    if (schema.type === "boolean") for (const value of [true, false]) at(value, String(value));
    if (schema.type === "integer" || schema.type === "number") {
      const step = schema.type === "integer" ? 1 : 0.5;
      if (schema.minimum !== undefined) {
        at(schema.minimum, `minimum ${schema.minimum}`);
        past(schema.minimum - step, `below minimum ${schema.minimum}`);
      }
      if (schema.exclusiveMinimum !== undefined) {
        at(schema.exclusiveMinimum + 0.001, `just above exclusiveMinimum ${schema.exclusiveMinimum}`);
        past(schema.exclusiveMinimum, `exclusiveMinimum ${schema.exclusiveMinimum} itself`);
      }
      if (schema.maximum !== undefined) {
        at(schema.maximum, `maximum ${schema.maximum}`);
        past(schema.maximum + step, `above maximum ${schema.maximum}`);
      }
      if (schema.type === "integer") past(((schema.minimum ?? 0) + 1.5) as number, "not an integer");
      if (schema.maximum === undefined) extreme(1e21, "1e21, no maximum in the spec");
      if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) extreme(-1e21, "-1e21, no minimum");
    }
    if (schema.type === "string" && typeof current === "string") {
      if (schema.minLength !== undefined) {
        at(sized(current, schema.minLength), `minLength ${schema.minLength}`);
        if (schema.minLength > 0) past(sized(current, schema.minLength - 1), `shorter than minLength`);
      }
      if (schema.maxLength !== undefined) {
        at(sized(current, schema.maxLength), `maxLength ${schema.maxLength}`);
        past(sized(current, schema.maxLength + 1), `longer than maxLength ${schema.maxLength}`);
      }
      if (schema.pattern !== undefined) past("!", "not matching the pattern");
      if (schema.maximum_duration !== undefined) {
        at(schema.maximum_duration, `maximum_duration ${schema.maximum_duration}`);
        past(pastDuration(schema.maximum_duration), `past maximum_duration ${schema.maximum_duration}`);
      } else if (schema.pattern?.startsWith("^P(?!$)")) extreme("P1000000Y", "P1000000Y, no maximum_duration");
      if (schema.maxLength === undefined && schema.enum === undefined && schema.const === undefined)
        extreme(sized(current, 100_000), "100,000 characters, no maxLength");
    }
  }

  function extras(base: Json, path: Array<string | number>): void {
    const extra = g.extra?.[path.filter((p) => typeof p === "string").join(".")];
    for (const value of extra?.valid ?? [])
      add({
        path,
        kind: "at bound",
        what: `valid ${JSON.stringify(value).slice(0, 60)}`,
        config: withValue(base, path, value),
        mayWork: true,
      });
    for (const value of extra?.invalid ?? [])
      add({
        path,
        kind: "past bound",
        what: `invalid ${JSON.stringify(value).slice(0, 60)}`,
        config: withValue(base, path, value),
        mayWork: false,
      });
  }

  function walk(schema: Schema, base: Json, path: Array<string | number>, required: boolean): void {
    extras(base, path);
    // A required property with a default is filled in (ajv useDefaults, Airbyte's form): it may work.
    const mayBeLeftOut = !required || "default" in schema;
    add({ path, kind: "missing", what: "left out", config: withValue(base, path, undefined), mayWork: mayBeLeftOut });
    const type = schema.type ?? (schema.oneOf ? "object" : undefined);
    if (type && WRONG_TYPE[type] !== undefined) {
      add({
        path,
        kind: "wrong type",
        what: `not ${type}`,
        config: withValue(base, path, WRONG_TYPE[type]),
        mayWork: false,
      });
    }
    if (schema.oneOf) {
      const tag = schema.discriminator!.propertyName;
      for (const branch of schema.oneOf) {
        const name = String(branch.properties![tag]!.const);
        const value = g.branches[path.join(".")]?.[name];
        if (!value) throw new Error(`spec-configs: no base value for ${path.join(".")} branch ${name}`);
        const branchBase = withValue(base, path, value);
        add({ path, kind: "at bound", what: `branch ${name}`, config: branchBase, mayWork: true });
        properties(branch, branchBase, path);
      }
      return;
    }
    if (type === "object" && schema.properties) properties(schema, base, path);
    else if (type === "array" && schema.items) {
      add({ path, kind: "at bound", what: "empty array", config: withValue(base, path, []), mayWork: true });
      add({
        path: [...path, 0],
        kind: "wrong type",
        what: "item not an object",
        config: withValue(base, [...path, 0], "x"),
        mayWork: false,
      });
      properties(schema.items, base, [...path, 0]);
    } else leaf(schema, base, path);
  }

  function properties(schema: Schema, base: Json, path: Array<string | number>): void {
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      if (valueAt(base, [...path, key]) === undefined) {
        throw new Error(`spec-configs: the base config needs a value at ${[...path, key].join(".")}`);
      }
      walk(child, base, [...path, key], (schema.required ?? []).includes(key));
    }
  }

  properties(spec, g.base, []);
  return cases;
}

/** Whether an error message names `field` (`credentials.client_id: ...`, or `object_filters.0 (...)`). */
export function namesField(message: string, field: string): boolean {
  const pattern = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[\\s;:(])${pattern}[:. ]`).test(message) || message.startsWith(`${field} `);
}
