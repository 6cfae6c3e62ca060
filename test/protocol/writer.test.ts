import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MessageWriter } from "../../src/protocol/writer.js";
import { registerSecret } from "../../src/protocol/redact.js";
import { ConnectorError } from "../../src/errors.js";

/** A stdout stand-in that accepts one chunk at a time and takes `delayMs` to take each. */
class SlowSink extends Writable {
  chunks: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly delayMs: number) {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  override _write(chunk: string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    setTimeout(() => {
      this.chunks.push(chunk);
      this.inFlight--;
      done();
    }, this.delayMs);
  }
}

describe("MessageWriter", () => {
  it("waits for drain: a slow reader never has more than one chunk queued beyond its buffer", async () => {
    const sink = new SlowSink(2);
    const writer = new MessageWriter(sink);
    const record = JSON.stringify({ Id: "001", Name: "x".repeat(500) });
    for (let batch = 0; batch < 40; batch++) {
      await writer.records(
        "Account",
        Array.from({ length: 200 }, () => record),
        1,
      );
      // After each awaited call, what the sink still holds stays bounded by one flush.
      expect(sink.writableLength).toBeLessThanOrEqual(300 * 1024);
    }
    await writer.flush();
    await new Promise((resolve) => sink.end(resolve));
    const lines = sink.chunks.join("").split("\n").filter(Boolean);
    expect(lines).toHaveLength(40 * 200);
    expect(JSON.parse(lines[0]!)).toEqual({
      type: "RECORD",
      record: { stream: "Account", data: JSON.parse(record), emitted_at: 1 },
    });
  });

  it("keeps message order: a STATE comes after the records written before it", async () => {
    const sink = new SlowSink(0);
    const writer = new MessageWriter(sink);
    await writer.records("A", ['{"Id":"1"}', '{"Id":"2"}'], 5);
    await writer.streamState("A", { SystemModstamp: "2024-01-01T00:00:00.000Z" }, 2);
    await writer.records("A", ['{"Id":"3"}'], 6);
    await writer.flush();
    await new Promise((resolve) => sink.end(resolve));
    const types = sink.chunks
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(["RECORD", "RECORD", "STATE", "RECORD"]);
  });

  it("masks registered secrets in LOG, TRACE and CONNECTION_STATUS messages", async () => {
    registerSecret("s3cr3t-token-value");
    const sink = new SlowSink(0);
    const writer = new MessageWriter(sink);
    await writer.log("INFO", "token is s3cr3t-token-value");
    await writer.traceError(new ConnectorError("failed with s3cr3t-token-value", "system_error"));
    await writer.emit({
      type: "CONNECTION_STATUS",
      connectionStatus: { status: "FAILED", message: "s3cr3t-token-value" },
    });
    await new Promise((resolve) => sink.end(resolve));
    const out = sink.chunks.join("");
    expect(out).not.toContain("s3cr3t-token-value");
    expect(out).toContain("****");
  });

  it("masks a secret with line breaks or quotes in its JSON-escaped form too", async () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
    registerSecret(pem);
    registerSecret('pa"ss\\word');
    const sink = new SlowSink(0);
    const writer = new MessageWriter(sink);
    await writer.log("ERROR", `key was ${pem}`);
    await writer.traceError(new ConnectorError('password pa"ss\\word refused', "config_error"));
    await new Promise((resolve) => sink.end(resolve));
    const out = sink.chunks.join("");
    expect(out).not.toContain("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
    expect(out).not.toContain("ss\\\\word");
    expect(out).toContain("key was ****");
    expect(out).toContain("password **** refused");
  });

  it("writes a changed config as CONTROL CONNECTOR_CONFIG, whole and unmasked (Airbyte stores it)", async () => {
    registerSecret("rotated-rt-value");
    const sink = new SlowSink(0);
    const writer = new MessageWriter(sink);
    const config = {
      credentials: {
        auth_type: "oauth2_refresh_token",
        client_id: "c",
        client_secret: "s",
        refresh_token: "rotated-rt-value",
      },
      login_url: "https://acme.my.salesforce.com",
    } as const;
    await writer.configChanged(config);
    await new Promise((resolve) => sink.end(resolve));
    const message = JSON.parse(sink.chunks.join("")) as { type: string; control: Record<string, unknown> };
    expect(message).toEqual({
      type: "CONTROL",
      control: { type: "CONNECTOR_CONFIG", emitted_at: expect.any(Number), connectorConfig: { config } },
    });
  });
});
