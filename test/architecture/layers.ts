// The layer order of src/ (README "Layout") and a checker for it: every import goes to the
// importer's own unit (folder or root file) or to a lower layer, and no chain of imports comes
// back to where it started.
//
// It reads the TypeScript sources, not the compiled JavaScript: `import type` is erased by tsc, and
// a type-only circle (a writer importing the port that imports the writer's LogLevel) is exactly the
// kind of knot this is here to catch. typescript's own preProcessFile lists every import, export-from
// and dynamic import of a file without type-checking it, so no extra dependency is needed.
import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import ts from "typescript";

/** Lowest first. A unit is a folder (`util/`) or a file at the root of src/ (`errors.ts`). */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ["util/", "errors.ts", "log.ts", "durations.ts", "schema-files.ts", "stdout-guard.ts", "heap-tuning.ts"],
  // generated/'s config validator calls durations.ts's parseDurationMs (the maximum_duration keyword).
  ["generated/", "shutdown.ts"],
  ["protocol/"],
  ["config.ts"],
  ["salesforce/"],
  ["soql/"],
  ["query-streams/"],
  ["catalog/"],
  ["read/"],
  ["commands/", "singer/"],
  ["main.ts"],
];

/** Every .ts file under `dir`, keyed by its path relative to `dir` with / separators. */
export function readSources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
        files.set(relative(dir, path).split("\\").join("/"), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return files;
}

function unitOf(file: string): string | undefined {
  return LAYERS.flat().find((unit) => (unit.endsWith("/") ? file.startsWith(unit) : file === unit));
}

function layerOf(unit: string): number {
  return LAYERS.findIndex((layer) => layer.includes(unit));
}

/** The src files `file` imports (relative specifiers only; packages are not ours to order). */
function importsOf(file: string, source: string, files: ReadonlyMap<string, string>): string[] {
  const targets: string[] = [];
  for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const resolved = posix.normalize(posix.join(posix.dirname(file), fileName)).replace(/\.js$/, ".ts");
    targets.push(files.has(resolved) ? resolved : `${resolved} (missing)`);
  }
  return targets;
}

/** What breaks the layering, one line each; empty when the tree obeys it. */
export function layeringViolations(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const [file, source] of files) {
    const unit = unitOf(file);
    if (unit === undefined) {
      problems.push(`${file} is in no layer: add its folder to LAYERS and to the README's Layout`);
      continue;
    }
    const targets = importsOf(file, source, files);
    graph.set(file, targets);
    for (const target of targets) {
      const targetUnit = unitOf(target);
      if (targetUnit === undefined || targetUnit === unit) continue;
      if (layerOf(targetUnit) >= layerOf(unit)) {
        const how = layerOf(targetUnit) === layerOf(unit) ? "a unit of the same layer" : "a higher layer";
        problems.push(`${file} imports ${target}: ${unit} may not import ${targetUnit} (${how})`);
      }
    }
  }
  return [...problems, ...circles(graph).map((circle) => `import circle: ${circle.join(" -> ")}`)];
}

/** Every import that closes a loop, as the loop it closes (depth-first search over the files). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (file: string): void => {
    const at = onPath.indexOf(file);
    if (at >= 0) {
      found.push([...onPath.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    onPath.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    onPath.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return found;
}
