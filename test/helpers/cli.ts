import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const cliPath = join(repoRoot, "dist/main.js");

export interface AirbyteLine {
  type: string;
  [key: string]: unknown;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every stdout line parsed as JSON (a line that is not JSON fails the run's parse). */
  messages: AirbyteLine[];
}

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end, collecting its output; a timeout kills it and rejects. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill("SIGKILL");
            const label = `${command} ${args.join(" ")}`;
            reject(new Error(`${label} timed out after ${options.timeoutMs} ms\n${Buffer.concat(err).toString()}`));
          }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/** Every non-empty stdout line parsed as JSON; a line that is not JSON throws, naming `label`. */
export function jsonLines<T>(stdout: string, label = "stdout"): T[] {
  return stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new Error(`${label}: line is not JSON: ${line.slice(0, 200)}`);
      }
    });
}

/** Backoff and polling shortened for tests against the fake. */
export const FAST_RETRIES = { SOURCE_SALESFORCE_RETRY_BASE_MS: "10", SOURCE_SALESFORCE_POLL_BASE_MS: "5" };

/** Runs the BUILT connector (`npm run build` first) as a process, the way Airbyte does. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build first`);
  const run = await runProcess(process.execPath, [cliPath, ...args], { env: { ...FAST_RETRIES, ...env } });
  return { ...run, messages: jsonLines<AirbyteLine>(run.stdout) };
}

/** Writes JSON files into a fresh temp folder and returns their paths. */
export function writeTempFiles(files: Record<string, unknown>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "sf-test-"));
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    paths[name] = path;
  }
  return paths;
}

export const ofType = (run: CliRun, type: string): AirbyteLine[] => run.messages.filter((m) => m.type === type);

export function traceErrors(run: CliRun): Array<{ message: string; failure_type: string; internal_message?: string }> {
  return ofType(run, "TRACE")
    .map((m) => m.trace as { type: string; error?: { message: string; failure_type: string } })
    .filter((t) => t.type === "ERROR")
    .map((t) => t.error!);
}

/** Fails when any secret value appears in any run's stdout or stderr (tokens, passwords, client secrets). */
export function secretLeaks(runs: readonly CliRun[], secrets: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const run of runs) {
    for (const secret of secrets) {
      if (run.stdout.includes(secret)) leaks.push(`stdout contains ${secret.slice(0, 3)}…`);
      if (run.stderr.includes(secret)) leaks.push(`stderr contains ${secret.slice(0, 3)}…`);
    }
  }
  return leaks;
}
