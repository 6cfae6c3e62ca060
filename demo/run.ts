/**
 * npm run demo: a real sync against a bundled demo org, in a few seconds, with no Salesforce account.
 * Starts the fake Salesforce (test/fake-salesforce) on a free loopback port with the demo org
 * (demo/org.ts), then runs the built connector as a user would: check, discover, a configured catalog
 * of every stream (incremental where possible), a first read, some changes in the org, and a second
 * read from the first one's state. Prints what each step did and leaves every file in one folder.
 *
 *   npm run demo                       the whole demo, files in ./demo-output
 *   npm run demo -- --out DIR          files in DIR
 *   npm run demo -- --serve [--out DIR]  only the fake with the demo org (and its changes), to rerun
 *                                      the steps by hand; DIR/config.json is pointed at it; Ctrl-C stops it
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { startFakeSalesforce, type FakeSalesforce } from "../test/fake-salesforce/index.js";
import { connectorConfig } from "../test/helpers/connector-config.js";
import {
  apiByStream,
  apiFamily,
  connectorPath,
  failure,
  lastStates,
  logMessages,
  recordCounts,
  recordsOf,
  runConnector,
  type ConnectorRun,
  type Message,
  type StreamStateMessage,
} from "./connector.js";
import { changeDemoOrg, DEMO_RECORDS, demoObjects, type Change } from "./org.js";

const args = process.argv.slice(2);
const outDir = args.includes("--out") ? args[args.indexOf("--out") + 1]! : "demo-output";
const shown = relative(process.cwd(), outDir) || ".";
const file = (name: string): string => join(outDir, name);
const at = (name: string): string => join(shown, name);

/** Every file the demo writes, in the order of its steps. */
const DEMO_FILES = [
  "config.json",
  "check.jsonl",
  "discovered.jsonl",
  "catalog.json",
  "read-1.jsonl",
  "state-1.json",
  "changes.json",
  "read-2.jsonl",
  "state-2.json",
  "summary.json",
];

const print = (line = ""): void => void process.stdout.write(`${line}\n`);
const fmt = (n: number): string => n.toLocaleString("en-US");
const secs = (s: number): string => `${s.toFixed(1)} s`;
const plural = (n: number, word: string): string => `${fmt(n)} ${word}${n === 1 ? "" : "s"}`;

/** The demo org's clock: real time, except while the demo stamps its changes. */
let clock: number | undefined;

function startDemoFake(): Promise<FakeSalesforce> {
  return startFakeSalesforce({
    objects: demoObjects(),
    // A small org's Bulk jobs are done by the first status poll (the connector's real schedule: 0.5 s).
    bulk2PollsUntilComplete: 0,
    now: () => (clock === undefined ? new Date() : new Date(clock++)),
  });
}

function demoConfig(fake: FakeSalesforce): Record<string, unknown> {
  return connectorConfig(fake, {
    // The demo data spans 2023-2025; a small org needs few windows.
    start_date: "2023-01-01",
    stream_slice_step: "P365D",
    // Deleted records come too (IsDeleted = true), so a destination learns of deletes.
    source_action: "query_all",
  });
}

const writeJson = (path: string, value: unknown): void => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

/** The configured catalog the README's jq recipe builds: every stream, incremental where it can be. */
function configuredCatalog(discovered: Message | undefined): { streams: Array<Record<string, unknown>> } {
  const streams = (discovered?.catalog as { streams: Array<Record<string, unknown>> } | undefined)?.streams ?? [];
  return {
    streams: streams.map((stream) => {
      const incremental = (stream.supported_sync_modes as string[]).includes("incremental");
      return {
        stream,
        sync_mode: incremental ? "incremental" : "full_refresh",
        ...(incremental ? { cursor_field: stream.default_cursor_field } : {}),
        destination_sync_mode: incremental ? "append_dedup" : "overwrite",
        primary_key: [["Id"]],
      };
    }),
  };
}

