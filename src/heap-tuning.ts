// Imported first by both CLIs, before anything else allocates. V8 doubles a thread's young
// generation whenever much of it survives a collection, and start-up (modules, schemas, the catalog)
// grows the main thread's to 16-32 MB, which a read then never needs when parse workers do the
// parsing: the main thread only moves socket chunks, parts and lines. A young generation that big is
// collected rarely, so the socket chunks it drops pile up between collections (10-20 MB of array
// buffers). Held at V8's initial size, a read with 2 parse workers peaks at 141 MB instead of 160
// (`npm run bench`, README Performance). The flag is the process's: a worker's young generation is
// set by its own resource limits (parse-pool.ts) and is not held.
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--semi-space-growth-factor=1");

/**
 * This thread parses results itself (parse_workers 1, or a sink that takes no framed lines): its
 * young generation grows as V8's default lets it (held, the in-thread read promotes its rows to the
 * old generation and runs a quarter slower).
 */
export function letYoungGenerationGrow(): void {
  setFlagsFromString("--semi-space-growth-factor=2");
}
