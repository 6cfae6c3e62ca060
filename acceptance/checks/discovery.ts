// discovery: one CATALOG message, a valid AirbyteCatalog with unique stream names and sync modes,
// each json_schema a compilable object schema without dangling $refs or additionalProperties: false,
// and every primary key and default cursor field present in its stream's schema.
import type { DiscoveryTest } from "../config.js";
import type { AirbyteStream } from "../catalog.js";
import { errorMessage, loadConnectorConfig, runConnector, testName, type CheckContext } from "../context.js";
import { danglingRefs, SchemaValidators, schemaAtPath, schemaTypes } from "../json-schema.js";
import { formatErrors, ofType, protocolProblems, protocolValidator, runFailure } from "../protocol.js";
import { fail, fromProblems, pass, skip, type TestResult } from "../report.js";

export async function runDiscoveryTest(ctx: CheckContext, test: DiscoveryTest, index: number): Promise<TestResult[]> {
  const name = (check: string): string => testName("discovery", index, check);
  const dependents = ["catalog_valid", "primary_keys_in_schema", "cursors_in_schema"].map(name);
  let config: Record<string, unknown>;
  try {
    config = await loadConnectorConfig(ctx, test.config_path);
  } catch (error) {
    return [fail(name("discover"), errorMessage(error)), ...dependents.map((d) => skip(d, "no catalog"))];
  }
  const run = await runConnector(ctx, "discover", { config }, test.timeout_seconds);
  const catalogs = ofType(run, "CATALOG");
  const failure =
    runFailure(run) ?? (catalogs.length !== 1 ? `${catalogs.length} CATALOG messages (expected 1)` : undefined);
  const results = [failure ? fail(name("discover"), failure) : pass(name("discover"))];
  results.push(fromProblems(name("protocol_messages"), protocolProblems([run])));
  if (failure) return [...results, ...dependents.map((d) => skip(d, "no catalog"))];

  const catalog = catalogs[0]!.catalog;
  const validate = protocolValidator("AirbyteCatalog");
  if (!validate(catalog)) {
    results.push(fail(name("catalog_valid"), `not an AirbyteCatalog: ${formatErrors(validate.errors)}`));
    return [...results, ...dependents.slice(1).map((d) => skip(d, "invalid catalog"))];
  }
  const streams = (catalog as { streams: AirbyteStream[] }).streams;
  results.push(fromProblems(name("catalog_valid"), catalogProblems(streams), `${streams.length} streams`));
  results.push(
    fromProblems(
      name("primary_keys_in_schema"),
      primaryKeyProblems(streams, test.validate_primary_keys_data_type !== false),
    ),
  );
  results.push(fromProblems(name("cursors_in_schema"), cursorProblems(streams)));
  return results;
}

function catalogProblems(streams: AirbyteStream[]): string[] {
  const problems: string[] = [];
  const validators = new SchemaValidators();
  const seen = new Set<string>();
  for (const stream of streams) {
    const key = `${stream.namespace ?? ""}.${stream.name}`;
    if (seen.has(key)) problems.push(`${stream.name}: stream name appears twice`);
    seen.add(key);
    if (stream.supported_sync_modes.length === 0) problems.push(`${stream.name}: no supported_sync_modes`);
    const schema = stream.json_schema;
    if (schema.type !== "object" && !(Array.isArray(schema.type) && schema.type.includes("object")))
      problems.push(`${stream.name}: json_schema.type is not "object"`);
    if (schema.additionalProperties === false)
      problems.push(`${stream.name}: json_schema has additionalProperties: false (Airbyte requires true or absent)`);
    for (const ref of danglingRefs(schema)) problems.push(`${stream.name}: $ref ${ref} points nowhere`);
    try {
      validators.compile(schema);
    } catch (error) {
      problems.push(`${stream.name}: json_schema does not compile: ${errorMessage(error)}`);
    }
  }
  return problems;
}

function primaryKeyProblems(streams: AirbyteStream[], checkTypes: boolean): string[] {
  const problems: string[] = [];
  for (const stream of streams) {
    for (const path of stream.source_defined_primary_key ?? []) {
      const field = schemaAtPath(stream.json_schema, path);
      if (!field) problems.push(`${stream.name}: primary key ${path.join(".")} is not in the schema`);
      else if (checkTypes && schemaTypes(field).some((t) => t === "object" || t === "array"))
        problems.push(`${stream.name}: primary key ${path.join(".")} has type ${schemaTypes(field).join("|")}`);
    }
  }
  return problems;
}

function cursorProblems(streams: AirbyteStream[]): string[] {
  const problems: string[] = [];
  for (const stream of streams) {
    const cursor = stream.default_cursor_field ?? [];
    if (cursor.length > 0 && !schemaAtPath(stream.json_schema, cursor))
      problems.push(`${stream.name}: default cursor ${cursor.join(".")} is not in the schema`);
    if (stream.source_defined_cursor && stream.supported_sync_modes.includes("incremental") && cursor.length === 0)
      problems.push(`${stream.name}: source_defined_cursor without default_cursor_field`);
  }
  return problems;
}
