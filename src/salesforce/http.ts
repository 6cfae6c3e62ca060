// The transport under SalesforceClient: node:http(s) with keep-alive and gzip. Node's stream pipes
// give results pages real backpressure and cost less CPU and memory per page than fetch's web
// streams (measured with `npm run bench`).
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborting it destroys the request, and the body of its response if one is being read. */
  signal?: AbortSignal;
}

export class HttpResponse {
  readonly ok: boolean;
  private decoded: Readable | undefined;

  constructor(
    readonly status: number,
    private readonly rawHeaders: IncomingMessage["headers"],
    /** The body as it came off the socket: gzip-compressed when `gzipped`. */
    readonly wireBody: Readable,
    readonly gzipped: boolean,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  /**
   * The decompressed body; iterate it or use text()/json(). Read this or wireBody, not both: a parse
   * worker (read/records/parse-pool.ts) takes the wire bytes and decompresses them on its own thread.
   */
  get body(): Readable {
    // pipeline forwards a socket error mid-body to the gunzip stream, so readers see it.
    this.decoded ??= this.gzipped ? pipeline(this.wireBody, createGunzip(), () => {}) : this.wireBody;
    return this.decoded;
  }

  header(name: string): string | undefined {
    const value = this.rawHeaders[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async json<T>(): Promise<T> {
    return JSON.parse(await this.text()) as T;
  }

  /** Frees the connection when the body is not wanted. */
  discard(): void {
    (this.decoded ?? this.wireBody).resume();
  }
}

const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };
/** A request with no byte for this long is treated as a dropped connection and retried. */
const IDLE_TIMEOUT_MS = 5 * 60_000;

export function send(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const isHttps = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const outgoing = (isHttps ? httpsRequest : httpRequest)(
      url,
      {
        method: req.method,
        headers: { "Accept-Encoding": "gzip", ...req.headers },
        agent: agents[isHttps ? "https:" : "http:"],
        signal: req.signal,
      },
      (res) => {
        const gzipped = /\bgzip\b/i.test(String(res.headers["content-encoding"] ?? ""));
        resolve(new HttpResponse(res.statusCode ?? 0, res.headers, res, gzipped));
      },
    );
    outgoing.setTimeout(IDLE_TIMEOUT_MS, () =>
      outgoing.destroy(Object.assign(new Error("socket idle timeout"), { code: "ETIMEDOUT" })),
    );
    outgoing.on("error", reject);
    outgoing.end(req.body);
  });
}
