// Static checks of the Dockerfile and .dockerignore: they hold without a Docker engine, so the image's
// shape is verified on every CI run (image.test.ts builds and runs it where an engine exists).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/cli.js";

// The matcher testcontainers packs build contexts with (its own dependency, pinned through testcontainers).
// A CommonJS module whose typings declare a default export it does not have: loaded with require.
const dockerignore = createRequire(import.meta.url)(
  "@balena/dockerignore",
) as typeof import("@balena/dockerignore").default;

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions of a Dockerfile: comments and blank lines dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && pending === "")) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (full === "") continue;
    const match = /^(\S+)\s*(.*)$/s.exec(full)!;
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim() });
  }
  return instructions;
}

function stages(instructions: Instruction[]): Stage[] {
  const result: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      const as = words.findIndex((w) => w.toUpperCase() === "AS");
      result.push({ image: words[0]!, name: as >= 0 ? words[as + 1] : undefined, instructions: [] });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

/** `KEY=value KEY2="quoted value"` pairs of ENV and LABEL (the legacy `ENV KEY value` form too). */
function keyValues(args: string): Record<string, string> {
  if (!/^[^\s=]+=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key!]: rest.join(" ") };
  }
  const pairs: Record<string, string> = {};
  const pattern = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const [, key, value] of args.matchAll(pattern)) {
    pairs[key!] =
      value!.startsWith('"') && value!.endsWith('"')
        ? value!.slice(1, -1).replace(/\\(.)/g, "$1")
        : value!.startsWith("'")
          ? value!.slice(1, -1)
          : value!;
  }
  return pairs;
}

const collect = (stage: Stage, keyword: "ENV" | "LABEL"): Record<string, string> =>
  Object.assign({}, ...stage.instructions.filter((i) => i.keyword === keyword).map((i) => keyValues(i.args)));

const only = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);

