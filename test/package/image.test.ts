// Builds the Docker image with testcontainers and runs it as Airbyte does: spec, check, discover and a
// small read against the fake Salesforce, a `docker stop` during a read, and both executables by name.
// The container uses the host's network (`--network host`) to reach the fake on 127.0.0.1 (a rootful
// Linux engine; Docker Desktop needs host networking enabled; with rootless Docker the host's loopback
// is not reachable). scripts/docker-engine.sh makes an engine and the base images where it can.
// Without a Docker engine every test here is skipped, with the reason in its name. With an engine but
// no registry for testcontainers' reaper image (ryuk), the reaper is turned off (containers are removed
// by the tests themselves).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  GenericContainer,
  ImageName,
  StartupCheckStrategy,
  getContainerRuntimeClient,
  type ContainerRuntimeClient,
  type StartupStatus,
  Wait,
} from "testcontainers";
import { REAPER_IMAGE } from "testcontainers/build/reaper/reaper.js";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { jsonLines, ofType, repoRoot, traceErrors, type AirbyteLine, type CliRun } from "../helpers/cli.js";
import {
  baseConfig,
  configuredCatalog,
  discoverThenRead,
  expectEachOnce,
  liveIds,
  records,
  widgetObject,
} from "../helpers/read-fixtures.js";
import { airbyteShape, expectNoStatePastUndelivered, invalidAirbyteMessages } from "../helpers/signals.js";

const ENGINE_PROBE_TIMEOUT_MS = 15_000;
const REAPER_PULL_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const RUN_TIMEOUT_MS = 2 * 60_000;

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
const specJson = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8")) as unknown;
const repository = (
  parseYaml(readFileSync(join(repoRoot, "metadata.yaml"), "utf8")) as { data: { dockerRepository: string } }
).data.dockerRepository;
const imageTag = `${repository}:${pkg.version}-test`;

/** The container runtime testcontainers would use, or why there is none. Never waits long. */
async function findEngine(): Promise<{ client: ContainerRuntimeClient } | { reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${ENGINE_PROBE_TIMEOUT_MS} ms`)),
        ENGINE_PROBE_TIMEOUT_MS,
      );
      timer.unref();
    });
    return { client: await Promise.race([getContainerRuntimeClient(), timeout]) };
  } catch (error) {
    let reason = error instanceof Error ? error.message : String(error);
    // The docker CLI usually says why (no daemon, no socket permission) in one line.
    const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 10_000 });
    const detail = (info.stderr ?? "").split("\n").find((line) => line.trim() !== "");
    if (info.status !== 0 && detail) reason += ` (docker info: ${detail.trim()})`;
    return { reason };
  } finally {
    clearTimeout(timer);
  }
}

const engine = await findEngine();
const client = "client" in engine ? engine.client : undefined;
const title = client
  ? `Docker image ${imageTag}`
  : `Docker image (skipped: no Docker engine: ${"reason" in engine ? engine.reason : "unknown"})`;
if (!client) console.warn(title);

/** With no registry for the reaper image, testcontainers would fail every test trying to pull it. */
async function reaperOrNot(engine: ContainerRuntimeClient): Promise<void> {
  if (process.env.TESTCONTAINERS_RYUK_DISABLED === "true") return;
  const image = ImageName.fromString(REAPER_IMAGE);
  if (await engine.image.exists(image)) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${REAPER_PULL_TIMEOUT_MS} ms`)), REAPER_PULL_TIMEOUT_MS);
    });
    await Promise.race([engine.image.pull(image), timeout]);
  } catch (error) {
    process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
    console.warn(
      `Cannot pull ${REAPER_IMAGE} (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): TESTCONTAINERS_RYUK_DISABLED=true`,
    );
  } finally {
    clearTimeout(timer);
  }
}
if (client) await reaperOrNot(client);

/** Ready once the container has exited, whatever its exit code (the test reads the code itself). */
class ExitedStrategy extends StartupCheckStrategy {
  override async checkStartupState(
    docker: Parameters<StartupCheckStrategy["checkStartupState"]>[0],
    containerId: string,
  ): Promise<StartupStatus> {
    const { State: state } = await docker.getContainer(containerId).inspect();
    const finished = state.FinishedAt !== "" && !state.FinishedAt.startsWith("0001-");
    return state.Running || state.Paused || !finished ? "PENDING" : "SUCCESS";
  }
}

