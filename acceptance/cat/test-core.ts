// Port of connector_acceptance_test/tests/test_core.py (CAT 3.9): TestSpec, TestConnection,
// TestDiscovery, TestBasicRead, TestConnectorAttributes and TestConnectorDocumentation, test by
// test under CAT's names. Each body keeps CAT's assertions and messages; where CAT needs what a
// process-based runner cannot have (a previous release's image, Airbyte's docs tree) the test skips
// and says why.
import { inspectImage } from "../connector.js";
import type {
  BasicReadTestConfig,
  ConnectionTestConfig,
  ConnectorAttributesConfig,
  DiscoveryTestConfig,
  SpecTestConfig,
} from "../config.js";
import { draft7SchemaProblem, verifyRecordsSchema } from "./asserts.js";
import { filterOutput, recordOf, stateOf, type ConfiguredCatalog, type ConfiguredStream } from "./common.js";
import * as dpath from "./dpath.js";
import {
  findAllValuesForKey,
  findKeywordSchema,
  getExpectedSchemaStructure,
  getObjectStructure,
  JsonSchemaHelper,
} from "./json-schema-helper.js";
import { Ajv } from "ajv";
import { makeHashable, pyEqual } from "./python.js";
import { assert, fail, skip, type CatTest } from "./pytest.js";
import type { Fixtures } from "./session.js";

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);
const DOCS_MSG =
  "See specification reference at https://docs.airbyte.io/connector-development/connector-specification-reference.";

// secret_property_names fixture
const SECRET_PROPERTY_NAMES = [
  "client_token",
  "access_token",
  "api_token",
  "token",
  "secret",
  "client_secret",
  "password",
  "key",
  "service_account_info",
  "service_account",
  "tenant_id",
  "certificate",
  "jwt",
  "credentials",
  "app_id",
  "appid",
  "refresh_token",
];

function failOnErrors(errors: string[]): void {
  if (errors.length > 0) fail(errors.join("\n"));
}

// ---------------------------------------------------------------- TestSpec

type SpecF = Fixtures<SpecTestConfig>;

function isSpecPropertyNameSecret(path: string): [string | undefined, boolean] {
  const reserved = ["anyOf", "oneOf", "allOf", "not", "properties", "items", "type", "prefixItems"];
  for (const part of path.split("/").slice(0, -1).reverse()) {
    if (/^\d+$/.test(part) || reserved.includes(part)) continue;
    return [part, SECRET_PROPERTY_NAMES.includes(part.toLowerCase())];
  }
  return [undefined, false];
}

function propertyCanStoreSecret(prop: Dict): boolean {
  const unsecure = ["string", "integer", "number"];
  if (!("type" in prop)) throw new Error(`KeyError: 'type' in ${JSON.stringify(prop).slice(0, 80)}`);
  const type = prop.type;
  const canStore =
    (typeof type === "string" && unsecure.includes(type)) ||
    (Array.isArray(type) && type.some((t) => unsecure.includes(String(t))));
  if (!canStore) return false;
  return !prop.const; // bool(prop.get("const"))
}

function skipBackwardCompatibility(): never {
  // CAT compares with the previous release's image (previous_connector_docker_runner); a process
  // runner has none to run.
  skip("The previous connector image could not be retrieved.");
}

