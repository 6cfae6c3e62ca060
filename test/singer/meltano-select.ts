// Meltano's catalog rules (what `meltano run` applies to the discovered catalog before a sync),
// ported from meltano/meltano at c139d24 (v4.2.0+270, 2026-08-07):
//   src/meltano/core/plugin/singer/catalog.py  SelectPattern.parse, select_metadata_rules,
//       property_breadcrumb, MetadataRule.match (fnmatch on tap_stream_id and the dotted
//       breadcrumb), the catalog visitor (which dict is a stream, a property, a metadata entry)
//       and MetadataExecutor (ensure_metadata, the legacy stream-level key, no `selected: true`
//       on an `unsupported` entry)
//   src/meltano/core/plugin/singer/tap.py      apply_catalog_rules: `!*.*` first, then the
//       plugin's `select`, then its `metadata` (config_metadata_rules, keys flattened with dots);
//       exec_args: `--config`, `--catalog` when the tap advertises `catalog` (else `--properties`),
//       `--state` when it advertises `state` and a state file has data.
type Node = Record<string, unknown>;

interface MetadataRule {
  tapStreamId: string | string[];
  breadcrumb: string[];
  key: string;
  value: unknown;
  negated: boolean;
}

/** Python's fnmatch.fnmatch on POSIX (case-sensitive): `*`, `?`, `[seq]`, `[!seq]`. */
export function fnmatch(name: string, pattern: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^(?:${re})$`, "s").test(name);
}

function matches(rule: MetadataRule, tapStreamId: string, breadcrumb: string[] | undefined): boolean {
  const patterns = Array.isArray(rule.tapStreamId) ? rule.tapStreamId : [rule.tapStreamId];
  let result = patterns.some((p) => fnmatch(tapStreamId, p));
  if (rule.negated) result = !result;
  if (breadcrumb !== undefined) result &&= fnmatch(breadcrumb.join("."), rule.breadcrumb.join("."));
  return result;
}

export function propertyBreadcrumb(props: readonly string[]): string[] {
  return props.flatMap((p) => ["properties", p]);
}

function parseSelectPattern(raw: string): { stream: string; prop: string | undefined; negated: boolean } {
  const negated = raw.startsWith("!");
  const pattern = negated ? raw.slice(1) : raw;
  const dot = /(?<!\\)\./.exec(pattern);
  const stream = dot ? pattern.slice(0, dot.index) : pattern;
  return { stream: stream.replace(/\\\./g, "."), prop: dot ? pattern.slice(dot.index + 1) : undefined, negated };
}

export function selectMetadataRules(patterns: readonly string[]): MetadataRule[] {
  const include: MetadataRule[] = [];
  const exclude: MetadataRule[] = [];
  for (const raw of patterns) {
    const { stream, prop, negated } = parseSelectPattern(raw);
    const value = !negated;
    const select = (properties: string[] = []): MetadataRule => ({
      tapStreamId: stream,
      breadcrumb: propertyBreadcrumb(properties),
      key: "selected",
      value,
      negated: false,
    });
    const rules = value ? include : exclude;
    if (!prop) {
      rules.push(select(), select(["*"]));
      continue;
    }
    if (value || prop === "*") rules.push(select());
    const props = prop.split(".");
    rules.push(select(props));
    if (value) for (let idx = 1; idx < props.length; idx++) rules.push(select(props.slice(0, idx)));
  }
  return [...include, ...exclude];
}

/** `<tap_stream_id>[.<prop>...].<key>: value` from the plugin's `metadata` extra. */
export function configMetadataRules(metadata: Record<string, unknown>): MetadataRule[] {
  return Object.entries(flattenDots(metadata)).map(([key, value]) => {
    const parts = key.split(".");
    return {
      tapStreamId: parts[0]!,
      breadcrumb: propertyBreadcrumb(parts.slice(1, -1)),
      key: parts.at(-1)!,
      value,
      negated: false,
    };
  });
}

function flattenDots(value: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isNode(child) && Object.keys(child).length > 0) Object.assign(out, flattenDots(child, path));
    else out[path] = child;
  }
  return out;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** MetadataExecutor(rules).visit(catalog): mutates the catalog as Meltano does. */
export function applyMetadataRules(catalog: Node, rules: readonly MetadataRule[]): void {
  let stream: Node | undefined;
  const ensureMetadata = (breadcrumb: string[]): void => {
    const list = stream!.metadata as Array<{ breadcrumb: string[] }>;
    if (list.some((m) => JSON.stringify(m.breadcrumb) === JSON.stringify(breadcrumb))) return;
    list.push({ breadcrumb, metadata: { inclusion: breadcrumb.length <= 2 ? "automatic" : "available" } } as never);
  };
  const setMetadata = (node: Node, key: string, value: unknown): void => {
    if (key === "selected" && value === true && node.inclusion === "unsupported") return;
    node[key] = value;
  };
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child, index) => visit(child, `${path}[${index}]`));
      return;
    }
    if (!isNode(node)) return;
    let kind: "stream" | "property" | "metadata" | undefined;
    if (/streams\[\d+\]$/.test(path)) kind = "stream";
    if (/schema(\.properties\.\w*)+$/.test(path)) kind = "property";
    if (/metadata\[\d+\]$/.test(path) && "breadcrumb" in node) kind = "metadata";
    if (kind === "stream") {
      stream = node;
      node.metadata ??= [];
      ensureMetadata([]);
      for (const rule of rules.filter((r) => matches(r, node.tap_stream_id as string, [])))
        setMetadata(node, rule.key.replace(/-/g, "_"), rule.value); // legacy catalogs' stream-level keys
    } else if (kind === "property") {
      ensureMetadata(path.slice(path.indexOf("properties")).split("."));
    } else if (kind === "metadata") {
      const breadcrumb = node.breadcrumb as string[];
      for (const rule of rules.filter((r) => matches(r, stream!.tap_stream_id as string, breadcrumb)))
        setMetadata(node.metadata as Node, rule.key, rule.value);
    }
    for (const [key, child] of Object.entries(node)) {
      if (kind === "property" && (key === "anyOf" || key === "type")) continue;
      visit(child, `${path}.${key}`);
    }
  };
  visit(catalog, "");
}

/** apply_catalog_rules for a plugin's `select` and `metadata` extras (no custom `_catalog`). */
export function applyCatalogRules(
  catalog: Node,
  extras: { select?: readonly string[]; metadata?: Record<string, unknown> },
): void {
  applyMetadataRules(catalog, [
    ...selectMetadataRules(["!*.*"]),
    ...selectMetadataRules(extras.select ?? []),
    ...configMetadataRules(extras.metadata ?? {}),
  ]);
}

/** SingerTap.exec_args: the arguments Meltano runs a sync with. */
export function execArgs(
  capabilities: readonly string[],
  files: { config: string; catalog?: string; state?: string },
): string[] {
  const args = ["--config", files.config];
  if (files.catalog !== undefined) {
    if (capabilities.includes("catalog")) args.push("--catalog", files.catalog);
    else if (capabilities.includes("properties")) args.push("--properties", files.catalog);
  }
  if (files.state !== undefined && capabilities.includes("state")) args.push("--state", files.state);
  return args;
}
