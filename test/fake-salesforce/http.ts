// Handler contract and response writing. Handlers return a Result instead of writing to the
// socket, so Composite can run the very same handlers for its subrequests.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { constants as zlibConstants, createGzip, gzipSync } from "node:zlib";
import { Transform, type Writable } from "node:stream";
import { ApiError } from "./errors.js";
import type { FakeState } from "./state.js";
import type { ResultCache } from "./result-cache.js";
import type { FaultType, ValueFaultSpec } from "./types.js";

export interface Ctx {
  state: FakeState;
  method: string;
  path: string;
  /** API version from the path, e.g. "62.0" ('' when the path has none). */
  version: string;
  /** Regex groups of the route after the version. */
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** A fault that the handler itself must enact (job_failed, the Bulk 2.0 paging faults, ...). */
  fault?: FaultType;
  /** A `rewrite_value` fault for the page this handler answers. */
  rewrite?: ValueFaultSpec;
  /** Runs a subrequest through the router (used by Composite); `headers` add to the request's own. */
  sub: (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<Result>;
}

/** A lazily rendered body (Bulk results) that may be cut after some rows. */
export interface StreamBody {
  rows: number;
  write(emit: (chunk: string) => Promise<boolean>, stopAfterRows?: number): Promise<void>;
}

export interface Result {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  contentType?: string;
  stream?: StreamBody;
  /**
   * A stream whose bytes are decided by this key alone (see result-cache.ts): with
   * `cacheResultBodies`, the body is rendered (and gzipped) once per key and encoding, then served
   * from the cache.
   */
  cacheKey?: string;
}

export type Handler = (ctx: Ctx) => Result | Promise<Result>;

export const json = (status: number, body: unknown, headers?: Record<string, string>): Result => ({
  status,
  json: body,
  headers,
});

export function errorResult(e: ApiError): Result {
  return { status: e.status, json: e.body };
}

export function parseJsonBody(ctx: Ctx): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(ctx.body);
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ApiError(400, "JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON object");
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function acceptsGzip(headers: IncomingHttpHeaders): boolean {
  return /\bgzip\b/i.test(String(headers["accept-encoding"] ?? ""));
}

export interface WriteOptions {
  gzip: boolean;
  /** drop_mid_body: send headers and about half the body, then destroy the socket. */
  truncate: boolean;
  /** slow_body: the whole body, in SLOW_PIECE_BYTES pieces SLOW_PAUSE_MS apart (slowWire). */
  slow?: boolean;
  extraHeaders: Record<string, string>;
  /** The cache of rendered bodies (`cacheResultBodies`), by encoding and Result.cacheKey. */
  cache?: ResultCache;
}

function contentType(r: Result): string {
  if (r.contentType) return r.contentType;
  return r.json !== undefined ? "application/json;charset=UTF-8" : "text/plain;charset=UTF-8";
}

export async function writeResult(res: ServerResponse, r: Result, o: WriteOptions): Promise<void> {
  res.statusCode = r.status;
  for (const [k, v] of Object.entries({ ...o.extraHeaders, ...(r.headers ?? {}) })) res.setHeader(k, v);
  if (r.status === 204) {
    res.end();
    return;
  }
  res.setHeader("Content-Type", contentType(r));
  const wire = o.slow ? slowWire(res) : res;
  if (r.stream) {
    const key = r.cacheKey !== undefined && o.cache ? `${o.gzip ? "gzip" : "identity"} ${r.cacheKey}` : undefined;
    const cached = key === undefined ? undefined : o.cache!.get(key);
    if (cached) return writeCached(res, wire, cached, o);
    return writeStream(res, wire, r.stream, o, key);
  }
  const raw = Buffer.from(r.json !== undefined ? JSON.stringify(r.json) : (r.text ?? ""), "utf8");
  const body = o.gzip ? gzipSync(raw) : raw;
  if (o.gzip) res.setHeader("Content-Encoding", "gzip");
  res.setHeader("Content-Length", String(body.length));
  if (o.truncate) {
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
    return;
  }
  wire.end(body);
}

const SLOW_PIECE_BYTES = 16 * 1024;
const SLOW_PAUSE_MS = 20;

/**
 * slow_body: what is written to it reaches the client in SLOW_PIECE_BYTES pieces, SLOW_PAUSE_MS
 * apart, as over a congested link: the body is whole and well framed, only late.
 */
function slowWire(res: ServerResponse): Writable {
  const wire = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      void (async () => {
        for (let at = 0; at < chunk.length; at += SLOW_PIECE_BYTES) {
          await new Promise((resolve) => setTimeout(resolve, SLOW_PAUSE_MS));
          this.push(chunk.subarray(at, at + SLOW_PIECE_BYTES));
        }
        done();
      })();
    },
  });
  wire.pipe(res);
  res.once("close", () => wire.destroy());
  return wire;
}

