// Record validation against a stream's json_schema (JSON Schema draft-07, as the catalog declares).
// Vendor keywords (`x-*`, `airbyte_*`) are annotations: they never make a record invalid.
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { formatErrors } from "./protocol.js";

const ANNOTATION = /^(x-|airbyte_)/;

function annotationKeywords(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) annotationKeywords(item, found);
  else if (schema !== null && typeof schema === "object")
    for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
      if (ANNOTATION.test(key)) found.add(key);
      annotationKeywords(value, found);
    }
  return found;
}

export class SchemaValidators {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: true });
  private readonly known = new Set<string>();

  constructor() {
    addFormats.default(this.ajv);
  }

  /** Compiles a schema; throws with ajv's reason when it is not a valid JSON schema. */
  compile(schema: unknown): ValidateFunction {
    if (schema === null || typeof schema !== "object" || Array.isArray(schema))
      throw new Error("json_schema is not an object");
    for (const keyword of annotationKeywords(schema)) {
      if (this.known.has(keyword)) continue;
      this.known.add(keyword);
      if (!this.ajv.getKeyword(keyword)) this.ajv.addKeyword({ keyword });
    }
    return this.ajv.compile(schema as object);
  }
}

/** The problem with one value against a compiled schema, or undefined when it is valid. */
export function validationProblem(validate: ValidateFunction, value: unknown): string | undefined {
  return validate(value) ? undefined : formatErrors(validate.errors);
}

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Sub-schemas that may hold a property: the schema itself and its anyOf/oneOf/allOf branches. */
function branches(schema: Schema): Schema[] {
  const out = [schema];
  for (const key of ["anyOf", "oneOf", "allOf"])
    if (Array.isArray(schema[key])) out.push(...(schema[key] as unknown[]).filter(isSchema));
  return out;
}

/** The schema of the field at `path` (["Owner", "Name"]), or undefined when the schema has no such field. */
export function schemaAtPath(schema: unknown, path: readonly string[]): Schema | undefined {
  let current: Schema | undefined = isSchema(schema) ? schema : undefined;
  for (const key of path) {
    if (!current) return undefined;
    let next: Schema | undefined;
    for (const branch of branches(current)) {
      const properties = branch.properties;
      if (isSchema(properties) && isSchema(properties[key])) {
        next = properties[key] as Schema;
        break;
      }
    }
    current = next;
  }
  return current;
}

/** The JSON types a field schema allows (empty when it does not say). */
export function schemaTypes(schema: Schema): string[] {
  const types = new Set<string>();
  for (const branch of branches(schema)) {
    const type = branch.type;
    if (typeof type === "string") types.add(type);
    else if (Array.isArray(type)) for (const t of type) if (typeof t === "string") types.add(t);
  }
  return [...types];
}

/** Every `$ref` in a schema that does not point inside it (`#/...` that resolves). */
export function danglingRefs(schema: unknown): string[] {
  const dangling: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isSchema(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && typeof value === "string" && resolvePointer(schema, value) === undefined)
          dangling.push(value);
        else visit(value);
      }
    }
  };
  visit(schema);
  return dangling;
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isSchema(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
