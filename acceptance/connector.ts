// Runs the connector under test as a process, the way Airbyte does: `node dist/main.js <command>`
// (or another entry script), or `docker run --rm -i --network host -v <dir>:/data IMAGE <command>`.
// Input files (config, catalog, state) are written to a fresh folder per run; stdout is parsed as
// one JSON message per line.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type ConnectorCommand = "spec" | "check" | "discover" | "read";

export interface ConnectorInputs {
  config?: unknown;
  catalog?: unknown;
  state?: unknown;
}

export interface AirbyteMessage {
  type: string;
  [key: string]: unknown;
}

export interface ConnectorRun {
  /** For messages: `read --config config.json ...`. */
  label: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Could not be started at all (e.g. no docker); the reason. */
  spawnError?: string;
  messages: AirbyteMessage[];
  /** stdout lines that are not JSON objects (the protocol allows none). */
  nonJsonLines: string[];
  stderr: string;
  durationMs: number;
}

export type ConnectorTarget = { kind: "cli"; entry: string } | { kind: "docker"; image: string };

export interface ConnectorRunnerOptions {
  target: ConnectorTarget;
  /** Environment for every run of the connector (custom_environment_variables). */
  env?: Record<string, string>;
}

const FILE_NAMES: Record<keyof ConnectorInputs, string> = {
  config: "config.json",
  catalog: "catalog.json",
  state: "state.json",
};

export class ConnectorRunner {
  private readonly workDir: string;
  private serial = 0;

  constructor(private readonly options: ConnectorRunnerOptions) {
    this.workDir = mkdtempSync(join(tmpdir(), "acceptance-"));
  }

  get description(): string {
    const t = this.options.target;
    return t.kind === "cli" ? `node ${t.entry}` : `docker image ${t.image}`;
  }

  /** Runs one command; `extraEnv` is added to the options' env, which wins on a clash. */
  async run(
    command: ConnectorCommand,
    inputs: ConnectorInputs = {},
    timeoutMs = 600_000,
    extraEnv: Record<string, string> = {},
  ): Promise<ConnectorRun> {
    const dir = join(this.workDir, `run-${++this.serial}`);
    mkdirSync(dir);
    // A container's user may not be root: let it read the folder (removed after the run).
    chmodSync(dir, 0o755);
    const docker = this.options.target.kind === "docker";
    const args: string[] = [command];
    for (const key of ["config", "catalog", "state"] as const) {
      if (inputs[key] === undefined) continue;
      const name = FILE_NAMES[key];
      writeFileSync(join(dir, name), JSON.stringify(inputs[key], null, 2), { mode: 0o644 });
      args.push(`--${key}`, docker ? `/data/${name}` : join(dir, name));
    }
    const label = [command, ...Object.keys(inputs).filter((k) => inputs[k as keyof ConnectorInputs] !== undefined)]
      .map((part, i) => (i === 0 ? part : `--${part}`))
      .join(" ");
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
        const { messages, nonJsonLines } = parseStdout(Buffer.concat(out).toString("utf8"));
        resolvePromise({
          label,
          code,
          signal,
          timedOut,
          ...(spawnError === undefined ? {} : { spawnError }),
          messages,
          nonJsonLines,
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

export function parseStdout(stdout: string): { messages: AirbyteMessage[]; nonJsonLines: string[] } {
  const messages: AirbyteMessage[] = [];
  const nonJsonLines: string[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      nonJsonLines.push(line);
      continue;
    }
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      messages.push(parsed as AirbyteMessage);
    else nonJsonLines.push(line);
  }
  return { messages, nonJsonLines };
}