export const TestSpec: Array<CatTest<SpecF>> = [
  {
    name: "TestSpec.test_config_match_spec",
    async run(fx) {
      const spec = await fx.actualConnectorSpec();
      const raw = await fx.connectorConfig();
      const config = raw === null ? null : Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith("_")));
      let validate;
      try {
        // jsonschema.validate: the spec's draft, no format checking.
        validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
          spec.connectionSpecification as object,
        );
      } catch (error) {
        fail(`Spec is invalid: ${(error as Error).message}`);
      }
      if (!validate(config))
        fail(
          `Config invalid: ${(validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ")}`,
        );
    },
  },
  {
    name: "TestSpec.test_match_expected",
    async run(fx) {
      const expected = await fx.connectorSpec();
      if (!expected)
        skip("The spec.yaml or spec.json does not exist. Hence, comparison with the actual one can't be performed");
      const actual = await fx.connectorSpecDict();
      assert(
        pyEqual(actual, expected),
        `Spec should be equal to the one in spec.yaml or spec.json file${firstDifference(expected, actual)}`,
      );
    },
  },
  {
    name: "TestSpec.test_enum_usage",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const helper = new JsonSchemaHelper(schema);
      for (const path of helper.findNodes(["enum"])) {
        const list = helper.getNode(path);
        const items = Array.isArray(list) ? list : Object.keys(list as object);
        assert(
          new Set(items.map((v) => makeHashable(v))).size === items.length,
          `Enum lists should not contain duplicate values. Misconfigured enum array: ${JSON.stringify(list)}. ${DOCS_MSG}`,
        );
      }
    },
  },
  {
    name: "TestSpec.test_oneof_usage",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const helper = new JsonSchemaHelper(schema);
      for (const variantPath of helper.findNodes(["oneOf", "anyOf"])) {
        const topLevel = helper.getNode(variantPath.slice(0, -1)) as Dict;
        assert(
          topLevel.type === "object",
          `The top-level definition in a \`oneOf\` block should have type: object. misconfigured object: ${JSON.stringify(topLevel)}. ${DOCS_MSG}`,
        );
        const variants = helper.getNode(variantPath) as Dict[];
        for (const variant of variants)
          assert(
            "properties" in variant,
            `Each item in the oneOf array should be a property with type object. ${DOCS_MSG}`,
          );
        const oneofPath = variantPath.join(".");
        const props = variants.map((v) => new Set(Object.keys(v.properties as Dict)));
        const common = [...props[0]!].filter((p) => props.every((set) => set.has(p)));
        assert(common.length, `There should be at least one common property for ${oneofPath} subobjects. ${DOCS_MSG}`);
        const constCommon = common.filter((p) => variants.every((v) => "const" in ((v.properties as Dict)[p] as Dict)));
        assert(
          constCommon.length === 1,
          `There should be exactly one common property with 'const' keyword for ${oneofPath} subobjects. ${DOCS_MSG}`,
        );
        const prop = constCommon[0]!;
        variants.forEach((variant, n) => {
          const obj = (variant.properties as Dict)[prop] as Dict;
          assert(
            !("default" in obj) || pyEqual(obj.default, obj.const),
            `'default' needs to be identical to const in common property ${oneofPath}[${n}].${prop}. It's recommended to just use \`const\`. ${DOCS_MSG}`,
          );
          assert(
            !("enum" in obj) || (Array.isArray(obj.enum) && obj.enum.length === 1 && pyEqual(obj.enum[0], obj.const)),
            `'enum' needs to be an array with a single item identical to const in common property ${oneofPath}[${n}].${prop}. It's recommended to just use \`const\`. ${DOCS_MSG}`,
          );
        });
      }
    },
  },
  // Placeholders in CAT (empty bodies): they always pass.
  { name: "TestSpec.test_required", run() {} },
  { name: "TestSpec.test_optional", run() {} },
  { name: "TestSpec.test_has_secret", run() {} },
  { name: "TestSpec.test_secret_never_in_the_output", run() {} },
  {
    name: "TestSpec.test_secret_is_properly_marked",
    async run(fx) {
      const properties = ((await fx.connectorSpecDict()).connectionSpecification as Dict).properties;
      const exposed: string[] = [];
      const hidden: string[] = [];
      for (const [typePath] of dpath.search(properties, "**/type")) {
        const [, isSecretName] = isSpecPropertyNameSecret(typePath);
        if (!isSecretName) continue;
        const propertyPath = `/${typePath}`.slice(0, `/${typePath}`.lastIndexOf("/"));
        const definition = dpath.get(properties, propertyPath) as Dict;
        const marked = definition.airbyte_secret ?? false;
        const possibly = propertyCanStoreSecret(definition);
        if (marked && !possibly) hidden.push(propertyPath);
        if (!marked && possibly) exposed.push(propertyPath);
      }
      if (hidden.length)
        fail(
          `Some properties are marked with \`airbyte_secret\` although they probably should not be. Please double check them. If they're okay, please fix this test. ${hidden.join(" ")}`,
        );
      if (exposed.length)
        fail(`The following properties should be marked with \`airbyte_secret!\` ${exposed.join(" ")}`);
    },
  },
  {
    name: "TestSpec.test_property_type_is_not_array",
    async run(fx) {
      const errors: string[] = [];
      for (const [typePath, value] of dpath.search(
        (await fx.actualConnectorSpec()).connectionSpecification,
        "**/properties/*/type",
      )) {
        if (!Array.isArray(value)) continue;
        if (value.length !== 2 && value.length !== 1)
          errors.push(
            `${typePath} is not either a simple type or an array of a simple type plus null: ${JSON.stringify(value)} (for example: type: [string, null])`,
          );
        if (value.length === 2 && value[1] !== "null")
          errors.push(
            `Second type of ${typePath} is not null: ${JSON.stringify(value)}. Type can either be a simple type or an array of a simple type plus null (for example: type: [string, null])`,
          );
      }
      failOnErrors(errors);
    },
  },
  {
    name: "TestSpec.test_object_not_empty",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const helper = new JsonSchemaHelper(schema);
      const errors: string[] = [];
      for (const [typePath, value] of dpath.search(schema, "**/type")) {
        if (typePath === "type") continue; // allow empty root object
        if (value === "object") {
          const property = helper.getParent(typePath) as Dict;
          if (!("oneOf" in property) && (!isDict(property.properties) || Object.keys(property.properties).length === 0))
            errors.push(
              `${typePath} is an empty object which will not be represented correctly in the UI. Either remove or add specific properties`,
            );
        }
      }
      failOnErrors(errors);
    },
  },
  {
    name: "TestSpec.test_array_type",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const helper = new JsonSchemaHelper(schema);
      const errors: string[] = [];
      for (const [typePath, value] of dpath.search(schema, "**/type")) {
        const definition = helper.getParent(typePath) as Dict;
        if (value !== "array") continue;
        const items = definition.items;
        if (items === undefined || items === null) continue;
        if (Array.isArray(items)) errors.push(`${typePath} is not just a single item type: ${JSON.stringify(items)}`);
        else if (
          !["object", "string", "number", "integer"].includes((items as Dict).type as string) &&
          !("enum" in (items as Dict))
        )
          errors.push(`Items of ${typePath} has to be either object or string or define an enum`);
      }
      failOnErrors(errors);
    },
  },
  {
    name: "TestSpec.test_forbidden_complex_types",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const forbidden = [
        "not",
        "anyOf",
        "patternProperties",
        "prefixItems",
        "allOf",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependentRequired",
      ];
      const found = new Set<string>();
      for (const key of forbidden) for (const [path] of dpath.search(schema, `**/${key}`)) found.add(path);
      for (const key of forbidden)
        for (const [path] of dpath.search(schema, `**/properties/${key}`)) found.delete(path);
      if (found.size) fail(`Found the following disallowed JSON schema features: ${[...found].join(", ")}`);
    },
  },
  // Only warnings in CAT (detailed_logger.warning): they always pass.
  { name: "TestSpec.test_date_pattern", run() {} },
  { name: "TestSpec.test_date_format", run() {} },
  {
    name: "TestSpec.test_duplicate_order",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const helper = new JsonSchemaHelper(schema);
      const errors: string[] = [];
      for (const [path, properties] of dpath.search(schema, "**/properties")) {
        const definition = helper.getParent(path) as Dict;
        if (definition.type !== "object") continue;
        const used = new Map<string, Set<string>>();
        for (const property of Object.values(properties as Dict) as Dict[]) {
          if (!("order" in property)) continue;
          const group = String(property.group ?? "");
          const orders = used.get(group) ?? new Set<string>();
          used.set(group, orders);
          const order = JSON.stringify(property.order);
          if (orders.has(order)) errors.push(`${path} has duplicate order: ${order}`);
          orders.add(order);
        }
      }
      failOnErrors(errors);
    },
  },
  {
    name: "TestSpec.test_nested_group",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const helper = new JsonSchemaHelper(schema);
      const errors: string[] = [];
      for (const [groupPath] of dpath.search(schema, "/properties/**/group")) {
        const parent = helper.getParentPath(groupPath);
        const named = parent.endsWith("properties");
        if (helper.getParentPath(parent) !== "/properties" && !named)
          errors.push(`Groups can only be defined on top level, is defined at ${groupPath}`);
      }
      failOnErrors(errors);
    },
  },
  {
    name: "TestSpec.test_display_type",
    async run(fx) {
      const schema = (await fx.actualConnectorSpec()).connectionSpecification;
      const helper = new JsonSchemaHelper(schema);
      const errors: string[] = [];
      for (const [path] of dpath.search(schema, "/properties/**/display_type")) {
        const parent = helper.getParentPath(path);
        if (parent.endsWith("properties")) continue;
        const obj = helper.getParent(path) as Dict;
        if (!("oneOf" in obj))
          errors.push(`display_type is only allowed on fields which have a oneOf property, but is set on ${parent}`);
        if (obj.display_type !== "dropdown" && obj.display_type !== "radio")
          errors.push(
            `display_type must be either 'dropdown' or 'radio', but is set to '${String(obj.display_type)}' at ${path}`,
          );
      }
      failOnErrors(errors);
    },
  },
  {
    name: "TestSpec.test_defined_refs_exist_in_json_spec_file",
    async run(fx) {
      assert(
        findAllValuesForKey(await fx.connectorSpecDict(), "$ref").length === 0,
        "Found unresolved `$refs` value in spec.json file",
      );
    },
  },
  {
    name: "TestSpec.test_oauth_flow_parameters",
    async run(fx) {
      const spec = await fx.actualConnectorSpec();
      const auth = spec.advanced_auth as Dict | null | undefined;
      if (!auth) return;
      const paths = new Set<string>();
      if (Array.isArray(auth.predicate_key) && auth.predicate_key.length) paths.add(`/${auth.predicate_key.join("/")}`);
      const oauth = auth.oauth_config_specification as Dict | null | undefined;
      if (oauth)
        for (const key of [
          "oauth_user_input_from_connector_config_specification",
          "complete_oauth_output_specification",
          "complete_oauth_server_output_specification",
        ]) {
          const part = oauth[key] as Dict | null | undefined;
          if (part)
            for (const value of Object.values(part.properties as Dict) as Dict[])
              paths.add(`/${(value.path_in_connector_config as string[]).join("/")}`);
        }
      const expected = new Set(getExpectedSchemaStructure(structuredClone(spec.connectionSpecification) as Dict));
      const diff = [...paths].filter((p) => !expected.has(p));
      assert(diff.length === 0, `Specified oauth fields are missed from spec schema: ${JSON.stringify(diff)}`);
    },
  },
  {
    name: "TestSpec.test_oauth_is_default_method",
    async run(fx) {
      const method = fx.inputs.auth_default_method;
      if (method && !method.oauth) skip(`Skipping OAuth is default method test: ${String(method.bypass_reason)}`);
      const spec = await fx.actualConnectorSpec();
      const auth = spec.advanced_auth as Dict | null | undefined;
      if (!auth) skip("Source does not have OAuth method.");
      const key = auth.predicate_key as string[] | null | undefined;
      if (!key || key.length === 0)
        skip("Advanced Auth object does not have predicate_key, only one option to authenticate.");
      let defaultMethod;
      try {
        defaultMethod = dpath.get(spec.connectionSpecification, `/**/${key[0]}/oneOf/0`);
      } catch (error) {
        if (error instanceof dpath.DpathKeyError) skip("Credentials object does not have oneOf option.");
        throw error;
      }
      const predicateConst = dpath.get(defaultMethod, `/**/${key.slice(1).join("/")}/const`);
      assert(
        pyEqual(predicateConst, auth.predicate_value),
        `Oauth method should be a default option. Current default method is ${String(predicateConst)}.`,
      );
    },
  },
  { name: "TestSpec.test_backward_compatibility", run: skipBackwardCompatibility },
  {
    name: "TestSpec.test_additional_properties_is_true",
    async run(fx) {
      const values = findAllValuesForKey(
        (await fx.actualConnectorSpec()).connectionSpecification,
        "additionalProperties",
      );
      const paths = dpath
        .search((await fx.actualConnectorSpec()).connectionSpecification, "**/additionalProperties")
        .filter(([, v]) => v !== true)
        .map(([p]) => p);
      assert(
        values.every((v) => v === true),
        `When set, additionalProperties field value must be true for backward compatibility. (not true at: ${paths.join(", ")})`,
      );
    },
  },
  {
    name: "TestSpec.test_image_labels",
    async run(fx) {
      const image = dockerImage(fx);
      const metadata = ((await fx.connectorMetadata()).data ?? {}) as Dict;
      assert(
        image.labels["io.airbyte.name"] === metadata.dockerRepository,
        "io.airbyte.name must be equal to dockerRepository in metadata.yaml",
      );
      assert(
        image.labels["io.airbyte.version"] === metadata.dockerImageTag,
        "io.airbyte.version must be equal to dockerImageTag in metadata.yaml",
      );
    },
  },
  {
    name: "TestSpec.test_image_environment_variables",
    run(fx) {
      const image = dockerImage(fx);
      assert(image.env.AIRBYTE_ENTRYPOINT, "AIRBYTE_ENTRYPOINT must be set in dockerfile");
      assert(
        image.env.AIRBYTE_ENTRYPOINT === image.entrypoint.join(" "),
        `assert ${JSON.stringify(image.env.AIRBYTE_ENTRYPOINT)} == ${JSON.stringify(image.entrypoint.join(" "))}`,
      );
    },
  },
];

