// CSV as Bulk API 2.0 writes it: RFC 4180 quoting, empty field for null, true/false booleans,
// ISO datetimes with milliseconds and Z, dates as YYYY-MM-DD.
import type { ValueFaultSpec } from "./types.js";

export const DELIMITERS: Record<string, string> = {
  COMMA: ",",
  TAB: "\t",
  PIPE: "|",
  SEMICOLON: ";",
  CARET: "^",
  BACKQUOTE: "`",
};

export const LINE_ENDINGS: Record<string, string> = { LF: "\n", CRLF: "\r\n" };

const NEEDS_QUOTES: Record<string, RegExp> = {};

export function csvField(value: unknown, delimiter: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const s = typeof value === "object" ? JSON.stringify(value) : String(value);
  const re = (NEEDS_QUOTES[delimiter] ??= new RegExp(`["\r\n${delimiter.replace(/[\^$.*+?()[\]{}|]/g, "\\$&")}]`));
  return re.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[], delimiter: string, lineEnding: string): string {
  let line = "";
  for (let k = 0; k < values.length; k++) {
    if (k) line += delimiter;
    line += csvField(values[k], delimiter);
  }
  return line + lineEnding;
}

/** Where a `rewrite_value` fault writes its value in a page with these columns (none: not in this page). */
export function cellRewrite(
  columns: readonly string[],
  fault: ValueFaultSpec | undefined,
): { column: number; row: number; value: unknown } | undefined {
  if (!fault) return undefined;
  const column = columns.findIndex((c) => c.toLowerCase() === fault.field.toLowerCase());
  return column < 0 ? undefined : { column, row: fault.row ?? 0, value: fault.value };
}
