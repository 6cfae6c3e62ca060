import type { ErrorObject } from "ajv";
import { airbyteProtocolSchema } from "../schema-files.js";

/** ajv's standalone code for the protocol schema's ConfiguredAirbyteCatalog (scripts/generate-validators.mjs). */
export { validateConfiguredCatalog } from "./generated/validate-configured-catalog.js";

type Schema = Record<string, unknown>;
const isObject = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const definitions = airbyteProtocolSchema.definitions as Record<string, Schema>;

/**
 * The document without the nulls that stand for unset optional fields: Airbyte's platform and its
 * acceptance tests serialise protocol models with every field, unset ones as null (pydantic's
 * `.json()`). Only fields the protocol declares optional are dropped, so a null stream name or
 * sync_mode is still refused by validation; json_schema and other free-form objects are kept as is.
 */
export function withoutUnsetOptionals(definitionName: string, value: unknown): unknown {
  return strip(definitions[definitionName] ?? {}, value);
}

function strip(schema: Schema, value: unknown): unknown {
  const ref = typeof schema.$ref === "string" ? definitions[schema.$ref.split("/").at(-1)!] : undefined;
  const model = ref ?? schema;
  if (Array.isArray(value))
    return isObject(model.items) ? value.map((item) => strip(model.items as Schema, item)) : value;
  const properties = model.properties;
  if (!isObject(value) || !isObject(properties)) return value;
  const required = new Set(Array.isArray(model.required) ? model.required : []);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, field]) => !(field === null && Object.hasOwn(properties, key) && !required.has(key)))
      .map(([key, field]) => [key, isObject(properties[key]) ? strip(properties[key], field) : field]),
  );
}

/** "path: message" for each ajv error, one per line: what a person needs to fix the document. */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined, root = ""): string[] {
  return (errors ?? []).map((e) => {
    const path = `${root}${e.instancePath}`.replace(/^\//, "").replace(/\//g, ".") || "(root)";
    const extra =
      e.keyword === "enum"
        ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")})`
        : e.keyword === "additionalProperties"
          ? ` ('${(e.params as { additionalProperty: string }).additionalProperty}')`
          : "";
    return `${path}: ${e.message ?? e.keyword}${extra}`;
  });
}
