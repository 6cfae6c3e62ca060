// `npm run demo` end to end: its compiled entry (.tools-build/demo/run.js, what the npm script runs)
// against the built connector. The summary names the demo org's streams, the records of both reads
// (the second = exactly the changes made), and every file it leaves is valid: the config passes the
// spec, the catalog is a configured catalog, the states are Airbyte state messages, every output
// line an Airbyte message. `--serve` brings the org back so a step can be rerun by hand.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_RECORDS } from "../../demo/org.js";
import { cliPath, jsonLines, repoRoot, runCli, runProcess, type AirbyteLine } from "../helpers/cli.js";
import { invalidAgainst, invalidMessages } from "../helpers/protocol.js";

const demoJs = join(repoRoot, ".tools-build/demo/run.js");
const STREAMS = Object.keys(DEMO_RECORDS).sort();

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => statSync(join(dir, f)).mtimeMs),
  );
}

let out: string;
let demo: { code: number | null; stdout: string; stderr: string };
let stdout: string;
const file = (name: string) => join(out, name);
const json = (name: string): unknown => JSON.parse(readFileSync(file(name), "utf8"));
const lines = (name: string): AirbyteLine[] => jsonLines<AirbyteLine>(readFileSync(file(name), "utf8"), name);
const recordsOf = (name: string) =>
  lines(name)
    .filter((m) => m.type === "RECORD")
    .map((m) => m.record as { stream: string; data: Record<string, unknown> });

interface Change {
  stream: string;
  kind: "updated" | "inserted" | "deleted";
  id: string;
}

