// What record conversion says about a stream's values, kept for the whole stream (every window and
// page builds its converters anew): a warning about a field's invalid values comes once per stream,
// and the NUL characters removed from its text are counted and reported once, when it ends.
import type { Log } from "../log.js";
import type { StreamPlan } from "./plan.js";

export interface StreamValueLog {
  /** Hands each distinct message on once per stream. */
  readonly warn: Log["warn"];
  /** Counts NUL characters removed from a column's text. */
  readonly nul: (column: string, removed: number) => void;
}

interface Entry extends StreamValueLog {
  report(): void;
}

const logs = new WeakMap<StreamPlan, Entry>();

/** The stream's value log (one per plan, so per stream), writing to `log`. */
export function valueLogFor(plan: StreamPlan, log: Log): StreamValueLog {
  let entry = logs.get(plan);
  if (entry === undefined) {
    const said = new Set<string>();
    const nulByColumn = new Map<string, number>();
    entry = {
      warn: (message) => {
        if (said.has(message)) return;
        said.add(message);
        log.warn(message);
      },
      nul: (column, removed) => nulByColumn.set(column, (nulByColumn.get(column) ?? 0) + removed),
      report: () => {
        if (nulByColumn.size === 0) return;
        const total = [...nulByColumn.values()].reduce((sum, n) => sum + n, 0);
        const columns = [...nulByColumn.keys()].sort().join(", ");
        log.warn(
          `Stream '${plan.name}': removed ${total} NUL character(s) (U+0000) from text values of ${columns}; destinations such as Postgres refuse them.`,
        );
        nulByColumn.clear();
      },
    };
    logs.set(plan, entry);
  }
  return entry;
}

/** Reports what the stream's values lost (the NUL count), once, when the stream ends. */
export function reportStreamValues(plan: StreamPlan): void {
  logs.get(plan)?.report();
}