/** API calls as Salesforce counts them (the fake's counter: Composite = 1), by API. */
function apiCalls(fake: FakeSalesforce): string {
  const byFamily = new Map<string, number>();
  for (const { kind } of fake.requests) {
    const family = apiFamily(kind);
    if (family !== undefined) byFamily.set(family, (byFamily.get(family) ?? 0) + 1);
  }
  const parts = [...byFamily].map(([family, n]) => `${family} ${n}`).join(", ");
  return `${plural(fake.apiCallsCounted, "API call")}${parts ? ` (${parts})` : ""}`;
}

function stepFailed(step: string, run: ConnectorRun): never {
  throw new Error(`${step} failed: ${failure(run) ?? "no output"}`);
}

interface ReadSummary {
  records: number;
  perStream: Record<string, number>;
  apis: Record<string, string>;
  apiCalls: number;
  seconds: number;
  states: Record<string, unknown>;
}

/** One read: runs it, prints its records per stream and API, its states, and writes its state file. */
async function read(
  fake: FakeSalesforce,
  n: 1 | 2,
  catalogStreams: string[],
): Promise<{ run: ConnectorRun; summary: ReadSummary }> {
  const stateArgs = n === 2 ? ["--state", file("state-1.json")] : [];
  fake.resetCounts();
  const run = await runConnector(
    ["read", "--config", file("config.json"), "--catalog", file("catalog.json"), ...stateArgs],
    file(`read-${n}.jsonl`),
  );
  if (failure(run)) stepFailed(`read ${n}`, run);
  const counts = recordCounts(run);
  const apis = apiByStream(run);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const states = lastStates(run);
  writeJson(file(`state-${n}.json`), states);
  print(`   ${plural(total, "record")}, ${apiCalls(fake)}, ${secs(run.seconds)} -> ${at(`read-${n}.jsonl`)}`);
  const width = Math.max(...catalogStreams.map((s) => s.length));
  for (const stream of catalogStreams) {
    print(`     ${stream.padEnd(width)} ${fmt(counts.get(stream) ?? 0).padStart(6)}  ${apis.get(stream) ?? "?"}`);
  }
  printStates(states, n);
  const sent = logMessages(run).find((l) => l.message.startsWith("Sent "));
  if (sent) print(`   the connector's own count: "${sent.message}"`);
  const summary = {
    records: total,
    perStream: Object.fromEntries(counts),
    apis: Object.fromEntries(apis),
    apiCalls: fake.apiCallsCounted,
    seconds: run.seconds,
    states: Object.fromEntries(states.map((s) => [s.stream.stream_descriptor.name, s.stream.stream_state])),
  };
  return { run, summary };
}

function printStates(states: StreamStateMessage[], n: number): void {
  const values = new Set(states.map((s) => JSON.stringify(s.stream.stream_state)));
  const where = `-> ${at(`state-${n}.json`)}`;
  if (values.size === 1) {
    print(`   state handed on: ${[...values][0]} for each of the ${states.length} streams ${where}`);
    return;
  }
  print(`   state handed on ${where}:`);
  for (const s of states) print(`     ${s.stream.stream_descriptor.name}: ${JSON.stringify(s.stream.stream_state)}`);
}

/** The latest cursor a state file holds: the demo's changes are stamped just after it. */
function latestCursor(states: StreamStateMessage[]): number {
  const cursors = states.flatMap((s) => Object.values(s.stream.stream_state).map((v) => Date.parse(String(v))));
  const latest = Math.max(...cursors.filter((ms) => Number.isFinite(ms)));
  if (!Number.isFinite(latest)) throw new Error("the first read handed on no state: no stream read incrementally.");
  return latest;
}

function applyChanges(fake: FakeSalesforce, after: number): Change[] {
  clock = after + 1;
  try {
    return changeDemoOrg(fake);
  } finally {
    clock = undefined;
  }
}