/** Docker's multiplexed log stream (8-byte frame headers) as text. */
function demux(buffer: Buffer): string {
  const chunks: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Runs the image with `args` and JSON `files` copied to /data/<name> (as `docker run -v $PWD:/data`
 * would mount them, but also with a remote engine), on the host network. stdout is parsed as Airbyte
 * lines unless an `entrypoint` replaces the connector.
 */
async function runImage(args: string[], files: Record<string, unknown> = {}, entrypoint?: string[]): Promise<CliRun> {
  return runContainer(container(args, files, entrypoint).withWaitStrategy(new ExitedStrategy()), !entrypoint);
}

function container(args: string[], files: Record<string, unknown>, entrypoint?: string[]): GenericContainer {
  let result = new GenericContainer(imageTag)
    .withNetworkMode("host")
    .withCommand(args)
    .withEnvironment({ SOURCE_SALESFORCE_RETRY_BASE_MS: "10", SOURCE_SALESFORCE_POLL_BASE_MS: "5" })
    .withStartupTimeout(RUN_TIMEOUT_MS);
  if (entrypoint) result = result.withEntrypoint(entrypoint);
  const contents = Object.entries(files).map(([name, content]) => ({
    content: JSON.stringify(content),
    target: `/data/${name}`,
    mode: 0o644,
  }));
  return contents.length > 0 ? result.withCopyContentToContainer(contents) : result;
}

/**
 * Starts the container (its wait strategy says when start returns), runs `whileRunning` on it, and
 * returns its output once it has exited; the container is removed in any case.
 */
async function runContainer(
  container: GenericContainer,
  parseMessages: boolean,
  whileRunning?: (handle: ReturnType<ContainerRuntimeClient["container"]["getById"]>) => Promise<void>,
): Promise<CliRun> {
  const started = await container.start();
  const handle = client!.container.getById(started.getId());
  try {
    await whileRunning?.(handle);
    await handle.wait();
    const inspect = await client!.container.inspect(handle);
    const stdout = demux(await handle.logs({ follow: false, stdout: true, stderr: false }));
    const stderr = demux(await handle.logs({ follow: false, stdout: false, stderr: true }));
    const messages = parseMessages ? jsonLines<AirbyteLine>(stdout) : [];
    return { code: inspect.State.ExitCode, stdout, stderr, messages };
  } finally {
    await client!.container.remove(handle, { removeVolumes: true }).catch(() => undefined);
  }
}

let fake: FakeSalesforce;
/** Each Bulk 2.0 results page answers after 3 s: a stop lands while a page is in flight. */
let slowFake: FakeSalesforce;
const config = () => baseConfig(fake, { streams_criteria: [{ criteria: "exacts", value: "Widget__c" }] });

describe.skipIf(!client)(title, () => {
  beforeAll(async () => {
    fake = await startFakeSalesforce({ extraObjects: [widgetObject(300)] });
    slowFake = await startFakeSalesforce({ extraObjects: [widgetObject(300)], bulk2ResultsLatencyMs: 3000 });
    // Built once per run from this checkout (the .dockerignore'd context); removed when the session ends
    // (by the reaper; without one it stays, and the next build reuses its layers). testcontainers'
    // build resolves even when the build fails: the old image is untagged first (its layers kept as
    // cache), so a failed build leaves no image under the tag.
    await client!.container.dockerode
      .getImage(imageTag)
      .remove({ noprune: true })
      .catch(() => undefined);
    await GenericContainer.fromDockerfile(repoRoot).build(imageTag, { deleteOnExit: true });
    const image = await client!.image.inspect(ImageName.fromString(imageTag)).catch(() => {
      throw new Error(`Building ${imageTag} failed; \`DOCKER_BUILDKIT=0 docker build .\` shows why.`);
    });
    process.stderr.write(`${imageTag}: ${(image.Size / 1e6).toFixed(1)} MB\n`);
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await fake?.stop();
    await slowFake?.stop();
  });

  it("carries the Airbyte labels, entrypoint and a non-root user", async () => {
    const image = await client!.image.inspect(ImageName.fromString(imageTag));
    expect(image.Config.Labels?.["io.airbyte.name"]).toBe(repository);
    expect(image.Config.Labels?.["io.airbyte.version"]).toBe(pkg.version);
    expect(image.Config.Entrypoint).toEqual(["node", "/app/dist/main.js"]);
    expect(image.Config.Env).toContain("AIRBYTE_ENTRYPOINT=node /app/dist/main.js");
    expect(["", "root", "0"]).not.toContain(image.Config.User.split(":")[0]);
  });

  it(
    "holds the runtime files and production dependencies only, runs as a non-root uid",
    async () => {
      const script = [
        "id -u",
        "echo ---",
        "ls -A /app",
        "echo ---",
        "ls -A /app/node_modules",
        "echo ---",
        "find /app -path /app/node_modules -prune -o -type f \\( -name '*.ts' -o -name '*.test.*' \\) -print",
      ].join("; ");
      const result = await runImage([], {}, ["sh", "-c", script]);
      expect(result.code, result.stderr).toBe(0);
      const [uid, app, modules, sources] = result.stdout.split("---\n").map((part) => part.split("\n").filter(Boolean));
      expect(uid![0]).not.toBe("0");
      expect(app!.slice().sort()).toEqual([
        "dist",
        "node_modules",
        "package-lock.json",
        "package.json",
        "schemas",
        "spec.json",
      ]);
      for (const tool of ["typescript", "vitest", "testcontainers", "eslint", "json-schema-to-typescript"]) {
        expect(modules, `${tool} is a devDependency`).not.toContain(tool);
      }
      expect(sources ?? []).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "spec prints spec.json",
    async () => {
      const result = await runImage(["spec"]);
      expect(result.code, result.stderr).toBe(0);
      expect(ofType(result, "SPEC").map((m) => m.spec)).toEqual([specJson]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "check succeeds against the fake Salesforce",
    async () => {
      const result = await runImage(["check", "--config", "/data/config.json"], { "config.json": config() });
      expect(result.code, result.stderr).toBe(0);
      expect(ofType(result, "CONNECTION_STATUS").map((m) => m.connectionStatus)).toEqual([{ status: "SUCCEEDED" }]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "discover then read returns every record once, exit 0",
    async () => {
      const { discovered, read } = await discoverThenRead(runImage, (file) => `/data/${file}`, config(), "Widget__c");
      expect(discovered.code, discovered.stderr).toBe(0);
      expect(traceErrors(read)).toEqual([]);
      expect(read.code, read.stderr).toBe(0);
      expectEachOnce(records(read, "Widget__c"), liveIds(fake, "Widget__c"));
    },
    2 * RUN_TIMEOUT_MS,
  );

  it(
    "docker stop during a read: exit 143 within 10 s, valid messages, no STATE past undelivered records",
    async () => {
      const slowConfig = baseConfig(slowFake, {
        streams_criteria: [{ criteria: "exacts", value: "Widget__c" }],
        start_date: "2023-01-01",
        stream_slice_step: "P365D",
        // Bulk windows (the REST probe would read this small object in one request, before the stop).
        bulk_threshold: 0,
      });
      const catalog = await configuredCatalog(slowConfig, { Widget__c: "incremental" });
      let stopMs = 0;
      const files = { "config.json": slowConfig, "catalog.json": catalog };
      const args = ["read", "--config", "/data/config.json", "--catalog", "/data/catalog.json"];
      // Started once the first window's STATE is out; a second later the next window's page is in flight.
      const read = await runContainer(
        container(args, files).withWaitStrategy(Wait.forLogMessage(/"type":"STATE"/)),
        true,
        async (handle) => {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const requestsBefore = slowFake.requests.length;
          const t0 = Date.now();
          // What `docker stop` does: SIGTERM, then SIGKILL after the grace period (Kubernetes' 30 s).
          await client!.container.stop(handle, { timeout: 30_000 });
          stopMs = Date.now() - t0;
          expect(slowFake.requests.length, "no request after SIGTERM").toBe(requestsBefore);
        },
      );
      expect(read.code, `${read.stderr}\n(137 = killed after the grace period)`).toBe(143);
      expect(stopMs).toBeLessThan(10_000);
      expect(read.stderr).not.toMatch(/exiting now/);
      expect(invalidAirbyteMessages(read.messages)).toEqual([]);
      expectNoStatePastUndelivered(slowFake, "Widget__c", read.messages, airbyteShape);
      const errors = traceErrors(read);
      expect(errors.map((e) => e.failure_type)).toEqual(["transient_error"]);
      expect(errors[0]!.message).toMatch(/^Stopped by SIGTERM/);
    },
    2 * RUN_TIMEOUT_MS,
  );

  it(
    "source-salesforce and tap-salesforce-ts run by name (both on PATH)",
    async () => {
      const spec = await runImage(["spec"], {}, ["source-salesforce"]);
      expect(spec.code, spec.stderr).toBe(0);
      expect(jsonLines<AirbyteLine>(spec.stdout).map((m) => m.spec)).toEqual([specJson]);
      const about = await runImage(["--about"], {}, ["tap-salesforce-ts"]);
      expect(about.code, about.stderr).toBe(0);
      expect(about.stdout).toMatch(/^# tap-salesforce-ts\n/);
      // --about tells users to run this command: it must work as written.
      const advice = /running: `(tap-salesforce-ts [^`]+)`/.exec(about.stdout)?.[1];
      expect(advice).toBe("tap-salesforce-ts --about --format json");
      const aboutJson = await runImage(advice!.split(" ").slice(1), {}, ["tap-salesforce-ts"]);
      expect(aboutJson.code, aboutJson.stderr).toBe(0);
      expect(JSON.parse(aboutJson.stdout)).toMatchObject({ name: "tap-salesforce-ts", version: pkg.version });
    },
    2 * RUN_TIMEOUT_MS,
  );
});