function dockerImage(fx: Fixtures<SpecTestConfig>) {
  const target = fx.session.target;
  if (target.kind !== "docker")
    skip("the connector runs as a process (--connector), not as a Docker image: run with --image to check the image");
  const image = inspectImage(target.image);
  if (typeof image === "string") fail(image);
  return image;
}

function firstDifference(a: unknown, b: unknown, path = ""): string {
  if (pyEqual(a, b)) return "";
  if (isDict(a) && isDict(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[key], b[key], `${path}.${key}`);
      if (d) return d;
    }
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length)
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  return ` (first difference at ${path || "(root)"})`;
}

// ---------------------------------------------------------------- TestConnection

export const TestConnection: Array<CatTest<Fixtures<ConnectionTestConfig>>> = [
  {
    name: "TestConnection.test_check",
    async run(fx) {
      const config = await fx.connectorConfig();
      const output = await fx.callCheck(config);
      if (fx.inputs.status === "exception") {
        const traces = filterOutput(output, "TRACE");
        assert(traces.length === 1, "A trace message should be emitted in case of unexpected errors");
        const trace = traces[0]!.trace as { error?: { message?: string } };
        assert(trace.error != null, "assert trace.error is not None");
        assert(trace.error.message != null, "assert trace.error.message is not None");
        return;
      }
      const statuses = filterOutput(output, "CONNECTION_STATUS");
      assert(statuses.length === 1, "Connection status message should be emitted exactly once");
      const status = (statuses[0]!.connectionStatus as { status: string; message?: string }).status;
      const want = fx.inputs.status === "succeed" ? "SUCCEEDED" : "FAILED";
      assert(status === want, `assert Status.${status} == Status.${want}`);
    },
  },
];