/** Waits for backpressure to clear, or for the client to go away; leaves no listeners behind. */
function drainOrClose(out: Writable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off("drain", done);
      res.off("close", done);
      resolve();
    };
    out.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Renders a stream body (gzipped when asked). With `cacheKey` (and no truncation), the bytes sent are
 * kept and stored in `o.cache` once the whole body has gone out.
 */
async function writeStream(
  res: ServerResponse,
  wire: Writable,
  stream: StreamBody,
  o: WriteOptions,
  cacheKey?: string,
): Promise<void> {
  let out: Writable = wire;
  // Fastest level: big result pages would otherwise spend most of their time compressing.
  const gz = o.gzip ? createGzip({ level: zlibConstants.Z_BEST_SPEED }) : undefined;
  const kept: Buffer[] | undefined = cacheKey !== undefined && o.cache && !o.truncate ? [] : undefined;
  if (gz) {
    res.setHeader("Content-Encoding", "gzip");
    if (kept) gz.on("data", (c: Buffer) => kept.push(c));
    gz.pipe(wire);
    out = gz;
  }
  let closed = false;
  res.once("close", () => {
    closed = true;
    gz?.destroy();
  });
  const emit = async (chunk: string): Promise<boolean> => {
    if (closed) return false;
    let data: string | Buffer = chunk;
    if (kept && !gz) {
      data = Buffer.from(chunk, "utf8");
      kept.push(data);
    }
    if (!out.write(data)) await drainOrClose(out, res);
    return !closed;
  };
  await stream.write(emit, o.truncate ? Math.floor(stream.rows / 2) : undefined);
  if (closed) return;
  if (o.truncate) {
    // Flush what we have so the client sees a partial body, then cut the connection.
    if (gz) await new Promise<void>((resolve) => gz.flush(() => resolve()));
    await new Promise<void>((resolve) => res.write("", () => resolve()));
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  if (kept && gz) {
    // Every compressed byte has been handed on once the gzip stream ends.
    gz.once("end", () => {
      if (!closed) o.cache!.set(cacheKey!, Buffer.concat(kept));
    });
    out.end();
    return;
  }
  out.end();
  if (kept && !closed) o.cache!.set(cacheKey!, Buffer.concat(kept));
}

const CACHED_CHUNK_BYTES = 64 * 1024;

/**
 * A cached body, sent as the rendered one is (chunked, 64 KiB writes with backpressure). A
 * `drop_mid_body` request still gets about half of it, then the connection is cut.
 */
async function writeCached(res: ServerResponse, wire: Writable, body: Buffer, o: WriteOptions): Promise<void> {
  if (o.gzip) res.setHeader("Content-Encoding", "gzip");
  let closed = false;
  res.once("close", () => (closed = true));
  const stop = o.truncate ? Math.floor(body.length / 2) : body.length;
  for (let at = 0; at < stop && !closed; at += CACHED_CHUNK_BYTES) {
    if (!wire.write(body.subarray(at, Math.min(stop, at + CACHED_CHUNK_BYTES)))) await drainOrClose(wire, res);
  }
  if (closed) return;
  if (o.truncate) {
    await new Promise<void>((resolve) => res.write("", () => resolve()));
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  wire.end();
}
