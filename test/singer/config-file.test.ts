import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { rewriteJsonFile } from "../../src/singer/config-file.js";
import { SingerWriter } from "../../src/singer/writer.js";
import type { RawConfig } from "../../src/config.js";

const config = {
  credentials: { auth_type: "oauth2_refresh_token", client_id: "c", client_secret: "s", refresh_token: "new-rt" },
} as RawConfig;

function tempFile(content: string, mode: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "config-file-")), "config.json");
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

describe("rewriteJsonFile", () => {
  it("replaces the file through a renamed temp file, with the old file's mode and nothing left behind", async () => {
    const path = tempFile('{"old": true}', 0o604);
    const inode = statSync(path).ino;
    await rewriteJsonFile(path, config);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(config);
    expect(statSync(path).mode & 0o7777).toBe(0o604);
    expect(statSync(path).ino).not.toBe(inode);
    expect(readdirSync(join(path, ".."))).toEqual(["config.json"]);
  });

  it("follows a symlink: the file it points to is replaced and the link stays", async () => {
    const target = tempFile("{}", 0o600);
    const link = join(mkdtempSync(join(tmpdir(), "config-link-")), "config.json");
    symlinkSync(target, link);
    await rewriteJsonFile(link, config);
    expect(JSON.parse(readFileSync(target, "utf8"))).toEqual(config);
    expect(readFileSync(link, "utf8")).toBe(readFileSync(target, "utf8"));
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it("fails on a file that is gone, leaving no temp file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "config-gone-"));
    await expect(rewriteJsonFile(join(dir, "config.json"), config)).rejects.toMatchObject({ code: "ENOENT" });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("SingerWriter.configChanged", () => {
  function writer(configFile: string) {
    const err = new PassThrough();
    const chunks: string[] = [];
    err.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
    return { writer: new SingerWriter({ configFile, out: new PassThrough(), err }), stderr: () => chunks.join("") };
  }

  it("writes the changed config to the --config file and says so on stderr, without the token", async () => {
    const path = tempFile("{}", 0o600);
    const { writer: w, stderr } = writer(path);
    await w.configChanged(config);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(config);
    expect(stderr()).toBe(`INFO Salesforce rotated the refresh token; the new one is saved in ${path}.\n`);
    expect(w.failed).toBe(false);
  });

  it("when the file cannot be written: an ERROR line naming the file and the fix, and the tap will exit 1", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "config-missing-")), "config.json");
    const { writer: w, stderr } = writer(path);
    await w.configChanged(config);
    expect(stderr()).toMatch(
      new RegExp(`^ERROR Salesforce rotated the refresh token, but ${path} could not be rewritten \\(ENOENT\\)`),
    );
    expect(stderr()).toMatch(/get a new refresh token for credentials\.refresh_token/);
    expect(stderr()).not.toContain("new-rt");
    expect(w.failed).toBe(true);
  });
});