// ---------------------------------------------------------------- TestDiscovery

type DiscoveryF = Fixtures<DiscoveryTestConfig>;

export const TestDiscovery: Array<CatTest<DiscoveryF>> = [
  {
    name: "TestDiscovery.test_discover",
    async run(fx) {
      const catalogs = filterOutput(await fx.callDiscover(await fx.connectorConfig()), "CATALOG");
      if (catalogs.length === 0) throw new Error("IndexError: list index out of range (no CATALOG message)");
      const streams = (catalogs[0]!.catalog as { streams: Array<{ name: string }> }).streams;
      const counts = new Map<string, number>();
      for (const s of streams) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
      const duplicated = [...counts].filter(([, n]) => n > 1).map(([name]) => name);
      assert(catalogs.length === 1, "Catalog message should be emitted exactly once");
      assert(catalogs[0]!.catalog, "Message should have catalog");
      assert(streams.length, "Catalog should contain streams");
      assert(
        duplicated.length === 0,
        `Catalog should have uniquely named streams, duplicates are: ${duplicated.join(", ")}`,
      );
    },
  },
  {
    name: "TestDiscovery.test_streams_have_valid_json_schemas",
    async run(fx) {
      for (const [name, stream] of await fx.discoveredCatalog()) {
        const problem = draft7SchemaProblem(stream.json_schema);
        if (problem) fail(`jsonschema.exceptions.SchemaError in stream ${name}: ${problem}`);
      }
    },
  },
  {
    name: "TestDiscovery.test_defined_cursors_exist_in_schema",
    async run(fx) {
      for (const [name, stream] of await fx.discoveredCatalog()) {
        if (!stream.default_cursor_field?.length) continue;
        const schema = stream.json_schema;
        assert("properties" in schema, `Top level item should have an 'object' type for ${name} stream schema`);
        const found = dpath.search(schema.properties, stream.default_cursor_field.join("/properties/"));
        assert(
          found.length,
          `Some of defined cursor fields ${JSON.stringify(stream.default_cursor_field)} are not specified in discover schema properties for ${name} stream`,
        );
      }
    },
  },
  {
    name: "TestDiscovery.test_defined_refs_exist_in_schema",
    async run(fx) {
      const errors: string[] = [];
      for (const [name, stream] of await fx.discoveredCatalog())
        if (findAllValuesForKey(stream.json_schema, "$ref").length) errors.push(name);
      assert(errors.length === 0, `Found unresolved \`$refs\` values for selected streams: ${errors.join(", ")}.`);
    },
  },
  ...["allOf", "not"].map((keyword): CatTest<DiscoveryF> => ({
    name: "TestDiscovery.test_defined_keyword_exist_in_schema",
    param: keyword,
    async run(fx) {
      const errors: string[] = [];
      for (const [name, stream] of await fx.discoveredCatalog())
        if (findKeywordSchema(stream.json_schema, keyword)) errors.push(name);
      assert(
        errors.length === 0,
        `Found not allowed \`${keyword}\` keyword for selected streams: ${errors.join(", ")}.`,
      );
    },
  })),
  {
    name: "TestDiscovery.test_primary_keys_exist_in_schema",
    async run(fx) {
      for (const [name, stream] of await fx.discoveredCatalog())
        for (const pk of stream.source_defined_primary_key ?? []) {
          const found = dpath.search(stream.json_schema.properties, pk.join("/properties/"));
          assert(
            found.length,
            `One of the PKs (${JSON.stringify(pk)}) is not specified in discover schema for ${name} stream`,
          );
        }
    },
  },
  {
    name: "TestDiscovery.test_streams_has_sync_modes",
    async run(fx) {
      for (const stream of (await fx.discoveredCatalog()).values()) {
        assert(
          stream.supported_sync_modes != null,
          `The stream ${stream.name} is missing supported_sync_modes field declaration.`,
        );
        assert(
          stream.supported_sync_modes.length > 0,
          `supported_sync_modes list on stream ${stream.name} should not be empty.`,
        );
      }
    },
  },
  {
    name: "TestDiscovery.test_additional_properties_is_true",
    async run(fx) {
      // 3.9.9: any value but false (a stream may have a data field named additionalProperties).
      for (const stream of (await fx.discoveredCatalog()).values()) {
        const values = findAllValuesForKey(stream.json_schema, "additionalProperties");
        assert(
          values.every((v) => v !== false),
          `When set, additionalProperties field value must be true for backward compatibility. (stream ${stream.name})`,
        );
      }
    },
  },
  { name: "TestDiscovery.test_backward_compatibility", run: skipBackwardCompatibility },
  {
    name: "TestDiscovery.test_catalog_has_supported_data_types",
    run() {
      skip("This tests currently leads to too much failures. We need to fix the connectors at scale first.");
    },
  },
  {
    name: "TestDiscovery.test_primary_keys_data_type",
    async run(fx) {
      if (!fx.inputs.validate_primary_keys_data_type) skip("Primary keys data type validation is disabled in config.");
      const errors: string[] = [];
      for (const [name, stream] of await fx.discoveredCatalog()) {
        for (const part of stream.source_defined_primary_key ?? []) {
          let definition;
          try {
            definition = dpath.get(stream.json_schema.properties, part.join("/properties/")) as Dict;
          } catch (error) {
            if (!(error instanceof dpath.DpathKeyError)) throw error;
            errors.push(`Stream ${name} does not have defined primary key in schema`);
            continue;
          }
          const type = definition.type ?? [];
          const types = new Set(typeof type === "string" ? [...type] : (type as string[]));
          if (types.has("object") || types.has("array"))
            errors.push(`Stream ${name} contains primary key with forbidden type of ${JSON.stringify([...types])}`);
        }
      }
      assert(errors.length === 0, errors.join("\n"));
    },
  },
];

