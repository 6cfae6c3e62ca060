import { constants } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectorError } from "./errors.js";

/**
 * SIGTERM and SIGINT (`docker stop`, a Kubernetes pod ending, Ctrl-C) stop the process within
 * seconds. In a container node is PID 1, and the kernel gives PID 1 no default action for these
 * signals: without handlers `docker stop` waits out its whole grace period and then kills.
 *
 * On the first signal `stopSignal` aborts: the Salesforce client sends no new request, requests in
 * flight and backoff or poll waits end at once, the sync loop stops without a STATE for the window
 * it was reading (the next sync reads that window again), and main writes what is buffered, one
 * error and exits 128 + the signal's number. A second signal, or FORCED_EXIT_MS without the process
 * ending by itself (stdout blocked by a reader that stopped reading), exits at once.
 */
const controller = new AbortController();
export const stopSignal: AbortSignal = controller.signal;

/** Long enough to flush what is buffered; well inside Docker's 10 s and Kubernetes' 30 s grace. */
const FORCED_EXIT_MS = 5_000;

export class SyncStoppedError extends ConnectorError {
  /** 128 + the signal number, as a shell reports a process ended by that signal (SIGTERM: 143). */
  readonly exitCode: number;

  constructor(readonly signal: NodeJS.Signals) {
    super(
      `Stopped by ${signal} before finishing. Every record up to the last STATE was delivered; the next sync resumes from that state.`,
      "transient_error",
    );
    this.name = "SyncStoppedError";
    this.exitCode = 128 + constants.signals[signal];
  }
}

/** Installs the handlers; `onStop` reports the stop on the protocol's log channel. */
export function handleStopSignals(onStop: (signal: NodeJS.Signals) => void): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      const exitCode = 128 + constants.signals[signal];
      if (stopSignal.aborted) process.exit(exitCode);
      controller.abort(new SyncStoppedError(signal));
      process.exitCode = exitCode;
      onStop(signal);
      setTimeout(() => {
        process.stderr.write(`Still running ${FORCED_EXIT_MS} ms after ${signal}: exiting now.\n`);
        process.exit(exitCode);
      }, FORCED_EXIT_MS).unref();
    });
  }
}

/** The stop, once a signal came: whatever failed after it failed because of it. */
export function stoppedBy(): SyncStoppedError | undefined {
  return stopSignal.aborted ? (stopSignal.reason as SyncStoppedError) : undefined;
}

export function throwIfStopped(): void {
  const stop = stoppedBy();
  if (stop) throw stop;
}

/** A wait (retry backoff, job polling) that a stop ends at once, with the stop. */
export async function pause(ms: number): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: stopSignal });
  } catch (error) {
    throw stoppedBy() ?? error;
  }
}
