// The parts of dpath (the Python library CAT walks schemas with) the ported tests use: search a
// nested object for paths matching a glob ("**/type", "/properties/**/group", "**/properties/*/type")
// and get the single value at a path. Paths are "/"-joined keys and list indices; "*" matches one
// segment (fnmatch), "**" any number of segments, including none; a leading "/" is ignored.

export type Json = unknown;

function segments(glob: string): string[] {
  return glob.replace(/^\/+/, "").split("/");
}

function matchSegment(pattern: string, segment: string): boolean {
  if (pattern === "*") return true;
  if (!/[*?[]/.test(pattern)) return pattern === segment;
  const regex = pattern
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(segment);
}

function matches(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern;
  if (head === "**") {
    for (let skip = 0; skip <= path.length; skip++) if (matches(rest, path.slice(skip))) return true;
    return false;
  }
  return path.length > 0 && matchSegment(head!, path[0]!) && matches(rest, path.slice(1));
}

/** Every (path, value) below `obj` (not `obj` itself), depth first in key order. */
function* walk(obj: Json, path: string[] = []): Generator<[string[], Json]> {
  if (Array.isArray(obj))
    for (const [i, v] of obj.entries()) {
      const here = [...path, String(i)];
      yield [here, v];
      yield* walk(v, here);
    }
  else if (obj !== null && typeof obj === "object")
    for (const [k, v] of Object.entries(obj)) {
      const here = [...path, k];
      yield [here, v];
      yield* walk(v, here);
    }
}

/** dpath.util.search(obj, glob, yielded=True) */
export function search(obj: Json, glob: string): Array<[string, Json]> {
  const pattern = segments(glob);
  const out: Array<[string, Json]> = [];
  for (const [path, value] of walk(obj)) if (matches(pattern, path)) out.push([path.join("/"), value]);
  return out;
}

export class DpathKeyError extends Error {}

/** dpath.util.get(obj, glob): the one value the glob names; KeyError when none, ValueError when several. */
export function get(obj: Json, glob: string): Json {
  const pattern = segments(glob);
  if (!pattern.some((s) => /[*?[]/.test(s))) {
    let node = obj;
    for (const key of pattern) {
      if (key === "") continue;
      if (node === null || typeof node !== "object" || !Object.hasOwn(node, key))
        throw new DpathKeyError(`dpath.util.get: ${glob} not found`);
      node = (node as Record<string, Json>)[key];
    }
    return node;
  }
  const found = search(obj, glob);
  if (found.length === 0) throw new DpathKeyError(`dpath.util.get: ${glob} not found`);
  if (found.length > 1) throw new Error(`dpath.util.get() globs must match only one leaf: ${glob}`);
  return found[0]![1];
}
