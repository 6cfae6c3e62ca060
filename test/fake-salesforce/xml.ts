// Minimal XML helpers for the SOAP login and Bulk API 1.0 bodies (no XML library: the fake reads
// only a few flat elements and writes fixed shapes).

export const xmlUnescape = (s: string): string =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-f]+));/gi, (_, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" } as Record<string, string>)[name.toLowerCase()]!;
  });

export const xmlEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Text of the first `<tag>` (any namespace prefix), unescaped; undefined when absent. */
export function tagValue(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${tag}>`).exec(xml);
  return m ? xmlUnescape(m[1]!) : undefined;
}

/** True when the document's root element is `<tag ...>` (after an optional XML declaration). */
export function hasRoot(xml: string, tag: string): boolean {
  return new RegExp(`^\\s*(?:<\\?xml[^>]*\\?>\\s*)?<(?:\\w+:)?${tag}[\\s/>]`).test(xml);
}