function describeChanges(changes: Change[]): string {
  const byStream = new Map<string, Map<string, number>>();
  for (const c of changes) {
    const kinds = byStream.get(c.stream) ?? new Map<string, number>();
    kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    byStream.set(c.stream, kinds);
  }
  return [...byStream]
    .map(([stream, kinds]) => `${stream} ${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ")}`)
    .join("; ");
}

/** Do the second read's records equal the changes: the same (stream, Id) pairs, deletes flagged? */
function matchesChanges(run: ConnectorRun, changes: Change[]): boolean {
  const key = (stream: string, id: unknown) => `${stream}/${String(id)}`;
  const got = recordsOf(run).map((r) => key(r.stream, r.data.Id));
  const expected = changes.map((c) => key(c.stream, c.id));
  const deleted = new Set(changes.filter((c) => c.kind === "deleted").map((c) => key(c.stream, c.id)));
  const flagged = recordsOf(run)
    .filter((r) => r.data.IsDeleted === true)
    .map((r) => key(r.stream, r.data.Id));
  const same = (a: string[], b: string[]) => JSON.stringify(a.slice().sort()) === JSON.stringify(b.slice().sort());
  return same(got, expected) && same(flagged, [...deleted]);
}

function rerunCommands(): string[] {
  const config = at("config.json");
  const catalog = at("catalog.json");
  const node = `node ${relative(process.cwd(), connectorPath)}`;
  return [
    `npm run demo -- --serve${shown === "demo-output" ? "" : ` --out ${shown}`}   # the demo org again, ${config} pointed at it; Ctrl-C stops it`,
    `${node} check    --config ${config}`,
    `${node} discover --config ${config} > ${at("discovered.jsonl")}`,
    `jq -c 'select(.type == "CATALOG") | {streams: [.catalog.streams[] | {stream: ., sync_mode: "incremental", cursor_field: .default_cursor_field, destination_sync_mode: "append_dedup", primary_key: [["Id"]]}]}' ${at("discovered.jsonl")} > ${catalog}`,
    `${node} read     --config ${config} --catalog ${catalog} > ${at("read-1.jsonl")}`,
    `${node} read     --config ${config} --catalog ${catalog} --state ${at("state-1.json")} > ${at("read-2.jsonl")}`,
  ];
}

