// The record plan: the output tree compiled once per column list (a CSV header, or a REST SELECT
// list) from the stream's schema. Each column becomes a leaf with its encoder, at the place its key
// takes in the record; dotted relationship columns nest under a group where the schema declares the
// parent as an object (see RELATIONSHIP_COLUMN_SHAPE in convert.ts).
import type { JsonSchema } from "../../protocol/types.js";
import type { Log } from "../../log.js";
import { encoderFor, stringEncoder, typeTags, type ColumnNulCounter, type Encoder } from "./encoders.js";

export interface Leaf {
  readonly kind: "leaf";
  /** Output key (relative to its parent object). */
  readonly name: string;
  /** Index in the CSV header / field list. */
  readonly column: number;
  /** Path of the value in a REST record: Owner.Name is record.Owner.Name whether written nested or flat. */
  readonly path: readonly string[];
  readonly encoder: Encoder;
}

export interface Group {
  readonly kind: "group";
  readonly name: string;
  readonly children: PlanNode[];
}

export type PlanNode = Leaf | Group;

export function buildPlan(
  schema: JsonSchema,
  columns: readonly string[],
  warn: Log["warn"],
  onNul?: ColumnNulCounter,
): PlanNode[] {
  const top: PlanNode[] = [];
  const columnSet = new Set(columns);
  const undeclared: string[] = [];
  columns.forEach((column, index) => {
    // Also the value's path in a REST record: Owner.Name is record.Owner.Name, nested or flat.
    const path = column.split(".");
    let container = top;
    let containerSchema = schema;
    // Walk down while the schema declares the next segment as a nestable parent object. A parent
    // that is itself selected as a column stays flat, or the object would have the key twice.
    for (let depth = 0; ; depth++) {
      const rest = path.slice(depth).join(".");
      const declared = propertySchema(containerSchema, rest);
      if (declared !== undefined) {
        container.push(leaf(rest, index, path, encoderFor(declared, column, warn, onNul)));
        return;
      }
      const head = path[depth] ?? "";
      const parentSchema = propertySchema(containerSchema, head);
      const parentPath = path.slice(0, depth + 1).join(".");
      if (
        depth === path.length - 1 ||
        parentSchema === undefined ||
        !isNestable(parentSchema) ||
        columnSet.has(parentPath)
      ) {
        // Kept as text, as Bulk gives it; REST values are written as text too so both APIs agree.
        undeclared.push(column);
        container.push(leaf(rest, index, path, stringEncoder(onNul && ((removed) => onNul(column, removed)))));
        return;
      }
      container = findOrAddGroup(container, head).children;
      containerSchema = parentSchema;
    }
  });
  if (undeclared.length > 0)
    warn(
      `Salesforce returned field(s) the stream schema does not declare: ${undeclared.join(", ")}. ` +
        `They are emitted as strings.`,
    );
  return top;
}

function leaf(name: string, column: number, path: readonly string[], encoder: Encoder): Leaf {
  return { kind: "leaf", name, column, path, encoder };
}

function findOrAddGroup(container: PlanNode[], name: string): Group {
  const existing = container.find((node): node is Group => node.kind === "group" && node.name === name);
  if (existing) return existing;
  const group: Group = { kind: "group", name, children: [] };
  container.push(group);
  return group;
}

function propertySchema(schema: JsonSchema, name: string): JsonSchema | undefined {
  const properties = schema["properties"];
  if (properties === null || typeof properties !== "object" || !Object.hasOwn(properties, name)) return undefined;
  const property = (properties as Record<string, unknown>)[name];
  return property !== null && typeof property === "object" ? (property as JsonSchema) : undefined;
}

/** An object property with declared properties: a relationship parent we can write as a nested object. */
function isNestable(schema: JsonSchema): boolean {
  const properties = schema["properties"];
  return typeTags(schema).includes("object") && properties !== null && typeof properties === "object";
}
