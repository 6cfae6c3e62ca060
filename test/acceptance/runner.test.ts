// The CAT port must fail, naming CAT's test, when a connector breaks a rule; and pass a connector
// that keeps them. It runs here against test/acceptance/fixtures/connector.mjs, whose FIXTURE_MODE
// plants one defect at a time (among them each defect issue 18 found in this connector).
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureConfig, fixtureConnector, fixturesDir, runRunner } from "./helpers.js";

/** Runs the fixture in `mode`; `only` keeps a test to the families it is about (each run costs seconds). */
const run = (mode: string, only?: string, edit?: (yaml: string) => string) =>
  runRunner([
    "--config",
    fixtureConfig(mode, edit),
    "--connector",
    fixtureConnector,
    ...(only ? ["--only", only] : []),
  ]);

const line = (lines: string[], name: string) => lines.find((l) => l.startsWith(`FAIL ${name}`));

describe("the CAT port against a fixture connector", () => {
  it("passes a connector that follows the protocol, naming each test as CAT does, the summary last", async () => {
    const out = await run("good");
    expect(out.failed).toEqual([]);
    expect(out.code).toBe(0);
    expect(out.lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(out.lines.at(-2)).toBe("# CAT: 39 passed, 0 failed, 14 skipped; ours: 4 passed, 0 failed, 0 skipped");
    for (const name of [
      "TestSpec.test_additional_properties_is_true[inputs0]",
      "TestSpec.test_secret_is_properly_marked[inputs0]",
      "TestConnection.test_check[inputs1]",
      "TestDiscovery.test_defined_keyword_exist_in_schema[inputs0-allOf]",
      "TestBasicRead.test_read[inputs0]",
      "TestBasicRead.test_airbyte_trace_message_on_failure[inputs0]",
      "TestFullRefresh.test_sequential_reads[inputs0]",
      "TestIncremental.test_two_sequential_reads[inputs0]",
      "TestIncremental.test_read_sequential_slices[inputs0]",
      "TestIncremental.test_state_with_abnormally_large_values[inputs0]",
      "Ours.test_stdout_is_airbyte_protocol",
    ])
      expect(
        out.lines.some((l) => l.startsWith(`PASS ${name}`)),
        name,
      ).toBe(true);
    // What CAT cannot run here skips with its reason.
    expect(out.lines).toContain(
      "SKIP TestSpec.test_backward_compatibility[inputs0]: The previous connector image could not be retrieved.",
    );
    expect(out.skipped).toContain("TestSpec.test_image_labels[inputs0]");
  });

  it("fails the reads of basic_read, full_refresh and incremental when a catalog with nulls (pydantic .json()) is refused", async () => {
    const out = await run("rejects_null_catalog", "basic_read,full_refresh,incremental");
    expect(out.code).toBe(1);
    // The four tests issue 18 lists; test_read_sequential_slices has no records to step through.
    expect(out.failed).toEqual([
      "TestBasicRead.test_read[inputs0]",
      "TestFullRefresh.test_sequential_reads[inputs0]",
      "TestIncremental.test_two_sequential_reads[inputs0]",
      "TestIncremental.test_state_with_abnormally_large_values[inputs0]",
      "Ours.test_reads_end_cleanly",
    ]);
    expect(line(out.lines, "TestBasicRead.test_read")).toContain(
      "At least one record should be read using provided catalog",
    );
    expect(line(out.lines, "Ours.test_reads_end_cleanly")).toContain("streams.0.stream.namespace: must be string");
  });

  it("fails test_read on a `time` value with a zone, as CAT's format checker (strptime %H:%M:%S) does", async () => {
    const out = await run("time_with_zone", "basic_read");
    expect(out.failed).toEqual(["TestBasicRead.test_read[inputs0]", "Ours.test_expected_records_data"]);
    expect(line(out.lines, "TestBasicRead.test_read")).toContain(
      `Please check your json_schema in selected streams ('items'). items: record 1: /at_time must match format "time" (value "19:02:01.000Z")`,
    );
  });

  it("fails test_read when full-refresh streams emit no STATE (strictness high wants one per stream)", async () => {
    const out = await run("no_full_refresh_state", "basic_read");
    expect(out.failed).toEqual(["TestBasicRead.test_read[inputs0]"]);
    expect(line(out.lines, "TestBasicRead.test_read")).toContain(
      "At least one state message should be emitted for each configured stream. (0 STATE messages, 2 configured streams)",
    );
  });

  it("fails test_read, naming the stream and record, when a record violates its schema", async () => {
    const out = await run("bad_record", "basic_read");
    expect(out.failed).toEqual(["TestBasicRead.test_read[inputs0]"]);
    expect(line(out.lines, "TestBasicRead.test_read")).toContain(
      "items: record 3: /name must be null,string (value 42)",
    );
  });

  it("passes CAT but fails our expected-data check when a record differs from the expected one under the same key", async () => {
    const out = await run("wrong_value", "basic_read");
    expect(out.failed).toEqual(["Ours.test_expected_records_data"]);
    expect(line(out.lines, "Ours.test_expected_records_data")).toContain(
      'items [2] differs in name (expected ["items 2"], read ["changed"])',
    );
  });

  it("fails the incremental tests when incremental reads emit no STATE", async () => {
    const out = await run("no_state", "incremental");
    expect(out.failed).toEqual([
      "TestIncremental.test_two_sequential_reads[inputs0]",
      "TestIncremental.test_state_with_abnormally_large_values[inputs0]",
    ]);
    expect(out.lines).toContain(
      "FAIL TestIncremental.test_two_sequential_reads[inputs0]: First Read should produce at least one state",
    );
  });

  it("fails test_two_sequential_reads and the future-state test when the connector ignores the state", async () => {
    const out = await run("ignores_state", "incremental");
    expect(out.failed).toEqual([
      "TestIncremental.test_two_sequential_reads[inputs0]",
      "TestIncremental.test_state_with_abnormally_large_values[inputs0]",
    ]);
    expect(line(out.lines, "TestIncremental.test_two_sequential_reads")).toContain(
      "Records should change between reads but did not.",
    );
  });

  it("fails test_secret_is_properly_marked when a secret is not marked airbyte_secret", async () => {
    const out = await run("unmarked_secret", "spec");
    // The spec also no longer equals spec.json.
    expect(out.failed).toEqual([
      "TestSpec.test_match_expected[inputs0]",
      "TestSpec.test_secret_is_properly_marked[inputs0]",
    ]);
    expect(line(out.lines, "TestSpec.test_secret_is_properly_marked")).toContain(
      "The following properties should be marked with `airbyte_secret!` /api_token",
    );
  });

  it("fails test_check when a check that should fail succeeds", async () => {
    const out = await run("check_always_succeeds", "connection");
    expect(out.failed).toEqual(["TestConnection.test_check[inputs1]"]);
    expect(out.lines).toContain("FAIL TestConnection.test_check[inputs1]: assert Status.SUCCEEDED == Status.FAILED");
  });
});

describe("acceptance-test-config.yml at strictness high", () => {
  it("refuses configured_catalog_path in basic_read (CAT reads the discovered catalog there)", async () => {
    const out = await run("good", "basic_read", (yaml) =>
      yaml.replace(
        /( {6}- config_path: "config.json"\n)( {8}validate_stream_statuses)/,
        '$1        configured_catalog_path: "configured_catalog.json"\n$2',
      ),
    );
    expect(out.failed).toEqual(["TestBasicRead.test_read[inputs0]"]);
    expect(line(out.lines, "TestBasicRead.test_read")).toContain(
      "High strictness level error: you can't set a custom configured catalog on the basic read test when strictness level is high.",
    );
  });

  it("fails the future-state test when the future state lacks an incremental-capable stream, even one configured full refresh", async () => {
    const dir = mkdtempSync(join(tmpdir(), "future-state-"));
    const future = JSON.parse(readFileSync(join(fixturesDir, "future_state.json"), "utf8")) as Array<{
      stream: { stream_descriptor: { name: string } };
    }>;
    // users is full_refresh in configured_catalog.json, as User is in the repo's catalog.
    writeFileSync(
      join(dir, "future.json"),
      JSON.stringify(future.filter((s) => s.stream.stream_descriptor.name !== "users")),
    );
    const out = await run("good", "incremental", (yaml) =>
      yaml.replace('future_state_path: "future_state.json"', `future_state_path: "${join(dir, "future.json")}"`),
    );
    expect(out.failed).toEqual(["TestIncremental.test_state_with_abnormally_large_values[inputs0]"]);
    expect(line(out.lines, "TestIncremental.test_state_with_abnormally_large_values")).toContain(
      "High test strictness level error: users streams are missing in your future_state file",
    );
  });

  it("wants expected records for every stream of the basic_read catalog", async () => {
    const dir = mkdtempSync(join(tmpdir(), "expected-"));
    const lines = readFileSync(join(fixturesDir, "expected_records.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"items"'));
    writeFileSync(join(dir, "expected.jsonl"), `${lines.join("\n")}\n`);
    const out = await run("good", "basic_read", (yaml) =>
      yaml.replace('path: "expected_records.jsonl"', `path: "${join(dir, "expected.jsonl")}"`),
    );
    expect(out.failed).toEqual(["TestBasicRead.test_read[inputs0]"]);
    expect(line(out.lines, "TestBasicRead.test_read")).toContain(
      "users streams are declared in the catalog but do not have expected records",
    );
  });

  it("fails every test of a family that is not configured, and skips a bypassed one", async () => {
    const missing = await run("good", "full_refresh", (yaml) => yaml.replace(/ {2}full_refresh:\n(?: {4}.*\n)+/, ""));
    expect(missing.failed).toEqual(["TestFullRefresh.test_sequential_reads"]);
    expect(missing.lines).toContain(
      "FAIL TestFullRefresh.test_sequential_reads: TestFullRefresh.test_sequential_reads failed: it was not configured but must be according to the current high test strictness level.",
    );
    const bypassed = await run("good", "full_refresh", (yaml) =>
      yaml.replace(/ {2}full_refresh:\n(?: {4}.*\n)+/, '  full_refresh:\n    bypass_reason: "not relevant here"\n'),
    );
    expect(bypassed.code).toBe(0);
    expect(bypassed.lines).toContain(
      "SKIP TestFullRefresh.test_sequential_reads: Skipping TestFullRefresh.test_sequential_reads: not relevant here",
    );
  });

  it("refuses an unknown key as config.py's models do (extra = forbid)", async () => {
    const out = await run("good", undefined, (yaml) =>
      yaml.replace("validate_stream_statuses: true", "validate_everything: true"),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatch(
      /^FAIL acceptance_config: .*basic_read\.tests\.0: must NOT have additional properties 'validate_everything'/,
    );
    expect(out.summary).toBe("0 passed, 1 failed");
  });
});

describe("the runner", () => {
  it("names a missing connector build and exits non-zero", async () => {
    const out = await runRunner(["--config", fixtureConfig("good"), "--connector", "/nonexistent/main.js"]);
    expect(out.code).toBe(1);
    expect(out.failed).toEqual(["connector"]);
  });

  it("runs only the families --only names", async () => {
    const out = await runRunner([
      "--config",
      fixtureConfig("good"),
      "--connector",
      fixtureConnector,
      "--only",
      "spec,connection",
    ]);
    expect(out.code).toBe(0);
    const tests = out.lines.filter((l) => /^(PASS|FAIL|SKIP) Test/.test(l));
    expect(tests.length).toBe(27);
    expect(tests.every((l) => / Test(Spec|Connection)\./.test(l))).toBe(true);
  });

  it("rejects unknown arguments with usage (exit 2)", async () => {
    const out = await runRunner(["--frobnicate"]);
    expect(out.code).toBe(2);
    expect(out.lines.join("\n")).toContain("unknown argument --frobnicate");
  });
});

describe("--image: the connector as a Docker image", () => {
  it("runs `docker run --rm -i --network host -v <dir>:/data [-e ...] IMAGE cmd --config /data/...` and checks the image", async () => {
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
      const out = await runRunner(["--config", fixtureConfig("bad_record"), "--image", "--only", "spec,basic_read"]);
      expect(out.failed).toEqual(["TestBasicRead.test_read[inputs0]"]);
      // The labels match metadata.yaml, AIRBYTE_ENTRYPOINT the entrypoint.
      expect(out.lines).toContain("PASS TestSpec.test_image_labels[inputs0]");
      expect(out.lines).toContain("PASS TestSpec.test_image_environment_variables[inputs0]");
      const calls = readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as string[])
        .filter((c) => c[0] === "run");
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
