// Secrets (config fields marked airbyte_secret, access tokens) must never reach a log line or an
// error. Every LOG and TRACE message passes through `redact` before it is written.

const secrets = new Set<string>();

/** Registers a value to be masked wherever it appears. Very short values are masked too: a password is a password. */
export function registerSecret(value: unknown): void {
  if (typeof value === "string" && value.length > 0) {
    secrets.add(value);
    // Also mask the URL-encoded form, which is how secrets appear in form bodies and query strings.
    const encoded = encodeURIComponent(value);
    if (encoded !== value) secrets.add(encoded);
    // And the JSON-escaped form (a PEM key's line breaks, a password's quotes), which is how it
    // appears in a serialised LOG or TRACE message.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) secrets.add(escaped);
  }
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join("****");
  }
  return out;
}

/** Registers every property marked `airbyte_secret` in `schema` found in `value` (through objects, oneOf and arrays). */
export function registerSecretsBySchema(schema: unknown, value: unknown): void {
  if (schema === null || typeof schema !== "object" || value === null || typeof value !== "object") return;
  const node = schema as Record<string, unknown>;
  for (const branchKey of ["oneOf", "anyOf", "allOf"]) {
    const branches = node[branchKey];
    if (Array.isArray(branches)) for (const branch of branches) registerSecretsBySchema(branch, value);
  }
  if (Array.isArray(value)) {
    for (const item of value) registerSecretsBySchema(node.items, item);
    return;
  }
  const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
  if (!properties) return;
  const record = value as Record<string, unknown>;
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (!(key in record)) continue;
    if (propertySchema.airbyte_secret === true) registerSecret(record[key]);
    registerSecretsBySchema(propertySchema, record[key]);
  }
}