/** Absolute paths a stage's COPY instructions create, resolved against its WORKDIR. */
function copiedPaths(stage: Stage): Array<{ target: string; from?: string; sources: string[] }> {
  let workdir = "/";
  const copies: Array<{ target: string; from?: string; sources: string[] }> = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === "WORKDIR") {
      workdir = instruction.args.startsWith("/") ? instruction.args : join(workdir, instruction.args);
    }
    if (instruction.keyword !== "COPY" && instruction.keyword !== "ADD") continue;
    const words = instruction.args.split(/\s+/);
    const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
    const paths = words.filter((w) => !w.startsWith("--"));
    const dest = paths.at(-1)!;
    const sources = paths.slice(0, -1);
    const destAbs = dest.startsWith("/") ? dest : join(workdir, dest);
    for (const source of sources) {
      const base = source.replace(/\/+$/, "").split("/").at(-1)!;
      const target = dest.endsWith("/") || dest === "." || sources.length > 1 ? join(destAbs, base) : destAbs;
      copies.push({ target: target.replace(/\/+$/, ""), from, sources });
    }
  }
  return copies;
}

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
};
const metadata = parseYaml(readFileSync(join(repoRoot, "metadata.yaml"), "utf8")) as {
  data: { dockerRepository: string };
};
const allStages = stages(parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8")));
const runtime = allStages.at(-1)!;
const builders = allStages.slice(0, -1);

describe("Dockerfile", () => {
  it("is multi-stage: a full Node 20 image builds, a slim Node 20 image runs", () => {
    expect(allStages.length).toBeGreaterThanOrEqual(2);
    const build = builders.find((s) => only(s, "RUN").some((r) => /\bnpm run build\b/.test(r.args)));
    expect(build, "a stage before the last runs `npm run build`").toBeDefined();
    expect(build!.image).toMatch(
      /^(docker\.io\/)?(library\/)?node:20(\.\d+){0,2}(-(bookworm|bullseye|trixie))?(@sha256:[0-9a-f]{64})?$/,
    );
    expect(
      only(build!, "RUN").some((r) => /\bnpm ci\b/.test(r.args)),
      "the build stage installs with npm ci",
    ).toBe(true);
    expect(runtime.image).toMatch(
      /^(docker\.io\/)?(library\/)?node:20(\.\d+){0,2}-((bookworm|bullseye|trixie)-)?slim(@sha256:[0-9a-f]{64})?$/,
    );
  });

  it("the runtime stage has production dependencies only and never builds", () => {
    const runs = only(runtime, "RUN").map((r) => r.args);
    const installsProd = runs.some((r) => /\bnpm ci\b/.test(r) && /--omit[= ]dev\b/.test(r));
    const copiesPrunedModules = copiedPaths(runtime).some((c) => c.from && c.target.endsWith("/node_modules"));
    expect(installsProd || copiesPrunedModules, "npm ci --omit=dev, or node_modules from a pruned stage").toBe(true);
    expect(runs.some((r) => /\bnpm (run build|install)\b|\bnpm ci\b(?!.*--omit[= ]dev)/.test(r))).toBe(false);
    // The whole context never lands in the runtime image: only named files.
    const wholeContext = copiedPaths(runtime).some((c) => !c.from && c.sources.some((s) => s === "." || s === "./"));
    expect(wholeContext, "no `COPY . …` in the runtime stage").toBe(false);
  });

  it("the runtime stage holds what the connector loads at run time, under /app", () => {
    const targets = copiedPaths(runtime).map((c) => c.target);
    for (const file of ["dist", "spec.json", "schemas/airbyte_protocol.json", "package.json"]) {
      expect(targets, `COPY …/${file} to /app/${file}`).toContain(`/app/${file}`);
    }
    expect(pkg.bin["source-salesforce"]).toBe("dist/main.js");
  });

  it("puts every package.json bin on PATH by name, linked to the file under /app", () => {
    const runs = only(runtime, "RUN").map((r) => r.args);
    for (const [name, file] of Object.entries(pkg.bin)) {
      const link = new RegExp(`\\bln -s(f)? /app/${file.replace(/[.]/g, "\\.")} /usr/local/bin/${name}(\\s|$)`);
      expect(
        runs.some((r) => link.test(r)),
        `ln -s /app/${file} /usr/local/bin/${name}`,
      ).toBe(true);
    }
  });

  it("runs as a non-root user", () => {
    const users = only(runtime, "USER");
    expect(users.length, "a USER in the runtime stage").toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(":")[0]!;
    expect(["root", "0", ""]).not.toContain(user);
  });

  it('ENTRYPOINT is exactly ["node", "/app/dist/main.js"] and AIRBYTE_ENTRYPOINT says the same', () => {
    const entrypoints = only(runtime, "ENTRYPOINT");
    expect(entrypoints).toHaveLength(1);
    expect(JSON.parse(entrypoints[0]!.args)).toEqual(["node", "/app/dist/main.js"]);
    expect(collect(runtime, "ENV").AIRBYTE_ENTRYPOINT).toBe("node /app/dist/main.js");
    // Airbyte passes the command (spec/check/discover/read) as arguments: no CMD may add any.
    expect(only(runtime, "CMD")).toEqual([]);
  });

  it("labels name the image as metadata.yaml does and carry package.json's version", () => {
    const labels = collect(runtime, "LABEL");
    expect(labels["io.airbyte.name"]).toBe(metadata.data.dockerRepository);
    expect(labels["io.airbyte.version"]).toBe(pkg.version);
    if ("org.opencontainers.image.version" in labels) {
      expect(labels["org.opencontainers.image.version"]).toBe(pkg.version);
    }
    if ("org.opencontainers.image.licenses" in labels) {
      expect(labels["org.opencontainers.image.licenses"]).toBe(pkg.license);
    }
  });

  it("uses no BuildKit-only syntax (testcontainers builds with the classic builder)", () => {
    const text = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
    expect(text).not.toMatch(/^#\s*syntax=/m);
    expect(text).not.toMatch(/--mount=|--chmod=|<<\s*['"]?\w+/);
  });
});

describe(".dockerignore", () => {
  const ignore = dockerignore({ ignorecase: false }).add(readFileSync(join(repoRoot, ".dockerignore"), "utf8"));
  const sent = (path: string) => !ignore.ignores(path);

  it("sends what `npm ci` and `npm run build` read", () => {
    const needed = [
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "spec.json",
      "scripts/generated-files.mjs",
      "scripts/generate-types.mjs",
      "scripts/generate-validators.mjs",
      "scripts/postbuild.mjs",
      "schemas/airbyte_protocol.yaml",
      "src/main.ts",
      "src/generated/config.ts",
    ];
    expect(needed.filter((p) => !sent(p))).toEqual([]);
  });

  it("keeps secrets, tests, build output and tooling out of the context", () => {
    const kept = [
      "node_modules/ajv/package.json",
      "dist/main.js",
      ".git/HEAD",
      "test/cli/core.test.ts",
      "test/fake-salesforce/index.ts",
      "bench/run.ts",
      "acceptance/run.ts",
      "integration_tests/configured_catalog.json",
      ".tools-build/bench/run.js",
      "secrets/config.json",
      "config.json",
      "configured_catalog.json",
      ".env",
      "src/.env",
      "src/read/records.test.ts",
      "source-salesforce-0.1.0.tgz",
      "CHANGELOG.md",
      "coverage/index.html",
      "scripts/docker-engine.sh",
      ".ci/run",
    ];
    expect(kept.filter(sent)).toEqual([]);
  });

  it("of the files in this checkout, sends only the build inputs", () => {
    const files: string[] = [];
    const walk = (dir: string, prefix: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = prefix + entry.name;
        if (entry.isDirectory() && path !== "node_modules" && path !== ".git") walk(join(dir, entry.name), path + "/");
        else if (entry.isFile()) files.push(path);
      }
    };
    walk(repoRoot, "");
    expect(files).toContain("src/main.ts");
    const inputs = /^(package\.json|package-lock\.json|tsconfig\.json|spec\.json|(scripts|schemas|src)\/.*)$/;
    expect(files.filter(sent).filter((p) => !inputs.test(p))).toEqual([]);
    expect(files.filter(sent).filter((p) => /\.test\.ts$|(^|\/)\.env/.test(p))).toEqual([]);
  });
});
