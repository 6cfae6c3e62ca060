// The acceptance runner must fail, naming the test, when a connector breaks a rule; and pass a
// connector that keeps them. It runs here against test/acceptance/fixtures/connector.mjs.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureConfig, fixtureConnector, fixturesDir, runRunner } from "./helpers.js";

const run = (mode: string, edit?: (yaml: string) => string) =>
  runRunner(["--config", fixtureConfig(mode, edit), "--connector", fixtureConnector]);

describe("acceptance runner against a fixture connector", () => {
  it("passes a connector that follows the protocol, with one line per test and the summary last", async () => {
    const out = await run("good");
    expect(out.failed).toEqual([]);
    expect(out.code).toBe(0);
    expect(out.lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    for (const name of [
      "spec[1].secrets_marked",
      "connection[2].status",
      "discovery[1].primary_keys_in_schema",
      "basic_read[1].expected_records",
      "full_refresh[1].two_reads_identical",
      "incremental[1].read_from_last_state",
      "incremental[1].read_from_intermediate_state",
      "incremental[1].future_state",
    ])
      expect(
        out.lines.some((line) => line.startsWith(`PASS ${name}`)),
        name,
      ).toBe(true);
  });

  it("fails basic_read records_match_schema, naming the record, when a record violates its schema", async () => {
    const out = await run("bad_record");
    expect(out.code).toBe(1);
    expect(out.failed).toEqual(["basic_read[1].records_match_schema"]);
    expect(out.lines.find((l) => l.startsWith("FAIL basic_read[1].records_match_schema"))).toContain(
      "items record 3 (3): /name must be null,string",
    );
    expect(out.summary).toMatch(/^\d+ passed, 1 failed$/);
  });

  it("fails incremental states_emitted and basic_read state_messages when STATE is missing", async () => {
    const out = await run("no_state");
    expect(out.code).toBe(1);
    expect(out.failed).toEqual(["basic_read[1].state_messages", "incremental[1].states_emitted"]);
    expect(out.lines).toContain("FAIL incremental[1].states_emitted: items: no STATE message");
    expect(out.summary).toMatch(/^\d+ passed, 2 failed$/);
  });

  it("fails the reads from a state and the future state when the connector ignores the state", async () => {
    const out = await run("ignores_state");
    expect(out.code).toBe(1);
    expect(out.failed).toEqual([
      "incremental[1].read_from_last_state",
      "incremental[1].read_from_intermediate_state",
      "incremental[1].future_state",
    ]);
    expect(out.lines.find((l) => l.startsWith("FAIL incremental[1].read_from_last_state"))).toContain(
      "before the state 2024-01-06T00:00:00.000Z minus the lookback (2024-01-05T23:50:00.000Z)",
    );
  });

  it("fails expected_records when a record's data differs, naming the record and field", async () => {
    const out = await run("wrong_value");
    expect(out.failed).toEqual(["basic_read[1].expected_records"]);
    expect(out.lines.find((l) => l.startsWith("FAIL basic_read[1].expected_records"))).toContain("2 (name)");
  });

  it("fails spec secrets_marked when a secret is not marked airbyte_secret", async () => {
    const out = await run("unmarked_secret");
    // The spec also no longer equals spec.json.
    expect(out.failed).toEqual(["spec[1].matches_spec_file", "spec[1].secrets_marked"]);
    expect(out.lines).toContain(
      "FAIL spec[1].secrets_marked: api_key looks like a secret but is not marked airbyte_secret",
    );
  });

  it("fails connection status when a check that should fail succeeds", async () => {
    const out = await run("check_always_succeeds");
    expect(out.failed).toEqual(["connection[2].status"]);
    expect(out.lines.find((l) => l.startsWith("FAIL connection[2].status"))).toContain(
      "expected failed: got SUCCEEDED",
    );
  });

  it("uses the connector's lookback_window from the config", async () => {
    // With a 3-day lookback, records from before the last state are allowed again.
    const out = await run("ignores_state", (yaml) =>
      yaml.replace(/config_path: "config.json"/g, 'config_path: "config-lookback.json"'),
    );
    expect(out.failed).toContain("incremental[1].future_state");
    expect(out.lines.find((l) => l.startsWith("FAIL incremental[1].read_from_last_state"))).toContain(
      "minus the lookback (2024-01-03T00:00:00.000Z)",
    );
  });

  it("fails acceptance_config on an unknown key and on what strictness high requires", async () => {
    const unknown = await run("good", (yaml) =>
      yaml.replace("validate_stream_statuses: true", "validate_everything: true"),
    );
    expect(unknown.code).toBe(1);
    expect(unknown.lines[0]).toMatch(
      /^FAIL acceptance_config: .*basic_read.*must NOT have additional properties 'validate_everything'/,
    );
    expect(unknown.summary).toBe("0 passed, 1 failed");

    const noExpect = await run("good", (yaml) => yaml.replace(/ {8}expect_records:\n.*\n.*\n/, ""));
    expect(noExpect.failed).toEqual(["acceptance_config"]);
    expect(noExpect.lines[0]).toContain("basic_read[1]: needs expect_records");
  });

  it("reports a bypassed family as skipped, not failed", async () => {
    const out = await run("good", (yaml) =>
      yaml.replace(/ {2}full_refresh:\n(?: {4}.*\n)+/, '  full_refresh:\n    bypass_reason: "not relevant here"\n'),
    );
    expect(out.code).toBe(0);
    expect(out.lines).toContain("SKIP full_refresh: bypassed: not relevant here");
    expect(out.lines).toContain("# 1 skipped");
  });

  it("names a missing connector build and exits non-zero", async () => {
    const out = await runRunner(["--config", fixtureConfig("good"), "--connector", "/nonexistent/main.js"]);
    expect(out.code).toBe(1);
    expect(out.failed).toEqual(["connector"]);
  });

  it("rejects unknown arguments with usage (exit 2)", async () => {
    const out = await runRunner(["--frobnicate"]);
    expect(out.code).toBe(2);
    expect(out.lines.join("\n")).toContain("unknown argument --frobnicate");
  });
});

describe("--image: the connector as a Docker image", () => {
  it("runs `docker run --rm -i --network host -v <dir>:/data [-e ...] IMAGE cmd --config /data/...`", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-docker-"));
    const log = join(dir, "docker.log");
    writeFileSync(
      join(dir, "docker"),
      `#!/bin/sh\nexec "${process.execPath}" "${join(fixturesDir, "fake-docker.mjs")}" "$@"\n`,
    );
    chmodSync(join(dir, "docker"), 0o755);
    const saved = { PATH: process.env.PATH, FAKE_DOCKER_LOG: process.env.FAKE_DOCKER_LOG };
    process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ""}`;
    process.env.FAKE_DOCKER_LOG = log;
    try {
      // Without a name, --image uses connector_image.
      const out = await runRunner(["--config", fixtureConfig("bad_record"), "--image"]);
      expect(out.failed).toEqual(["basic_read[1].records_match_schema"]);
      const calls = readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as string[]);
      expect(calls.map((c) => c.slice(0, 6))).toEqual(
        calls.map(() => ["run", "--rm", "-i", "--network", "host", "-v"]),
      );
      const read = calls.find((c) => c.includes("read"))!;
      expect(read[6]).toMatch(/:\/data$/);
      expect(read.slice(7)).toEqual([
        "-e",
        "FIXTURE_MODE=bad_record",
        "fixture/source-items:dev",
        "read",
        "--config",
        "/data/config.json",
        "--catalog",
        "/data/catalog.json",
      ]);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.FAKE_DOCKER_LOG === undefined) delete process.env.FAKE_DOCKER_LOG;
      else process.env.FAKE_DOCKER_LOG = saved.FAKE_DOCKER_LOG;
    }
  });
});
