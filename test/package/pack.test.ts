// Does here what the image does: pack the package, install the tarball with production dependencies
// only into an empty folder, and run its `source-salesforce` bin. A runtime dependency left in
// devDependencies, or a file missing from package.json "files", fails this test.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import {
  cliPath,
  jsonLines,
  ofType,
  repoRoot,
  runProcess,
  traceErrors,
  type AirbyteLine,
  type CliRun,
} from "../helpers/cli.js";
import {
  baseConfig,
  discoverThenRead,
  expectEachOnce,
  liveIds,
  records,
  widgetObject,
} from "../helpers/read-fixtures.js";

const INSTALL_TIMEOUT_MS = 4 * 60_000;
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const specJson = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8")) as unknown;

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [],
  );
}

/** package.json of every package in a node_modules tree (nested node_modules included). */
function installedPackages(nodeModules: string): PackageJson[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .flatMap((entry) =>
      entry.name.startsWith("@")
        ? readdirSync(join(nodeModules, entry.name)).map((scoped) => join(nodeModules, entry.name, scoped))
        : [join(nodeModules, entry.name)],
    )
    .filter((dir) => existsSync(join(dir, "package.json")))
    .flatMap((dir) => [
      JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson,
      ...installedPackages(join(dir, "node_modules")),
    ]);
}

interface Run extends CliRun {
  command: string;
}

/** Runs a process to its end; throws on timeout. stdout is parsed as Airbyte lines when `airbyte`. */
async function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; airbyte?: boolean; env?: Record<string, string> },
): Promise<Run> {
  const label = `${command} ${args.join(" ")}`;
  const result = await runProcess(command, args, options);
  return { command: label, ...result, messages: options.airbyte ? jsonLines<AirbyteLine>(result.stdout, label) : [] };
}

let work: string;
let app: string;
let bin: string;
let packedFiles: string[];
let fake: FakeSalesforce;

beforeAll(async () => {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build first`);
  work = mkdtempSync(join(tmpdir(), "sf-pack-"));
  const packDir = join(work, "pack");
  app = join(work, "app");
  mkdirSync(packDir);
  mkdirSync(app);

  const pack = await run("npm", ["pack", "--json", "--pack-destination", packDir], {
    cwd: repoRoot,
    timeoutMs: 60_000,
  });
  expect(pack.code, pack.stderr).toBe(0);
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = packed!.files.map((f) => f.path);
  const tarball = join(packDir, packed!.filename);

  // An empty project that depends on nothing but the tarball, as a user's would.
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "pack-install-check", private: true }));
  const install = await run(
    "npm",
    ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball],
    { cwd: app, timeoutMs: INSTALL_TIMEOUT_MS },
  );
  expect(install.code, install.stderr).toBe(0);
  bin = join(app, "node_modules/.bin/source-salesforce");

  fake = await startFakeSalesforce({ extraObjects: [widgetObject(300)] });
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await fake?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs the installed bin, from a folder outside the install (nothing resolves through the cwd). */
function connector(args: string[], files: Record<string, unknown> = {}): Promise<Run> {
  const dir = mkdtempSync(join(work, "run-"));
  const paths = Object.fromEntries(
    Object.entries(files).map(([name, content]) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(content));
      return [name, path];
    }),
  );
  const resolved = args.map((arg) => (arg.startsWith("@") ? paths[arg.slice(1)]! : arg));
  return run(bin, resolved, {
    cwd: dir,
    timeoutMs: 60_000,
    airbyte: true,
    env: { SOURCE_SALESFORCE_RETRY_BASE_MS: "10", SOURCE_SALESFORCE_POLL_BASE_MS: "5" },
  });
}

const config = () =>
  baseConfig(fake, { streams_criteria: [{ criteria: "exacts", value: "Widget__c" }] }) as Record<string, unknown>;

describe("npm package (pack, install --omit=dev, run)", () => {
  it("the tarball holds dist, spec.json, schemas and README only", () => {
    expect(packedFiles).toContain("package.json");
    expect(packedFiles).toContain("dist/main.js");
    expect(packedFiles).toContain("spec.json");
    expect(packedFiles).toContain("schemas/airbyte_protocol.json");
    const unexpected = packedFiles.filter(
      (p) => !/^(package\.json|README\.md|spec\.json|LICENSE(\.\w+)?|dist\/.*|schemas\/.*)$/.test(p),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles.filter((p) => /\.test\.|\.ts$/.test(p) && !p.endsWith(".d.ts"))).toEqual([]);
  });

  it("installs without devDependencies (unless a production package needs one)", () => {
    const installed = JSON.parse(readFileSync(join(app, "node_modules", pkg.name, "package.json"), "utf8")) as {
      version: string;
    };
    expect(installed.version).toBe(pkg.version);
    expect(existsSync(bin), "node_modules/.bin/source-salesforce").toBe(true);
    const requiredByOthers = new Set(
      installedPackages(join(app, "node_modules"))
        .filter((p) => p.name !== pkg.name)
        .flatMap((p) => Object.keys({ ...p.dependencies, ...p.optionalDependencies, ...p.peerDependencies })),
    );
    const devInstalled = Object.keys(pkg.devDependencies).filter(
      (dep) => existsSync(join(app, "node_modules", dep)) && !requiredByOthers.has(dep),
    );
    expect(devInstalled).toEqual([]);
  });

  it("every package dist/ imports is a production dependency", () => {
    const root = join(app, "node_modules", pkg.name);
    const declared = new Set(Object.keys(pkg.dependencies));
    const imported = new Map<string, string>();
    for (const file of filesUnder(join(root, "dist")).filter((f) => f.endsWith(".js"))) {
      const text = readFileSync(file, "utf8");
      for (const [, specifier] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g)) {
        if (specifier!.startsWith(".") || specifier!.startsWith("node:") || builtinModules.includes(specifier!))
          continue;
        const name = specifier!
          .split("/")
          .slice(0, specifier!.startsWith("@") ? 2 : 1)
          .join("/");
        imported.set(name, relative(root, file));
      }
    }
    expect(imported.size, "dist imports packages").toBeGreaterThan(0);
    expect([...imported].filter(([name]) => !declared.has(name))).toEqual([]);
  });

  it("spec prints spec.json", async () => {
    const result = await connector(["spec"]);
    expect(result.code, result.stderr).toBe(0);
    expect(traceErrors(result)).toEqual([]);
    const specs = ofType(result, "SPEC");
    expect(specs).toHaveLength(1);
    expect(specs[0]!.spec).toEqual(specJson);
  });

  it("check succeeds against the fake Salesforce", async () => {
    const result = await connector(["check", "--config", "@config.json"], { "config.json": config() });
    expect(result.code, result.stderr).toBe(0);
    expect(ofType(result, "CONNECTION_STATUS").map((m) => m.connectionStatus)).toEqual([{ status: "SUCCEEDED" }]);
  });

  it("discover then read returns every record once, exit 0", async () => {
    const { discovered, read } = await discoverThenRead(connector, (file) => `@${file}`, config(), "Widget__c");
    expect(discovered.code, discovered.stderr).toBe(0);
    expect(traceErrors(read)).toEqual([]);
    expect(read.code, read.stderr).toBe(0);
    expect(liveIds(fake, "Widget__c").length).toBeGreaterThan(0);
    expectEachOnce(records(read, "Widget__c"), liveIds(fake, "Widget__c"));
  });
});
