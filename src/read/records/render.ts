// Rendering a record plan: each node becomes a function of the input (a CSV row or a REST record)
// that returns its JSON text; an object is its keys' prefixes and their renderers, compiled once.
import type { Leaf, PlanNode } from "./record-plan.js";

export type Render<T> = (input: T) => string;

export const csvLeaf = (node: Leaf): Render<readonly string[]> => {
  const column = node.column;
  const text = node.encoder.text;
  // `cell ?` is false for "" (empty = null) and for a cell missing from a short row.
  return (row) => {
    const cell = row[column];
    return cell ? text(cell) : "null";
  };
};

export const restLeaf = (node: Leaf): Render<Readonly<Record<string, unknown>>> => {
  const encode = node.encoder.value;
  const path = node.path;
  const first = path[0] ?? "";
  if (path.length === 1) return (record) => encode(record[first]);
  return (record) => {
    let value: unknown = record;
    for (const key of path) {
      if (value === null || typeof value !== "object") return "null";
      value = (value as Record<string, unknown>)[key];
    }
    return encode(value);
  };
};

/**
 * Writes an object from precomputed key prefixes (`"Name":`, comma included after the first) and
 * one renderer per key. A nested relationship (nullWhenEmpty) with nothing but nulls is `null`.
 */
export function renderObject<T>(
  nodes: readonly PlanNode[],
  renderLeaf: (node: Leaf) => Render<T>,
  nullWhenEmpty: boolean,
): Render<T> {
  const prefixes = nodes.map((node, i) => `${i === 0 ? "" : ","}${JSON.stringify(node.name)}:`);
  const renders = nodes.map((node) =>
    node.kind === "leaf" ? renderLeaf(node) : renderObject(node.children, renderLeaf, true),
  );
  const count = nodes.length;
  if (!nullWhenEmpty)
    return (input) => {
      let out = "{";
      for (let i = 0; i < count; i++) out += (prefixes[i] as string) + (renders[i] as Render<T>)(input);
      return out + "}";
    };
  return (input) => {
    let out = "{";
    let empty = true;
    for (let i = 0; i < count; i++) {
      const value = (renders[i] as Render<T>)(input);
      if (value !== "null") empty = false;
      out += (prefixes[i] as string) + value;
    }
    return empty ? "null" : out + "}";
  };
}