beforeAll(async () => {
  // Build the demo (as `npm run demo` does with build:tools) when missing or older than its sources.
  const newest = Math.max(newestSource(join(repoRoot, "demo")), newestSource(join(repoRoot, "test/fake-salesforce")));
  if (!existsSync(demoJs) || statSync(demoJs).mtimeMs < newest) {
    spawnSync(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.tools.json"], {
      cwd: repoRoot,
      stdio: "ignore",
    });
  }
  if (!existsSync(demoJs)) throw new Error(`${demoJs} was not built`);
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build first`);
  out = join(mkdtempSync(join(tmpdir(), "sf-demo-")), "demo-output");
  // The demo runs the connector as a user would, without the tests' speed-ups (FAST_RETRIES).
  const run = await runProcess(process.execPath, [demoJs, "--out", out], { cwd: repoRoot, timeoutMs: 120_000 });
  demo = run;
  stdout = run.stdout;
}, 180_000);

describe("npm run demo", () => {
  it("runs every step and exits 0", () => {
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    for (const step of ["1. check", "2. discover", "3. read", "4. changes in the org", "5. read"])
      expect(stdout).toContain(`\n${step}`);
    expect(stdout).toMatch(/^Done in [\d.]+ s; the fake Salesforce is stopped\./m);
  });

  it("summary: the streams discovered, the records of the first read per stream and the API each used", () => {
    const streams = /^ {3}5 streams: (.+)$/m.exec(stdout)?.[1]?.split(", ");
    expect(streams?.slice().sort()).toEqual(STREAMS);
    const total = Object.values(DEMO_RECORDS).reduce((a, b) => a + b, 0);
    expect(stdout).toMatch(new RegExp(`^ {3}${total.toLocaleString("en-US")} records, [1-9]\\d* API calls \\(`, "m"));
    // Records per stream, as the output file holds them.
    const counted = new Map<string, number>();
    for (const { stream } of recordsOf("read-1.jsonl")) counted.set(stream, (counted.get(stream) ?? 0) + 1);
    expect(Object.fromEntries(counted)).toEqual(DEMO_RECORDS);
    const firstRead = stdout.slice(stdout.indexOf("\n3. read"), stdout.indexOf("\n4. "));
    for (const [stream, n] of Object.entries(DEMO_RECORDS)) {
      expect(firstRead).toMatch(
        new RegExp(`^ {5}${stream} +${n.toLocaleString("en-US")}  (Bulk API 2\\.0|REST \\(.+\\))$`, "m"),
      );
    }
    // Which API: the demo's objects are small (under bulk_threshold), so their probes read them
    // through REST; the address and base64 fields keep three streams on REST whatever their size.
    expect(firstRead).toMatch(/^ {5}Opportunity +900 {2}REST \(900 rows, under bulk_threshold 10000\)$/m);
    expect(firstRead).toMatch(/^ {5}Account +400 {2}REST \(the Bulk API cannot select BillingAddress/m);
  });

  it("API calls are Salesforce's count, and the connector's own count agrees", () => {
    const summary = json("summary.json") as { reads: Array<{ apiCalls: number }> };
    for (const [n, read] of summary.reads.entries()) {
      const section = stdout.slice(stdout.indexOf(`\n${n === 0 ? 3 : 5}. read`));
      expect(section).toMatch(new RegExp(`^ {3}[\\d,]+ records?, ${read.apiCalls} API calls`, "m"));
      expect(section).toContain(`the connector's own count: "Sent ${read.apiCalls} Salesforce API requests`);
    }
  });

  it("the second read's records are exactly the changes made; deletes come with IsDeleted (query_all)", () => {
    const changes = json("changes.json") as Change[];
    expect(changes.length).toBeGreaterThan(0);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(["updated", "inserted", "deleted"]));
    const records = recordsOf("read-2.jsonl");
    const key = (stream: string, id: unknown) => `${stream}/${String(id)}`;
    expect(records.map((r) => key(r.stream, r.data.Id)).sort()).toEqual(changes.map((c) => key(c.stream, c.id)).sort());
    expect(
      records
        .filter((r) => r.data.IsDeleted === true)
        .map((r) => key(r.stream, r.data.Id))
        .sort(),
    ).toEqual(
      changes
        .filter((c) => c.kind === "deleted")
        .map((c) => key(c.stream, c.id))
        .sort(),
    );
    const n = changes.length;
    expect(stdout).toContain(`4. changes in the org: ${n} records: `);
    expect(stdout).toMatch(new RegExp(`^ {3}${n} records, \\d+ API calls .*read-2\\.jsonl$`, "m"));
    expect(stdout).toContain(`   = exactly the ${n} changes`);
    expect((json("summary.json") as { secondReadMatchesChanges: boolean }).secondReadMatchesChanges).toBe(true);
  });

  it("the state handed on is each stream's last STATE of the first read, as printed", () => {
    const last = new Map<string, unknown>();
    for (const m of lines("read-1.jsonl").filter((m) => m.type === "STATE"))
      last.set((m.state as { stream: { stream_descriptor: { name: string } } }).stream.stream_descriptor.name, m.state);
    const states = json("state-1.json") as Array<{ stream: { stream_state: { SystemModstamp: string } } }>;
    expect(states).toEqual([...last.values()]);
    const cursor = states[0]!.stream.stream_state.SystemModstamp;
    expect(stdout).toContain(`state handed on: {"SystemModstamp":"${cursor}"} for each of the 5 streams`);
  });

  it("config.json passes the spec", () => {
    const spec = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8")) as { connectionSpecification: object };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(spec.connectionSpecification);
    const config = json("config.json");
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect((config as { login_url: string }).login_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("catalog.json is a valid configured catalog of every stream, incremental on the discovered cursor", () => {
    const catalog = json("catalog.json") as {
      streams: Array<{
        stream: { name: string; default_cursor_field: string[] };
        sync_mode: string;
        cursor_field: string[];
      }>;
    };
    expect(invalidAgainst("ConfiguredAirbyteCatalog", [catalog])).toEqual([]);
    expect(catalog.streams.map((s) => s.stream.name).sort()).toEqual(STREAMS);
    for (const s of catalog.streams) {
      expect(s.sync_mode).toBe("incremental");
      expect(s.cursor_field).toEqual(s.stream.default_cursor_field);
    }
  });

  it("state files are Airbyte STREAM state messages, one per stream, with an ISO cursor", () => {
    for (const name of ["state-1.json", "state-2.json"]) {
      const states = json(name) as Array<{
        type: string;
        stream: { stream_descriptor: { name: string }; stream_state: Record<string, string> };
      }>;
      expect(invalidAgainst("AirbyteStateMessage", states), name).toEqual([]);
      expect(states.map((s) => s.stream.stream_descriptor.name).sort()).toEqual(STREAMS);
      for (const s of states) {
        expect(s.type).toBe("STREAM");
        expect(new Date(s.stream.stream_state.SystemModstamp!).toISOString()).toBe(
          s.stream.stream_state.SystemModstamp,
        );
      }
    }
    // The second read moved every cursor forward.
    const cursor = (name: string) =>
      (json(name) as Array<{ stream: { stream_state: { SystemModstamp: string } } }>)[0]!.stream.stream_state
        .SystemModstamp;
    expect(Date.parse(cursor("state-2.json"))).toBeGreaterThan(Date.parse(cursor("state-1.json")));
  });

  it("every line of every output file is a valid Airbyte message", () => {
    const outputs = readdirSync(out).filter((f) => f.endsWith(".jsonl"));
    expect(outputs.sort()).toEqual(["check.jsonl", "discovered.jsonl", "read-1.jsonl", "read-2.jsonl"]);
    for (const name of outputs) {
      const messages = lines(name);
      expect(messages.length, name).toBeGreaterThan(0);
      expect(invalidMessages(messages, true), name).toEqual([]);
    }
  });

  it("names the folder, lists the files and the commands to rerun each step; the fake is stopped", async () => {
    expect(stdout).toContain(`Every file goes to `);
    for (const name of ["config.json", "catalog.json", "state-1.json", "read-1.jsonl", "read-2.jsonl"])
      expect(existsSync(file(name)), name).toBe(true);
    expect(stdout).toMatch(/node dist\/main\.js check +--config .*config\.json/);
    expect(stdout).toMatch(
      /node dist\/main\.js read +--config .*config\.json --catalog .*catalog\.json --state .*state-1\.json/,
    );
    const url = (json("summary.json") as { url: string }).url;
    await expect(fetch(`${url}/services/data`)).rejects.toThrow();
  });

  it("--serve brings the demo org (with its changes) back: the printed read --state returns the changes again", async () => {
    const child = spawn(process.execPath, [demoJs, "--serve", "--out", out], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let printed = "";
      await new Promise<void>((ready, fail) => {
        child.stdout.on("data", (chunk: Buffer) => {
          printed += chunk.toString();
          if (/points at it/.test(printed)) ready();
        });
        child.on("close", () => fail(new Error(`--serve exited: ${printed}`)));
      });
      const run = await runCli([
        "read",
        "--config",
        file("config.json"),
        "--catalog",
        file("catalog.json"),
        "--state",
        file("state-1.json"),
      ]);
      expect(run.code, run.stderr).toBe(0);
      const changes = json("changes.json") as Change[];
      expect(run.messages.filter((m) => m.type === "RECORD")).toHaveLength(changes.length);
    } finally {
      child.kill("SIGINT");
    }
    const code = await new Promise<number | null>((done) =>
      child.exitCode !== null ? done(child.exitCode) : child.on("close", done),
    );
    expect(code).toBe(0);
  });

  it("stays a dev tool: neither the demo nor the fake is in dist/, the npm package or the Docker build context", async () => {
    const pack = await runProcess("npm", ["pack", "--dry-run", "--json"], { cwd: repoRoot, timeoutMs: 60_000 });
    expect(pack.code, pack.stderr).toBe(0);
    const packed = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(packed.filter((path) => /^(demo|test|\.tools-build)\//.test(path) || /fake/i.test(path))).toEqual([]);
    const built = readdirSync(join(repoRoot, "dist"), { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".js"),
    );
    for (const name of built)
      expect(readFileSync(join(repoRoot, "dist", name), "utf8"), name).not.toMatch(/fake-salesforce|\.\.\/demo\//);
    // .dockerignore is an allow-list: only these top-level entries reach the image's build stage.
    const allowed = readFileSync(join(repoRoot, ".dockerignore"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("!"));
    expect(allowed.filter((line) => /demo|test/.test(line))).toEqual([]);
  });
});