// ---------------------------------------------------------------- TestBasicRead

type ReadF = Fixtures<BasicReadTestConfig>;

/** _validate_records_structure: every record shares at least one path with its schema. */
function validateRecordsStructure(records: ReturnType<typeof recordOf>[], catalog: ConfiguredCatalog): void {
  const schemas = new Map(
    catalog.streams.map((s) => [
      s.stream.name,
      new Set(getExpectedSchemaStructure(structuredClone(s.stream.json_schema))),
    ]),
  );
  for (const record of records) {
    const paths = schemas.get(record.stream);
    if (!paths?.size) continue;
    const fields = getObjectStructure(record.data);
    assert(
      fields.some((f) => paths.has(f)),
      `Record from ${record.stream} stream with fields ${JSON.stringify(fields)} should have some fields mentioned by json schema: ${JSON.stringify([...paths])}`,
    );
  }
}

function validateSchema(records: ReturnType<typeof recordOf>[], catalog: ConfiguredCatalog): void {
  validateRecordsStructure(records, catalog);
  const errors = verifyRecordsSchema(records, catalog);
  if (errors.size) {
    const detail = [...errors]
      .map(([stream, map]) => `${stream}: ${[...map.values()].slice(0, 3).join(" | ")}`)
      .join("; ");
    fail(
      `Please check your json_schema in selected streams (${[...errors.keys()].map((s) => `'${s}'`).join(", ")}). ${detail}`,
    );
  }
}

