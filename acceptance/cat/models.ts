// airbyte_protocol.models as CAT uses them (pydantic v1 models generated from the protocol YAML,
// here schemas/airbyte_protocol.yaml): connector output is parsed line by line with
// AirbyteMessage.parse_raw and a line that does not validate is dropped (CAT only logs a warning);
// inputs CAT writes are serialised with `.json()`, which writes every field of every model in
// declaration order, an unset optional field as `null`, then the extra keys a model was given.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { protocolSchemaPath } from "../paths.js";
import { parsePyJson } from "./python.js";

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

let loaded: { definitions: Record<string, Dict>; ajv: Ajv } | undefined;

function protocol(): { definitions: Record<string, Dict>; ajv: Ajv } {
  if (!loaded) {
    const schema = parse(readFileSync(protocolSchemaPath, "utf8")) as { definitions: Record<string, Dict> };
    // The official schema carries Java-only keywords (existingJavaType): strict mode off.
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats.default(ajv);
    ajv.addSchema(schema as object, "airbyte_protocol");
    loaded = { definitions: schema.definitions, ajv };
  }
  return loaded;
}

export function modelValidator(definition: string): ValidateFunction {
  const validate = protocol().ajv.getSchema(`airbyte_protocol#/definitions/${definition}`);
  if (!validate) throw new Error(`${protocolSchemaPath} has no definition ${definition}`);
  return validate;
}

export interface AirbyteMessage {
  type: string;
  [key: string]: unknown;
}

/**
 * ConnectorRunner.parse_airbyte_messages_from_command_output: each line that parses as an
 * AirbyteMessage, in order; the rest (not JSON, or not a valid message) is returned apart.
 */
export function parseAirbyteMessages(output: string): { messages: AirbyteMessage[]; invalid: string[] } {
  const validate = modelValidator("AirbyteMessage");
  const messages: AirbyteMessage[] = [];
  const invalid: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = parsePyJson(line);
    } catch {
      invalid.push(line);
      continue;
    }
    if (validate(withoutUnsetOptionals("AirbyteMessage", value))) messages.push(value as AirbyteMessage);
    else invalid.push(line);
  }
  return { messages, invalid };
}

/** `Model.parse_obj(value)` succeeds: an Optional field may be null, as pydantic allows. */
export function isValidModel(definition: string, value: unknown): boolean {
  return modelValidator(definition)(withoutUnsetOptionals(definition, value)) as boolean;
}

/** A copy without the null values of optional model fields (pydantic reads them as unset). */
function withoutUnsetOptionals(definition: string, value: unknown): unknown {
  const schema = protocol().definitions[definition];
  return schema ? strip(schema, value) : value;
}

function strip(schema: Dict, value: unknown): unknown {
  const model = resolve(schema);
  if (Array.isArray(value)) return isDict(model.items) ? value.map((v) => strip(model.items as Dict, v)) : value;
  if (!isDict(value) || !isDict(model.properties)) return value;
  const required = new Set(Array.isArray(model.required) ? (model.required as string[]) : []);
  const out: Dict = {};
  for (const [key, field] of Object.entries(value)) {
    const fieldSchema = (model.properties as Record<string, Dict>)[key];
    if (field === null && fieldSchema && !required.has(key)) continue;
    out[key] = fieldSchema ? strip(fieldSchema, field) : field;
  }
  return out;
}

function resolve(schema: Dict): Dict {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.split("/").at(-1)!;
  return protocol().definitions[name] ?? schema;
}

/** The model's dict(): declared fields first (unset ones as their default or null), then extras. */
function dumpValue(schema: Dict | undefined, value: unknown): unknown {
  if (value === undefined || value === null || schema === undefined) return value ?? null;
  const model = resolve(schema);
  if (Array.isArray(value)) {
    const items = isDict(model.items) ? model.items : undefined;
    return value.map((item) => dumpValue(items, item));
  }
  if (isDict(value) && isDict(model.properties)) {
    const out: Dict = {};
    for (const [key, fieldSchema] of Object.entries(model.properties as Record<string, Dict>))
      out[key] = Object.hasOwn(value, key) ? dumpValue(fieldSchema, value[key]) : (fieldSchema.default ?? null);
    for (const [key, extra] of Object.entries(value)) if (!Object.hasOwn(out, key)) out[key] = extra;
    return out;
  }
  return value;
}

/** `Model.parse_obj(value).dict()` for a value that is valid for the model. */
export function dumpModel(definition: string, value: unknown): unknown {
  const schema = protocol().definitions[definition];
  if (!schema) throw new Error(`${protocolSchemaPath} has no definition ${definition}`);
  return dumpValue(schema, value);
}

/** `Model.parse_obj(value).json()`: the text CAT writes for a catalog. */
export function modelJson(definition: string, value: unknown): string {
  return JSON.stringify(dumpModel(definition, value));
}
