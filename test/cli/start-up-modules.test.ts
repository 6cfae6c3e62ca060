// The CLI never loads ajv's schema compiler: the config and configured-catalog validators are ajv
// standalone code generated at build time (scripts/generate-validators.mjs), so a start costs no
// ajv import and no schema compile (~300 ms a start before). Only ajv's small runtime helpers
// (ajv/dist/runtime/*) may load, required by the generated code. Asserted on the modules the
// process loaded (a preload records require.cache at exit), never on timing.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { cliPath, jsonLines, ofType, repoRoot, runProcess, traceErrors, writeTempFiles } from "../helpers/cli.js";

const PRELOAD = `const { writeFileSync } = require("node:fs");
process.on("exit", () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache))));
`;

/** Runs the built CLI; returns its Airbyte lines and the ajv / ajv-formats files it loaded. */
async function runRecordingModules(args: string[], dir: string) {
  const out = join(dir, "loaded.json");
  const run = await runProcess(process.execPath, ["--require", join(dir, "preload.cjs"), cliPath, ...args], {
    env: { LOADED_MODULES_FILE: out },
    timeoutMs: 30_000,
  });
  const loaded = (JSON.parse(readFileSync(out, "utf8")) as string[])
    .map((path) => relative(join(repoRoot, "node_modules"), path).split("\\").join("/"))
    .filter((path) => /^ajv(-formats)?\//.test(path));
  return { ...run, messages: jsonLines<{ type: string; [key: string]: unknown }>(run.stdout), loaded };
}

/** ajv's compiler and everything that pulls it in: the package entry, core, compile/, vocabularies/. */
const COMPILER = /^ajv\/dist\/(ajv|core|compile\/|vocabularies\/|standalone\/)|^ajv-formats\/dist\/(index|limit)\.js$/;

describe("start-up loads no ajv compiler", () => {
  const files = writeTempFiles({
    "preload.cjs": PRELOAD,
    "bad-config.json": { credentials: { auth_type: "username_password", username: "u" }, lookback_window: "P2Y" },
    "config.json": { credentials: { auth_type: "username_password", username: "u", password: "test-password-0123" } },
    "bad-catalog.json": { streams: [{ stream: { name: "Account" } }] },
  });
  const dir = join(files["preload.cjs"]!, "..");

  it("check validates the config with the generated validator", async () => {
    const run = await runRecordingModules(["check", "--config", files["bad-config.json"]!], dir);
    expect(run.code, run.stderr).toBe(0);
    const [status] = ofType(run, "CONNECTION_STATUS").map((m) => m.connectionStatus as { message: string });
    expect(status!.message).toContain("credentials.password: is required");
    expect(status!.message).toContain("lookback_window: must be at most P1Y");
    expect(run.loaded.filter((path) => COMPILER.test(path))).toEqual([]);
    // The preload sees the generated code's own requires, so an empty list above means something.
    expect(run.loaded).toContain("ajv/dist/runtime/ucs2length.js");
  });

  it("read validates the configured catalog with the generated validator", async () => {
    const run = await runRecordingModules(
      ["read", "--config", files["config.json"]!, "--catalog", files["bad-catalog.json"]!],
      dir,
    );
    expect(run.code, run.stderr).toBe(1);
    expect(traceErrors(run).map((e) => e.message)).toEqual([
      expect.stringMatching(/^The configured catalog is not valid: .*streams\.0: must have required property/),
    ]);
    expect(run.loaded.filter((path) => COMPILER.test(path))).toEqual([]);
  });
});