function validateEmptyStreams(
  records: ReturnType<typeof recordOf>[],
  catalog: ConfiguredCatalog,
  allowed: ReadonlyArray<{ name: string }>,
): void {
  const withRecords = new Set(records.map((r) => r.stream));
  const allowedNames = new Set(allowed.map((s) => s.name));
  const without = catalog.streams
    .map((s) => s.stream.name)
    .filter((name) => !withRecords.has(name) && !allowedNames.has(name));
  assert(
    without.length === 0,
    `All streams should return some records, streams without records: ${JSON.stringify(without)}`,
  );
}

function pkValues(record: Dict, primaryKey: string[][]): unknown[] {
  return primaryKey.map((path) =>
    path.reduce<unknown>((data, key) => (isDict(data) ? (data[key] ?? null) : null), record),
  );
}

function validatePrimaryKeysDataType(streams: ConfiguredStream[], records: ReturnType<typeof recordOf>[]): void {
  for (const stream of streams) {
    const pk = stream.stream.source_defined_primary_key;
    if (!pk?.length) continue;
    for (const record of records.filter((r) => r.stream === stream.stream.name)) {
      const values = pkValues(record.data, pk);
      for (const value of values)
        assert(
          value === null || typeof value !== "object",
          `Stream ${record.stream} contains primary key with forbidden type of '${Array.isArray(value) ? "array" : "object"}'`,
        );
      assert(
        values.some((v) => v !== null),
        `Stream ${record.stream} contains primary key with null values in all its parts`,
      );
    }
  }
}

/** _validate_field_appears_at_least_once (validate_data_points) */
function validateFieldAppearsAtLeastOnce(records: ReturnType<typeof recordOf>[], catalog: ConfiguredCatalog): void {
  const empty = new Map<string, string[]>();
  for (const stream of catalog.streams) {
    const data = records.filter((r) => r.stream === stream.stream.name).map((r) => r.data);
    let expected = new Set(getExpectedSchemaStructure(structuredClone(stream.stream.json_schema), true));
    for (const record of data) {
      const paths = new Set(getObjectStructure(record));
      const remove = [...expected].filter((p) => paths.has(p.replace(/\([0-9]*\)/g, "")));
      for (const path of remove) {
        const parts = path.split(/\([0-9]*\)/);
        if (parts.length > 1) expected = new Set([...expected].filter((p) => !p.includes(parts[0]!)));
      }
      for (const path of remove) expected.delete(path);
    }
    if (expected.size) empty.set(stream.stream.name, [...expected].sort());
  }
  assert(
    empty.size === 0,
    `Following streams has records with fields, that are either null or not present in each output record: ${[...empty].map(([s, f]) => `\`${s}\` stream has \`${JSON.stringify(f)}\` empty fields`).join("; ")}`,
  );
}

function compareRecords(
  streamName: string,
  actual: Dict[],
  expected: Dict[],
  exactOrder: boolean,
  catalog: ConfiguredCatalog,
): void {
  const configured = catalog.streams.filter((s) => s.stream.name === streamName);
  if (configured.length !== 1)
    throw new Error(`ValueError: Expected exactly one stream matching name ${streamName} but got ${configured.length}`);
  const pk = configured[0]!.stream.source_defined_primary_key;
  if (pk?.length) {
    const expectedKeys = expected.map((r) => makeHashable(pkValues(r, pk)));
    const actualKeys = actual.map((r) => makeHashable(pkValues(r, pk)));
    if (exactOrder)
      assert(
        pyEqual(actualKeys.slice(0, expectedKeys.length), expectedKeys),
        `Expected to see those primary keys in order in the actual response for stream ${streamName}.`,
      );
    else {
      const have = new Set(actualKeys);
      const missing = expectedKeys.filter((k) => !have.has(k));
      assert(
        missing.length === 0,
        `Expected to see those primary keys in the actual response for stream ${streamName} but they were not found. (${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", ..." : ""})`,
      );
    }
  } else if (expected.length > actual.length) {
    fail(`Expected to have at least as many records than expected for stream ${streamName}.`);
  }
}

function validateStreamStatuses(
  catalog: ConfiguredCatalog,
  statuses: Array<{ stream_descriptor: { name: string; namespace?: string | null }; status: string }>,
): void {
  const key = (d: { name: string; namespace?: string | null }) => `${d.namespace ?? "None"}-${d.name}`;
  const byStream = new Map<string, string[]>();
  for (const s of statuses)
    byStream.set(key(s.stream_descriptor), [...(byStream.get(key(s.stream_descriptor)) ?? []), s.status]);
  const configured = new Set(catalog.streams.map((s) => key(s.stream)));
  assert(
    configured.size === byStream.size && [...configured].every((k) => byStream.has(k)),
    `All stream must emit status (configured: ${[...configured].filter((k) => !byStream.has(k)).join(", ") || "-"} without status; ${[...byStream.keys()].filter((k) => !configured.has(k)).join(", ") || "-"} not configured)`,
  );
  for (const [stream, list] of byStream) {
    assert(
      list.length >= 3,
      `Stream \`${stream}\` statuses should be emitted in the next order: \`STARTED\`, \`RUNNING\`,... \`COMPLETE\` (got ${list.join(", ")})`,
    );
    assert(list[0] === "STARTED", `assert ${list[0]} == STARTED (stream ${stream})`);
    assert(list.at(-1) === "COMPLETE", `assert ${list.at(-1)} == COMPLETE (stream ${stream})`);
    assert(
      list.slice(1, -1).every((s) => s === "RUNNING"),
      `assert all(x == RUNNING for x in ${JSON.stringify(list.slice(1, -1))}) (stream ${stream})`,
    );
  }
}

