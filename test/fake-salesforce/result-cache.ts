// `cacheResultBodies`: Bulk results pages (2.0) and result files (1.0) rendered once, then served
// from memory. A benchmark runs the fake in its own process, where rendering and gzipping each page
// costs a core the measured client would otherwise have; a real org's serving costs the client no CPU.
// The key holds everything the bytes depend on, so a changed record (a new data version) or another
// page of rows is rendered afresh, never served stale.
import type { Ctx } from "./http.js";
import type { ResultCacheStats } from "./types.js";

export class ResultCache {
  private readonly bodies = new Map<string, Buffer>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  get(key: string): Buffer | undefined {
    const body = this.bodies.get(key);
    if (body) this.hits++;
    else this.misses++;
    return body;
  }

  set(key: string, body: Buffer): void {
    this.bytes += body.length - (this.bodies.get(key)?.length ?? 0);
    this.bodies.set(key, body);
  }

  stats(): ResultCacheStats {
    return { entries: this.bodies.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }
}

/** FNV-1a over row numbers: which rows a page holds, in which order. */
function rowsHash(rows: Uint32Array): string {
  let h = 0x811c9dc5;
  for (let k = 0; k < rows.length; k++) {
    h = Math.imul(h ^ rows[k]!, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

/**
 * The cache key of a results body, or undefined when it must be rendered: the option is off, or the
 * handler itself changes the body (a `rewrite_value`, a paging or header fault). `drop_mid_body` and
 * `slow_body` are enacted by the writer, so a cached body is still cut or slowed. `parts` are what decide the bytes besides the
 * rows (query, operation, data version, row range, CSV dialect); `rows` are the page's row numbers.
 */
export function resultCacheKey(ctx: Ctx, parts: ReadonlyArray<string | number>, rows: Uint32Array): string | undefined {
  if (!ctx.state.opts.cacheResultBodies) return undefined;
  if (ctx.rewrite || (ctx.fault !== undefined && ctx.fault !== "drop_mid_body" && ctx.fault !== "slow_body"))
    return undefined;
  return JSON.stringify([...parts, rows.length, rowsHash(rows)]);
}
