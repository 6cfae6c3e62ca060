import { spawn } from "node:child_process";
import { jsonLines } from "./cli.js";

export interface SignalledRun {
  code: number | null;
  /** The signal that ended the process, if it did not exit by itself. */
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the signal to the process's exit; undefined when `when` never held. */
  stopMs: number | undefined;
  /** Every stdout line parsed as JSON, and how many of them had arrived when the signal was sent. */
  lines: Array<{ type: string; [key: string]: unknown }>;
  linesBeforeSignal: number;
}

/**
 * Runs `command args`, and `delayMs` after `when` first holds for the stdout lines (parsed as JSON)
 * and the stderr so far, sends it `signal` and runs `onSignal` (e.g. to count the fake's requests).
 * A process still running `timeoutMs` after its start is killed and the promise rejects.
 */
export function runUntil(
  command: string,
  args: string[],
  options: {
    signal: NodeJS.Signals;
    when: (lines: Array<{ type: string; [key: string]: unknown }>, stderr: string) => boolean;
    delayMs?: number;
    onSignal?: () => void;
    env?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<SignalledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let held = false;
    let signalledAt: number | undefined;
    let linesBeforeSignal = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} still running after ${options.timeoutMs} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    const complete = (text: string): string => text.slice(0, text.lastIndexOf("\n") + 1);
    const send = (): void => {
      signalledAt = Date.now();
      linesBeforeSignal = jsonLines(complete(stdout)).length;
      options.onSignal?.();
      child.kill(options.signal);
    };
    const maybeSignal = (): void => {
      if (held || !options.when(jsonLines<{ type: string }>(complete(stdout)), stderr)) return;
      held = true;
      setTimeout(send, options.delayMs ?? 0);
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      maybeSignal();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      maybeSignal();
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, killedBy) => {
      clearTimeout(timer);
      resolve({
        code,
        killedBy,
        stdout,
        stderr,
        stopMs: signalledAt === undefined ? undefined : Date.now() - signalledAt,
        lines: jsonLines(stdout),
        linesBeforeSignal,
      });
    });
  });
}