function validateStateMessages(states: ReturnType<typeof stateOf>[], catalog: ConfiguredCatalog): void {
  assert(
    states.length >= catalog.streams.length,
    `At least one state message should be emitted for each configured stream. (${states.length} STATE messages, ${catalog.streams.length} configured streams)`,
  );
  for (const state of states) {
    if (!state.stream)
      throw new Error(
        "AttributeError: 'NoneType' object has no attribute 'stream_descriptor' (a STATE without `stream`)",
      );
    const name = state.stream.stream_descriptor.name;
    assert(
      state.type !== "LEGACY",
      `Ensure that statuses from the ${name} stream are emitted using either \`STREAM\` or \`GLOBAL\` state types, as the \`LEGACY\` state type is now deprecated.`,
    );
    assert(isDict(state.sourceStats), `Source stats should be in state message. (stream ${name})`);
  }
}

export const TestBasicRead: Array<CatTest<ReadF>> = [
  {
    name: "TestBasicRead.test_read",
    async run(fx) {
      const inputs = fx.inputs;
      const config = await fx.connectorConfig();
      const catalog = await fx.configuredCatalog();
      if (!inputs.validate_schema && fx.strictness === "high")
        fail("High strictness level error: validate_schema must be set to true in the basic read test configuration.");
      const certified = await fx.isConnectorCertified();
      let validateStatuses = inputs.validate_stream_statuses;
      if (validateStatuses == null && certified) validateStatuses = true;
      else if (!validateStatuses && certified)
        fail(
          "High strictness level error: validate_stream_statuses must be set to true in the basic read test configuration.",
        );
      const emptyStreams = await fx.emptyStreams();
      await fx.ignoredFields();
      const expectedByStream = await fx.expectedRecordsByStream();

      const output = await fx.callRead(config, catalog);
      const records = filterOutput(output, "RECORD").map(recordOf);
      const states = filterOutput(output, "STATE").map(stateOf);
      fx.session.basicReads.push({ test: fx.test, catalog, records, expected: expectedByStream });

      assert(records.length, "At least one record should be read using provided catalog");
      if (inputs.validate_schema) validateSchema(records, catalog);
      validateEmptyStreams(records, catalog, emptyStreams);
      if (inputs.validate_primary_keys_data_type) validatePrimaryKeysDataType(catalog.streams, records);
      if (inputs.validate_data_points) validateFieldAppearsAtLeastOnce(records, catalog);
      if (expectedByStream.size) {
        const actualByStream = new Map<string, Dict[]>();
        for (const r of records) actualByStream.set(r.stream, [...(actualByStream.get(r.stream) ?? []), r.data]);
        for (const [stream, expected] of expectedByStream)
          compareRecords(
            stream,
            actualByStream.get(stream) ?? [],
            expected,
            inputs.expect_records?.exact_order ?? false,
            catalog,
          );
      }
      if (validateStatuses) {
        const statuses = filterOutput(output, "TRACE")
          .map((m) => m.trace as { type: string; stream_status?: never })
          .filter((t) => t.type === "STREAM_STATUS")
          .map((t) => t.stream_status!);
        validateStreamStatuses(catalog, statuses);
      }
      if (inputs.validate_state_messages) validateStateMessages(states, catalog);
    },
  },
  {
    name: "TestBasicRead.test_airbyte_trace_message_on_failure",
    async run(fx) {
      if (!fx.inputs.expect_trace_message_on_failure)
        skip("Skipping `test_airbyte_trace_message_on_failure` because `inputs.expect_trace_message_on_failure=False`");
      const invalid: ConfiguredCatalog = {
        streams: [
          {
            stream: {
              name: "__AIRBYTE__stream_that_does_not_exist",
              json_schema: { type: "object", properties: { f1: { type: "string" } } },
              supported_sync_modes: ["full_refresh"],
            },
            sync_mode: "INVALID",
            destination_sync_mode: "INVALID",
          },
        ],
      };
      const output = await fx.callRead(await fx.connectorConfig(), invalid, { expectClean: false });
      const errors = filterOutput(output, "TRACE").filter((m) => (m.trace as { type: string }).type === "ERROR");
      assert(errors.length >= 1, "Connector should emit at least one error trace message");
    },
  },
  {
    name: "TestBasicRead.test_all_supported_file_types_present",
    async run(fx) {
      const data = ((await fx.connectorMetadata()).data ?? {}) as Dict;
      const certifiedFileBased = data.connectorSubtype === "file" && (await fx.isConnectorCertified());
      if (!certifiedFileBased || fx.inputs.file_types.skip_test)
        skip(
          `Skipping the test for supported file types${!certifiedFileBased ? " as it is only applicable for certified file-based connectors" : ""}.`,
        );
      fail("not ported: a certified file-based connector's file types (this runner serves a Salesforce source)");
    },
  },
];

