// spec: the SPEC message equals the spec file, its connectionSpecification is a valid JSON schema,
// every secret-like field is marked airbyte_secret, oneOf groups have a const discriminator, and the
// test's config (if any) conforms to the spec.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { resolvePath, type SpecTest } from "../config.js";
import { errorMessage, loadConnectorConfig, runConnector, testName, type CheckContext } from "../context.js";
import { formatErrors, ofType, protocolProblems, runFailure } from "../protocol.js";
import { fail, fromProblems, pass, skip, type TestResult } from "../report.js";
import { deepEqual } from "../values.js";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Names that hold credentials: password, secret, token, keys. Matched case-insensitively. */
const SECRET_NAME =
  /(password|passwd|secret|token|api_?key|access_?key|private_?key|passphrase|credentials_json|service_account_info)/i;

export async function runSpecTest(ctx: CheckContext, test: SpecTest, index: number): Promise<TestResult[]> {
  const name = (check: string): string => testName("spec", index, check);
  const run = await runConnector(ctx, "spec", {}, test.timeout_seconds);
  const specs = ofType(run, "SPEC");
  const failure = runFailure(run) ?? (specs.length !== 1 ? `${specs.length} SPEC messages (expected 1)` : undefined);
  const results: TestResult[] = [failure ? fail(name("spec"), failure) : pass(name("spec"))];
  results.push(fromProblems(name("protocol_messages"), protocolProblems([run])));
  const dependents = ["matches_spec_file", "connection_specification_valid", "secrets_marked", "oneof_usage"];
  if (test.config_path) dependents.push("config_matches_spec");
  if (failure) return [...results, ...dependents.map((d) => skip(name(d), "no SPEC message"))];

  const spec = specs[0]!.spec as Json;
  results.push(matchesSpecFile(name("matches_spec_file"), spec, resolvePath(ctx.config, test.spec_path)));
  const connectionSpecification = spec.connectionSpecification;
  results.push(fromProblems(name("connection_specification_valid"), schemaProblems(connectionSpecification)));
  results.push(fromProblems(name("secrets_marked"), unmarkedSecrets(connectionSpecification)));
  results.push(fromProblems(name("oneof_usage"), oneOfProblems(connectionSpecification)));
  if (test.config_path) {
    let problems: string[];
    try {
      const config = await loadConnectorConfig(ctx, test.config_path);
      problems = configProblems(connectionSpecification, config).map((p) => `${test.config_path}: ${p}`);
    } catch (error) {
      problems = [errorMessage(error)];
    }
    results.push(fromProblems(name("config_matches_spec"), problems));
  }
  return results;
}

function matchesSpecFile(name: string, actual: Json, path: string): TestResult {
  let expected: unknown;
  try {
    // YAML is a superset of JSON: spec.json and spec.yaml both load.
    expected = parse(readFileSync(path, "utf8"));
  } catch (error) {
    return fail(name, `cannot read ${path}: ${errorMessage(error)}`);
  }
  if (!isObject(expected)) return fail(name, `${path} is not an object`);
  // A spec file is either the whole ConnectorSpecification or only its connectionSpecification.
  const [want, got] =
    "connectionSpecification" in expected ? [expected, actual] : [expected, actual.connectionSpecification];
  if (deepEqual(want, got)) return pass(name);
  return fail(name, `the SPEC message differs from ${path} at ${firstDifference(want, got, "") || "(root)"}`);
}

/** JSON path of the first place two values differ. */
function firstDifference(a: unknown, b: unknown, path: string): string {
  if (deepEqual(a, b)) return "";
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[key], b[key], `${path}.${key}`);
      if (d) return d;
    }
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  }
  return path || "(root)";
}

function specAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv;
}

function schemaProblems(schema: unknown): string[] {
  if (!isObject(schema)) return ["connectionSpecification is not an object"];
  const problems: string[] = [];
  if (schema.type !== "object")
    problems.push(`connectionSpecification.type is ${JSON.stringify(schema.type)}, not "object"`);
  try {
    specAjv().compile(schema);
  } catch (error) {
    problems.push(`not a valid JSON schema: ${errorMessage(error)}`);
  }
  return problems;
}

/** Each property schema in the spec with its dotted path (through oneOf/anyOf/allOf and items). */
function* properties(schema: unknown, path: string): Generator<{ path: string; key: string; schema: Json }> {
  if (!isObject(schema)) return;
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (!isObject(sub)) continue;
      const here = path ? `${path}.${key}` : key;
      yield { path: here, key, schema: sub };
      yield* properties(sub, here);
    }
  }
  for (const combinator of ["oneOf", "anyOf", "allOf"]) {
    const options = schema[combinator];
    if (Array.isArray(options))
      for (const [i, option] of options.entries()) yield* properties(option, `${path}.${combinator}[${i}]`);
  }
  if (isObject(schema.items)) yield* properties(schema.items, `${path}[]`);
}

function unmarkedSecrets(schema: unknown): string[] {
  const problems: string[] = [];
  for (const { path, key, schema: property } of properties(schema, "")) {
    if (!SECRET_NAME.test(key)) continue;
    const types = Array.isArray(property.type) ? property.type : [property.type];
    // Only free-text values can hold a secret; a const, an enum or a nested object cannot.
    if (!types.includes("string") || "const" in property || "enum" in property) continue;
    if (property.airbyte_secret !== true) problems.push(`${path} looks like a secret but is not marked airbyte_secret`);
  }
  return problems;
}

/** Airbyte's rule for oneOf: every option is an object with a common const property that tells them apart. */
function oneOfProblems(schema: unknown): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (!isObject(node)) return;
    if (Array.isArray(node.oneOf)) {
      const options = node.oneOf.filter(isObject);
      const props = options.map((o) => (isObject(o.properties) ? o.properties : {}));
      const common = Object.keys(props[0] ?? {}).filter((key) =>
        props.every((p) => isObject(p[key]) && "const" in (p[key] as Json)),
      );
      if (options.length !== node.oneOf.length || options.some((o) => o.type !== "object"))
        problems.push(`${path || "(root)"}: every oneOf option must be an object schema`);
      else if (common.length === 0) problems.push(`${path || "(root)"}: the oneOf options share no const property`);
      else {
        const key = common[0]!;
        const values = props.map((p) => JSON.stringify((p[key] as Json).const));
        if (new Set(values).size !== values.length)
          problems.push(`${path}.${key}: const values repeat (${values.join(", ")})`);
        options.forEach((o, i) => {
          if (!Array.isArray(o.required) || !o.required.includes(key))
            problems.push(`${path}.oneOf[${i}]: the discriminator ${key} is not required`);
        });
      }
    }
    if (isObject(node.properties))
      for (const [key, sub] of Object.entries(node.properties)) visit(sub, path ? `${path}.${key}` : key);
    for (const combinator of ["oneOf", "anyOf", "allOf"])
      if (Array.isArray(node[combinator]))
        (node[combinator] as unknown[]).forEach((o, i) => visit(o, `${path}.${combinator}[${i}]`));
    if (isObject(node.items)) visit(node.items, `${path}[]`);
  };
  visit(schema, "");
  return problems;
}

function configProblems(schema: unknown, config: unknown): string[] {
  if (!isObject(schema)) return ["no connectionSpecification"];
  let validate;
  try {
    validate = specAjv().compile(schema);
  } catch (error) {
    return [`the spec does not compile: ${errorMessage(error)}`];
  }
  return validate(config) ? [] : [formatErrors(validate.errors)];
}
