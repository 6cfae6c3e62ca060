import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { airbyteProtocolSchema } from "../schema-files.js";

/** ajv for protocol documents: the official schema carries Java-only keywords, so strict mode is off. */
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(airbyteProtocolSchema, "airbyte_protocol");

function definition(name: string): ValidateFunction {
  return ajv.getSchema(`airbyte_protocol#/definitions/${name}`) ?? fail(name);
}

function fail(name: string): never {
  throw new Error(`airbyte_protocol schema has no definition ${name}`);
}

export const validateConfiguredCatalog = definition("ConfiguredAirbyteCatalog");

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
