// Builds the Docker image with testcontainers and runs it as Airbyte does: spec, check, discover and a
// small read against the fake Salesforce. The container uses the host's network (`--network host`) to
// reach the fake on 127.0.0.1 (a rootful Linux engine; Docker Desktop needs host networking enabled; with
// rootless Docker the host's loopback is not reachable).
// Without a Docker engine every test here is skipped, with the reason in its name.
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
} from "testcontainers";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { jsonLines, ofType, repoRoot, traceErrors, type AirbyteLine, type CliRun } from "../helpers/cli.js";
import {
  baseConfig,
  discoverThenRead,
  expectEachOnce,
  liveIds,
  records,
  widgetObject,
} from "../helpers/read-fixtures.js";

const ENGINE_PROBE_TIMEOUT_MS = 15_000;
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
  let container = new GenericContainer(imageTag)
    .withNetworkMode("host")
    .withCommand(args)
    .withEnvironment({ SOURCE_SALESFORCE_RETRY_BASE_MS: "10", SOURCE_SALESFORCE_POLL_BASE_MS: "5" })
    .withWaitStrategy(new ExitedStrategy())
    .withStartupTimeout(RUN_TIMEOUT_MS);
  if (entrypoint) container = container.withEntrypoint(entrypoint);
  const contents = Object.entries(files).map(([name, content]) => ({
    content: JSON.stringify(content),
    target: `/data/${name}`,
    mode: 0o644,
  }));
  if (contents.length > 0) container = container.withCopyContentToContainer(contents);
  const started = await container.start();
  const handle = client!.container.getById(started.getId());
  try {
    const inspect = await client!.container.inspect(handle);
    const stdout = demux(await handle.logs({ follow: false, stdout: true, stderr: false }));
    const stderr = demux(await handle.logs({ follow: false, stdout: false, stderr: true }));
    const messages = entrypoint ? [] : jsonLines<AirbyteLine>(stdout);
    return { code: inspect.State.ExitCode, stdout, stderr, messages };
  } finally {
    await client!.container.remove(handle, { removeVolumes: true }).catch(() => undefined);
  }
}

let fake: FakeSalesforce;
const config = () => baseConfig(fake, { streams_criteria: [{ criteria: "exacts", value: "Widget__c" }] });

describe.skipIf(!client)(title, () => {
  beforeAll(async () => {
    fake = await startFakeSalesforce({ extraObjects: [widgetObject(300)] });
    // Built once per run from this checkout (the .dockerignore'd context); removed when the session ends.
    await GenericContainer.fromDockerfile(repoRoot).build(imageTag, { deleteOnExit: true });
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await fake?.stop();
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
});
