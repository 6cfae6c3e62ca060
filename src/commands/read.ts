import type { MessageWriter } from "../protocol/writer.js";
import { ConnectorError } from "../errors.js";

export interface ReadOptions {
  config: string;
  catalog: string;
  state?: string;
}

/** Implemented by the Bulk 2.0 read issue. */
export async function read(_options: ReadOptions, _writer: MessageWriter): Promise<void> {
  throw new ConnectorError("read is not implemented yet.", "system_error");
}
