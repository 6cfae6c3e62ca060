// Python semantics the CAT assertions rely on: JSON parsed the way `json.loads` types it (an int
// literal is an `int`, one with a fraction or exponent a `float`), equality as `==` on parsed JSON
// (1 == 1.0 == True), and a canonical form for set/hash-based comparisons (make_hashable).

const floatLiterals = new WeakMap<object, Set<string | number>>();

/**
 * JSON.parse that remembers which numbers were written as floats (`1.0`, `2e3`), so checks that
 * follow Python's `isinstance(value, int)` can tell `1.0` from `1`. Query with isPyFloat.
 */
export function parsePyJson(text: string): unknown {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at position ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const mark = (container: object, key: string | number): void => {
    let set = floatLiterals.get(container);
    if (!set) floatLiterals.set(container, (set = new Set()));
    set.add(key);
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  // JSON strings hold no raw control characters (RFC 8259 §7).
  // eslint-disable-next-line no-control-regex
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const value = (container?: object, key?: string | number): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === "}") return (i++, obj);
      for (;;) {
        ws();
        STRING.lastIndex = i;
        const m = STRING.exec(text) ?? fail();
        i += m[0].length;
        const k = JSON.parse(m[0]) as string;
        ws();
        if (text[i++] !== ":") fail();
        Object.defineProperty(obj, k, { value: value(obj, k), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return (i++, obj);
        else fail();
      }
    }
    if (c === "[") {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === "]") return (i++, arr);
      for (;;) {
        arr.push(value(arr, arr.length));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return (i++, arr);
        else fail();
      }
    }
    if (c === '"') {
      STRING.lastIndex = i;
      const m = STRING.exec(text) ?? fail();
      i += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const)
      if (text.startsWith(word, i)) return ((i += word.length), v);
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text) ?? fail();
    i += m[0].length;
    if ((m[1] || m[2]) && container !== undefined && key !== undefined) mark(container, key);
    return Number(m[0]);
  };
  const result = value();
  ws();
  if (i !== text.length) fail();
  return result;
}

/** Whether `container[key]` was written as a float literal in the JSON parsePyJson read. */
export function isPyFloat(container: unknown, key: string | number): boolean {
  return typeof container === "object" && container !== null && (floatLiterals.get(container)?.has(key) ?? false);
}

/** Python's `type(value)` name for a parsed JSON value: str, int, float, bool, NoneType, dict, list. */
export function pyType(container: unknown, key: string | number): string {
  const value = (container as Record<string | number, unknown>)[key];
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return isPyFloat(container, key) || !Number.isInteger(value) ? "float" : "int";
  return Array.isArray(value) ? "list" : "dict";
}

/** Python `==` on JSON values: numbers and booleans compare by value (True == 1), dicts by keys. */
export function pyEqual(a: unknown, b: unknown): boolean {
  const num = (v: unknown): number | undefined =>
    typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : undefined;
  if (num(a) !== undefined && num(b) !== undefined) return num(a) === num(b);
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => pyEqual(item, b[index]));
  }
  if (typeof a === "object") {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    if (ka.length !== kb.length) return false;
    return ka.every(
      (k) =>
        Object.hasOwn(b as object, k) && pyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    );
  }
  return a === b;
}

/**
 * CAT's make_hashable: a string standing for a JSON value in set comparisons: mappings with sorted
 * keys (less `excludeFields` at the top), lists sorted, so order does not matter.
 */
export function makeHashable(value: unknown, excludeFields: readonly string[] = []): string {
  const hash = (v: unknown, exclude: readonly string[]): unknown => {
    if (Array.isArray(v)) return JSON.stringify(v.map((item) => hash(item, [])).sort());
    if (v !== null && typeof v === "object")
      return JSON.stringify(
        Object.fromEntries(
          Object.keys(v)
            .filter((k) => !exclude.includes(k))
            .sort()
            .map((k) => [k, hash((v as Record<string, unknown>)[k], [])]),
        ),
      );
    return v;
  };
  return JSON.stringify(hash(value, excludeFields));
}

/** Python truthiness of a JSON value (`if state:`). */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}