// ---------------------------------------------------------------- TestConnectorAttributes, TestConnectorDocumentation

async function operationalCertification(fx: Fixtures<ConnectorAttributesConfig>, reason: string): Promise<void> {
  if (!(await fx.isConnectorCertified())) skip(reason);
}

export const TestConnectorAttributes: Array<CatTest<Fixtures<ConnectorAttributesConfig>>> = [
  {
    name: "TestConnectorAttributes.test_streams_define_primary_key",
    async run(fx) {
      await operationalCertification(fx, "Skipping operational connector certification test for uncertified connector");
      const catalogs = filterOutput(await fx.callDiscover(await fx.connectorConfig()), "CATALOG");
      const streams = (
        catalogs[0]!.catalog as { streams: Array<{ name: string; source_defined_primary_key?: unknown[] }> }
      ).streams;
      const allowed = new Set((fx.inputs.streams_without_primary_key ?? []).map((s) => s.name));
      const missing = streams
        .filter((s) => !s.source_defined_primary_key?.length && !allowed.has(s.name))
        .map((s) => `'${s.name}'`);
      assert(missing.length === 0, `The following streams ${missing.join(", ")} do not define a primary_key`);
    },
  },
  {
    name: "TestConnectorAttributes.test_certified_connector_has_allowed_hosts",
    async run(fx) {
      await operationalCertification(fx, "Skipping operational connector certification test for uncertified connector");
      if (fx.inputs.allowed_hosts?.bypass_reason)
        skip(`Skipping \`metadata.allowedHosts\` checks. Reason: ${fx.inputs.allowed_hosts.bypass_reason}`);
      const data = ((await fx.connectorMetadata()).data ?? {}) as Dict;
      assert("allowedHosts" in data, "The `allowedHosts` property is missing in `metadata.data` for `metadata.yaml`.");
      const hosts = (data.allowedHosts as Dict | null)?.hosts;
      assert(
        hosts !== undefined,
        "The `hosts` property is missing in `metadata.data.allowedHosts` for `metadata.yaml`.",
      );
      assert(
        Array.isArray(hosts) && hosts.length > 0,
        "The `hosts` empty list is not allowed for `metadata.data.allowedHosts` for certified connectors.",
      );
    },
  },
  {
    name: "TestConnectorAttributes.test_certified_connector_has_suggested_streams",
    async run(fx) {
      await operationalCertification(fx, "Skipping operational connector certification test for uncertified connector");
      if (fx.inputs.suggested_streams?.bypass_reason)
        skip(`Skipping \`metadata.suggestedStreams\` checks. Reason: ${fx.inputs.suggested_streams.bypass_reason}`);
      const data = ((await fx.connectorMetadata()).data ?? {}) as Dict;
      assert(
        "suggestedStreams" in data,
        "The `suggestedStreams` property is missing in `metadata.data` for `metadata.yaml`.",
      );
      const streams = (data.suggestedStreams as Dict | null)?.streams;
      assert(
        streams !== undefined,
        "The `streams` property is missing in `metadata.data.suggestedStreams` for `metadata.yaml`.",
      );
      assert(
        Array.isArray(streams) && streams.length > 0,
        "The `streams` empty list is not allowed for `metadata.data.suggestedStreams` for certified connectors.",
      );
    },
  },
];

export const TestConnectorDocumentation: Array<CatTest<Fixtures<ConnectorAttributesConfig>>> = [
  "test_prerequisites_content",
  "test_docs_structure",
  "test_docs_descriptions",
  "test_validate_links",
].map((test) => ({
  name: `TestConnectorDocumentation.${test}`,
  async run(fx) {
    await operationalCertification(fx, "Skipping testing source connector documentation due to low ql.");
    fail("not ported: CAT reads the connector's page in Airbyte's docs tree (docs/integrations/...)");
  },
}));
