// The messages between the parse pool (parse-pool.ts, main thread) and its workers (parse-worker.ts).
import type { JsonSchemaObject } from "../../protocol/types.js";
import type { RecordFrame } from "../../protocol/sync-output.js";

/** One CSV body to turn into record lines; the body follows in `chunk` messages, then `body-end`. */
export interface PageJob {
  kind: "page";
  id: number;
  /** The stream's schema: the worker builds the same converter the main thread would. */
  schema: JsonSchemaObject;
  frame: RecordFrame;
  /** The body on the wire is gzip-compressed. */
  gzip: boolean;
  /** Rows at the body's start not to deliver (an earlier attempt or run did). */
  skip: number;
  /** For error messages only. */
  path: string;
}

export type ToWorker =
  | PageJob
  /** The body's next bytes as they came off the wire (transferred, not copied). */
  | { kind: "chunk"; id: number; bytes: Uint8Array }
  /** The wire body ended: what the worker holds is the whole body. */
  | { kind: "body-end"; id: number }
  /**
   * The main thread wrote a part's lines (`bytes` of them): the worker may run ahead again, and
   * reuses the part's buffer (handed back) for a later part.
   */
  | { kind: "ack"; id: number; bytes: number; buffer: ArrayBuffer }
  | { kind: "cancel"; id: number };

/** Part of a job's output: whole lines, in body order. */
export interface PartMessage {
  kind: "part";
  id: number;
  /** The body's header row and first row, on the job's first part. */
  header?: string[];
  firstRow?: string[];
  /** Rows of the body this part covers (skipped ones included), and rows in `lines`. */
  rows: number;
  delivered: number;
  lines: Uint8Array;
  /** What the converters said since the last part (value warnings, NULs removed per column). */
  warnings: string[];
  nuls: Array<[string, number]>;
}

export type FromWorker =
  | PartMessage
  /** The worker parsed `bytes` more of the wire body: the main thread may read that much more of it. */
  | { kind: "taken"; id: number; bytes: number }
  | { kind: "end"; id: number }
  /** `answer`: the body is not valid CSV or gzip (asked for again); else a fault of the worker's own. */
  | { kind: "error"; id: number; answer: boolean; detail: string };
