// Salesforce's front door: "In each REST call, the maximum length for the combined URI and headers
// is 16,384 bytes. A request exceeding this limit returns a 431 Request Header Fields Too Large
// error. If the URI itself exceeds this limit, the request returns a 414 URI Too Long error."
// (Salesforce Help, "Maximum number of rows returned by SOQL queries over the REST API", 000386264.)
// Refused before authentication, so not counted as an API call. Composite subrequest urls travel in
// the request body and are not subject to it (the same article's advice for long queries).
import type { IncomingMessage } from "node:http";
import type { Result } from "./http.js";

export const MAX_URI_AND_HEADER_BYTES = 16_384;

/** Bytes of the header block as sent: `Name: value\r\n` per header. */
function headerBytes(req: IncomingMessage): number {
  let n = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) n += Buffer.byteLength(raw[i]!) + 2 + Buffer.byteLength(raw[i + 1]!) + 2;
  return n;
}

/** 414 or 431 when the request-target (path and query string) or it plus the headers is too long. */
export function oversizedRequest(req: IncomingMessage): Result | undefined {
  const uri = Buffer.byteLength(req.url ?? "");
  if (uri > MAX_URI_AND_HEADER_BYTES) return { status: 414, text: "URI Too Long" };
  if (uri + headerBytes(req) > MAX_URI_AND_HEADER_BYTES)
    return { status: 431, text: "Request Header Fields Too Large" };
  return undefined;
}
