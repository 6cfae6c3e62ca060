import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAYERS, layeringViolations, readSources } from "./layers.js";

const root = join(import.meta.dirname, "../..");
const sources = readSources(join(root, "src"));

/** The tree with `changes` applied: a file's new text, or a new file. */
const planted = (changes: Record<string, string>): Map<string, string> =>
  new Map([...sources, ...Object.entries(changes)]);

describe("layering of src/ (README Layout)", () => {
  it("every import goes to the same unit or a lower layer, and no imports go round in a circle", () => {
    expect(layeringViolations(sources)).toEqual([]);
  });

  it("fails on a planted upward import, naming the file and both units", () => {
    const tree = planted({
      "util/concurrency.ts": `import type { SyncContext } from "../read/scheduler.js";\n${sources.get("util/concurrency.ts")}`,
    });
    expect(layeringViolations(tree)).toContain(
      "util/concurrency.ts imports read/scheduler.ts: util/ may not import read/ (a higher layer)",
    );
  });

  it("fails on a planted import between two units of one layer", () => {
    const tree = planted({ "errors.ts": `import "./durations.js";\n${sources.get("errors.ts")}` });
    expect(layeringViolations(tree)).toContain(
      "errors.ts imports durations.ts: errors.ts may not import durations.ts (a unit of the same layer)",
    );
  });

  it("fails on a planted circle inside one folder, type-only imports included", () => {
    const tree = planted({
      "read/a.ts": `import type { B } from "./b.js";\nexport type A = B;\n`,
      "read/b.ts": `import { type A } from "./a.js";\nexport type B = A | string;\n`,
    });
    expect(layeringViolations(tree)).toContain("import circle: read/a.ts -> read/b.ts -> read/a.ts");
  });

  it("fails on a file in a folder no layer names", () => {
    expect(layeringViolations(planted({ "engine/scheduler.ts": "export {};\n" }))).toContain(
      "engine/scheduler.ts is in no layer: add its folder to LAYERS and to the README's Layout",
    );
  });

  it("the README's Layout table lists the same units, one row each, layer by layer, and each exists", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("\n## Layout"),
      readme.indexOf("\n## ", readme.indexOf("\n## Layout") + 1),
    );
    const rows = section
      .split("\n")
      .map((line) => /^\| (\d+) +\| `([^`]+)`/.exec(line))
      .filter((match) => match !== null);
    const layers: string[][] = [];
    for (const [, layer, unit] of rows) (layers[Number(layer) - 1] ??= []).push(unit!);
    expect(layers).toEqual(LAYERS.map((layer) => [...layer]));
    for (const unit of LAYERS.flat()) {
      expect(
        [...sources.keys()].some((file) => (unit.endsWith("/") ? file.startsWith(unit) : file === unit)),
        unit,
      ).toBe(true);
    }
  });
});
