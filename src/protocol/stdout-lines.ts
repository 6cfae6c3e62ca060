import type { Writable } from "node:stream";

/** Bytes gathered before one write: fewer, larger writes are what makes a million records cheap. */
const FLUSH_BYTES = 256 * 1024;

/**
 * Lines bound for stdout, written in large chunks; a write waits for 'drain' when the reader is
 * slower than we are (backpressure). Both protocol writers (Airbyte, Singer) sit on one of these.
 */
export class StdoutLines {
  private buffer: string[] = [];
  private bufferedBytes = 0;
  /** Whole lines already encoded (a parse worker's), written after the text gathered before them. */
  private encoded: Array<{ textBefore: string[]; lines: Uint8Array; written: () => void }> = [];

  constructor(private readonly out: Writable) {}

  /** `line` without its newline. */
  push(line: string): void {
    this.buffer.push(line, "\n");
    this.bufferedBytes += line.length + 1;
  }

  /** Lines encoded as UTF-8, each with its newline; `written` once the stream has taken them. */
  pushLines(lines: Uint8Array, written: () => void): void {
    this.encoded.push({ textBefore: this.buffer, lines, written });
    this.buffer = [];
    this.bufferedBytes += lines.byteLength;
  }

  /** Flushes once enough has gathered: the hot path calls this after each batch of records. */
  async flushIfFull(): Promise<void> {
    if (this.bufferedBytes >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.bufferedBytes === 0) return;
    const encoded = this.encoded;
    const text = this.buffer.join("");
    this.encoded = [];
    this.buffer = [];
    this.bufferedBytes = 0;
    // In the order pushed; 'drain' awaited once, after the last write.
    let full = false;
    for (const { textBefore, lines, written } of encoded) {
      if (textBefore.length > 0) full = !this.out.write(textBefore.join("")) || full;
      full = !this.out.write(lines, () => written()) || full;
    }
    if (text.length > 0) full = !this.out.write(text) || full;
    if (full) await waitForDrain(this.out);
  }
}

function waitForDrain(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off("error", onError);
      resolve();
    };
    const onError = (err: Error): void => {
      out.off("drain", onDrain);
      reject(err);
    };
    out.once("drain", onDrain);
    out.once("error", onError);
  });
}
