// Ports of connector_acceptance_test/utils/json_schema_helper.py (JsonSchemaHelper, get_object_structure,
// get_expected_schema_structure) and the schema walkers of utils/common.py
// (find_all_values_for_key_in_schema, find_keyword_schema).
import { get as dpathGet } from "./dpath.js";

type Node = unknown;
type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

export class JsonSchemaHelper {
  constructor(private readonly schema: Node) {}

  /** get_ref("#/definitions/X") */
  getRef(path: string): Node {
    let node = this.schema;
    for (const segment of path.split("/").slice(1)) node = (node as Dict)[segment];
    return node;
  }

  /** get_node(path): follows the path, resolving a `$ref` met on the way. */
  getNode(path: ReadonlyArray<string | number>): Node {
    let node = this.schema;
    for (const segment of path) {
      if (isDict(node) && "$ref" in node) node = this.getRef(String(node.$ref));
      if (node === null || typeof node !== "object" || !(segment in node))
        throw new Error(`KeyError: ${String(segment)}`);
      node = (node as Record<string | number, unknown>)[segment];
    }
    return node;
  }

  /** get_parent_path("a/b/c") -> "/a/b" */
  getParentPath(path: string, separator = "/"): string {
    const absolute = path.startsWith(separator) ? path : `${separator}${path}`;
    return absolute.slice(0, absolute.lastIndexOf(separator));
  }

  /** get_parent(path): the object holding the last segment of the path. */
  getParent(path: string, separator = "/"): Node {
    const parent = this.getParentPath(path, separator);
    if (parent === "") return this.schema;
    return dpathGet(this.schema, parent);
  }

  /** find_nodes(keys): every path whose last segment is one of the keys. */
  findNodes(keys: readonly string[]): Array<Array<string | number>> {
    const found: Array<Array<string | number>> = [];
    const traverse = (node: Node, path: Array<string | number>): void => {
      if (path.length && keys.includes(String(path.at(-1)))) found.push(path);
      if (Array.isArray(node)) node.forEach((item, i) => traverse(item, [...path, i]));
      else if (isDict(node)) for (const [k, v] of Object.entries(node)) traverse(v, [...path, k]);
    };
    traverse(this.schema, []);
    return found;
  }
}

/** get_object_structure(obj): every key path of a record ("/a", "/a/b", "/list/[]/x"). */
export function getObjectStructure(obj: unknown): string[] {
  const paths: string[] = [];
  const traverse = (node: unknown, path: string): void => {
    if (path) paths.push(path);
    if (isDict(node)) for (const [k, v] of Object.entries(node)) traverse(v, `${path}/${k}`);
    else if (Array.isArray(node) && node.length > 0) traverse(node[0], `${path}/[]`);
  };
  traverse(obj, "");
  return paths;
}

/** get_expected_schema_structure(schema): the leaf paths a schema expects records to have. */
export function getExpectedSchemaStructure(schema: Dict, annotateOneOf = false): string[] {
  const paths: string[] = [];
  const root = resolveRefs(schema, schema);
  const scan = (sub: Dict, path: string): void => {
    const variants = (sub.oneOf ?? sub.anyOf) as Dict[] | undefined;
    if ("oneOf" in sub || "anyOf" in sub) {
      (variants ?? []).forEach((s, num) => scan({ type: "object", ...s }, annotateOneOf ? `${path}(${num})` : path));
      return;
    }
    const rawType = sub.type ?? ["object", "null"];
    const types = Array.isArray(rawType) ? rawType : [rawType];
    if (types.includes("object")) {
      const props = sub.properties as Dict | undefined;
      if (!props || Object.keys(props).length === 0) {
        if (path) paths.push(path);
        return;
      }
      for (const [k, v] of Object.entries(props)) scan(v as Dict, `${path}/${k}`);
      return;
    }
    if (types.includes("array")) {
      scan((sub.items ?? {}) as Dict, `${path}/[]`);
      return;
    }
    paths.push(path);
  };
  scan(root as Dict, "");
  return paths;
}

/** JsonRef.replace_refs: local "#/..." references replaced by what they point to. */
function resolveRefs(node: unknown, root: unknown, depth = 0): unknown {
  if (depth > 50) return node;
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, root, depth + 1));
  if (!isDict(node)) return node;
  if (typeof node.$ref === "string" && node.$ref.startsWith("#")) {
    let target: unknown = root;
    for (const segment of node.$ref.slice(1).split("/").filter(Boolean)) target = (target as Dict)?.[segment];
    return resolveRefs(target, root, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(v, root, depth + 1)]));
}

/** find_all_values_for_key_in_schema(schema, key): every value stored under that key, at any depth. */
export function findAllValuesForKey(schema: unknown, searched: string): unknown[] {
  const out: unknown[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isDict(node))
      for (const [k, v] of Object.entries(node)) {
        if (k === searched) out.push(v);
        if (v !== null && typeof v === "object") visit(v);
      }
  };
  visit(schema);
  return out;
}

/** find_keyword_schema(schema, key): the keyword used anywhere but as a property name of an object. */
export function findKeywordSchema(schema: unknown, key: string): boolean {
  const find = (node: unknown, skip: boolean): boolean => {
    if (Array.isArray(node)) return node.some((v) => find(v, false));
    if (isDict(node))
      for (const [k, v] of Object.entries(node)) {
        if (k === key && !skip) return true;
        if (find(v, k === "properties" && node.type === "object")) return true;
      }
    return false;
  };
  return find(schema, false);
}
