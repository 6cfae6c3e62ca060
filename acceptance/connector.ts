// Runs the connector under test as a process, the way Airbyte does: `node dist/main.js <command>`
// (or another entry script), or `docker run --rm -i --network host -v <dir>:/data IMAGE <command>`.
// Like CAT's ConnectorRunner, each run gets a fresh folder with the input files (config.json,
// catalog.json, state.json) written as given, and the flags name them whether or not a file was
// written (CAT passes `--state` with no file for a falsy state).
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type ConnectorCommand = "spec" | "check" | "discover" | "read";
export type InputFile = "config" | "catalog" | "state";

/** File contents to write into the run's folder; a file left undefined is not written. */
export type InputFiles = Partial<Record<InputFile, string>>;

export interface ConnectorRun {
  /** For messages: `read --config config.json ...`. */
  label: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Could not be started at all (e.g. no docker); the reason. */
  spawnError?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export type ConnectorTarget = { kind: "cli"; entry: string } | { kind: "docker"; image: string };

export interface ConnectorRunnerOptions {
  target: ConnectorTarget;
  /** Environment for every run of the connector (custom_environment_variables). */
  env?: Record<string, string>;
}

const FILE_NAMES: Record<InputFile, string> = { config: "config.json", catalog: "catalog.json", state: "state.json" };

export class ConnectorRunner {
  private readonly workDir: string;
  private serial = 0;

  constructor(private readonly options: ConnectorRunnerOptions) {
    this.workDir = mkdtempSync(join(tmpdir(), "acceptance-"));
  }

  get target(): ConnectorTarget {
    return this.options.target;
  }

  get description(): string {
    const t = this.options.target;
    return t.kind === "cli" ? `node ${t.entry}` : `docker image ${t.image}`;
  }

  /**
   * Runs `command --config <file> ...` for each of `flags`, writing the files given. `extraEnv`
   * is added to the options' env, which wins on a clash.
   */
  async run(
    command: ConnectorCommand,
    flags: readonly InputFile[],
    files: InputFiles,
    timeoutMs = 600_000,
    extraEnv: Record<string, string> = {},
  ): Promise<ConnectorRun> {
    const dir = join(this.workDir, `run-${++this.serial}`);
    mkdirSync(dir);
    // A container's user may not be root: let it read the folder (removed after the run).
    chmodSync(dir, 0o755);
    const docker = this.options.target.kind === "docker";
    const args: string[] = [command];
    for (const key of flags) {
      const name = FILE_NAMES[key];
      const text = files[key];
      if (text !== undefined) writeFileSync(join(dir, name), text, { mode: 0o644 });
      args.push(`--${key}`, docker ? `/data/${name}` : join(dir, name));
    }
    const label = [command, ...flags.map((f) => `--${f}`)].join(" ");
    try {
      return await this.spawn(args, dir, label, timeoutMs, { ...extraEnv, ...this.options.env });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private spawn(
    args: string[],
    dir: string,
    label: string,
    timeoutMs: number,
    env: Record<string, string>,
  ): Promise<ConnectorRun> {
    const target = this.options.target;
    const [file, argv, childEnv] =
      target.kind === "cli"
        ? [process.execPath, [target.entry, ...args], { ...process.env, ...env }]
        : [
            "docker",
            [
              "run",
              "--rm",
              "-i",
              "--network",
              "host",
              "-v",
              `${dir}:/data`,
              ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
              target.image,
              ...args,
            ],
            process.env,
          ];
    const started = Date.now();
    return new Promise((resolvePromise) => {
      const child = spawn(file, argv, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let spawnError: string | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolvePromise({
          label,
          code,
          signal,
          timedOut,
          ...(spawnError === undefined ? {} : { spawnError }),
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          durationMs: Date.now() - started,
        });
      };
      // A process that cannot start emits "error" and may never emit "close".
      child.on("error", (error) => {
        spawnError = `${file}: ${error.message}`;
        if (child.pid === undefined) finish(null, null);
      });
      child.on("close", finish);
    });
  }

  close(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

export interface ImageConfig {
  labels: Record<string, string>;
  env: Record<string, string>;
  entrypoint: string[];
}

/** `docker image inspect`: the image's labels, environment and entrypoint, or why they are unknown. */
export function inspectImage(image: string): ImageConfig | string {
  const result = spawnSync("docker", ["image", "inspect", image], { encoding: "utf8" });
  if (result.error) return `docker: ${result.error.message}`;
  if (result.status !== 0)
    return `docker image inspect ${image}: ${result.stderr.trim() || `exit code ${result.status}`}`;
  try {
    const [info] = JSON.parse(result.stdout) as Array<{
      Config?: { Labels?: Record<string, string> | null; Env?: string[] | null; Entrypoint?: string[] | null };
    }>;
    const config = info?.Config ?? {};
    return {
      labels: config.Labels ?? {},
      env: Object.fromEntries(
        (config.Env ?? []).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      ),
      entrypoint: config.Entrypoint ?? [],
    };
  } catch (error) {
    return `docker image inspect ${image}: ${(error as Error).message}`;
  }
}