async function demo(): Promise<boolean> {
  const started = performance.now();
  if (!existsSync(connectorPath)) throw new Error(`${connectorPath} is missing: run npm run build first.`);
  // Only the demo's own files are replaced: --out may name a folder that holds others.
  mkdirSync(outDir, { recursive: true });
  for (const name of DEMO_FILES) rmSync(file(name), { force: true });
  const fake = await startDemoFake();
  try {
    const total = Object.values(DEMO_RECORDS).reduce((a, b) => a + b, 0);
    print(`Demo: a fake Salesforce at ${fake.url} (loopback only) with a demo org of ${fmt(total)} records:`);
    print(
      `      ${Object.entries(DEMO_RECORDS)
        .map(([name, n]) => `${name} ${fmt(n)}`)
        .join(", ")}.`,
    );
    print(`      Every file goes to ${shown}/.`);
    writeJson(file("config.json"), demoConfig(fake));

    print();
    print(`1. check --config ${at("config.json")}`);
    fake.resetCounts();
    const check = await runConnector(["check", "--config", file("config.json")], file("check.jsonl"));
    const status = check.messages.find((m) => m.type === "CONNECTION_STATUS")?.connectionStatus as
      { status: string; message?: string } | undefined;
    if (status?.status !== "SUCCEEDED") stepFailed("check", check);
    print(`   ${status.status}: ${logMessages(check)[0]?.message ?? ""}`);
    print(`   ${apiCalls(fake)}, ${secs(check.seconds)} -> ${at("check.jsonl")}`);

    print();
    print(`2. discover --config ${at("config.json")}`);
    fake.resetCounts();
    const discover = await runConnector(["discover", "--config", file("config.json")], file("discovered.jsonl"));
    const catalog = configuredCatalog(discover.messages.find((m) => m.type === "CATALOG"));
    if (catalog.streams.length === 0) stepFailed("discover", discover);
    const names = catalog.streams.map((s) => (s.stream as { name: string }).name);
    print(`   ${plural(names.length, "stream")}: ${names.join(", ")}`);
    print(`   ${apiCalls(fake)}, ${secs(discover.seconds)} -> ${at("discovered.jsonl")}`);
    writeJson(file("catalog.json"), catalog);
    const incremental = catalog.streams.filter((s) => s.sync_mode === "incremental");
    const cursors = new Set(incremental.map((s) => (s.cursor_field as string[]).join(".")));
    print(
      `   configured catalog: every stream, ${incremental.length} of them incremental on ${[...cursors].join(", ")} -> ${at("catalog.json")}`,
    );

    print();
    print(`3. read --config ${at("config.json")} --catalog ${at("catalog.json")}`);
    const first = await read(fake, 1, names);

    print();
    const changes = applyChanges(fake, latestCursor(lastStates(first.run)));
    print(`4. changes in the org: ${plural(changes.length, "record")}: ${describeChanges(changes)}`);
    print(`   Stamped just after the first read's state, as if made while it ran: a read stops one minute`);
    print(`   before it starts (Salesforce commits can land late), so a change made right now would wait for`);
    print(`   a sync that starts a minute from now.`);
    writeJson(file("changes.json"), changes);

    print();
    print(`5. read --config ${at("config.json")} --catalog ${at("catalog.json")} --state ${at("state-1.json")}`);
    const second = await read(fake, 2, names);
    const matches = matchesChanges(second.run, changes);
    const deletes = changes.filter((c) => c.kind === "deleted").length;
    print(
      matches
        ? `   = exactly the ${plural(changes.length, "change")}; the ${deletes} deleted with IsDeleted = true (source_action: query_all)`
        : `   MISMATCH: the second read's records are not the ${plural(changes.length, "change")} made (see ${at("changes.json")})`,
    );

    const seconds = (performance.now() - started) / 1000;
    writeJson(file("summary.json"), {
      url: fake.url,
      org: DEMO_RECORDS,
      check: { status: status.status, seconds: check.seconds },
      discover: { streams: names, seconds: discover.seconds },
      reads: [first.summary, second.summary],
      changes: changes.length,
      secondReadMatchesChanges: matches,
      seconds,
    });
    print();
    print(`Files in ${shown}/: ${DEMO_FILES.join(", ")}`);
    print(`Rerun a step by hand (the fake stops with the demo; --serve starts it again):`);
    for (const line of rerunCommands()) print(`  ${line}`);
    print(`Done in ${secs(seconds)}; the fake Salesforce is stopped. Next: "Against a real org" in the README.`);
    return matches;
  } finally {
    await fake.stop();
  }
}

/** --serve: the demo org (with its changes, when a first read's state is there) until Ctrl-C. */
async function serve(): Promise<void> {
  if (!existsSync(file("config.json"))) throw new Error(`${at("config.json")} is missing: run npm run demo first.`);
  const stopped = new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  const fake = await startDemoFake();
  try {
    const statePath = file("state-1.json");
    if (existsSync(statePath)) {
      const states = JSON.parse(readFileSync(statePath, "utf8")) as StreamStateMessage[];
      const changes = applyChanges(fake, latestCursor(states));
      print(`The demo's ${plural(changes.length, "change")} are made, stamped just after ${at("state-1.json")}.`);
    }
    const config = JSON.parse(readFileSync(file("config.json"), "utf8")) as Record<string, unknown>;
    writeJson(file("config.json"), { ...config, login_url: fake.url });
    print(`Fake Salesforce with the demo org at ${fake.url}; ${at("config.json")} points at it. Ctrl-C stops it.`);
    for (const line of rerunCommands().slice(1)) print(`  ${line}`);
    await stopped;
  } finally {
    await fake.stop();
  }
}

try {
  if (args.includes("--serve")) await serve();
  else if (!(await demo())) process.exitCode = 1;
} catch (error) {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
