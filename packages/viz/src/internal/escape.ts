const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Whether a UTF-16 code unit (or pair) may not appear in XML 1.0 text. */
function forbidden(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
    code === 0xfffe ||
    code === 0xffff
  );
}

/**
 * Escapes text for XML/HTML element content and quoted attribute values (`& < > " '`), and
 * replaces characters XML 1.0 forbids (C0 controls other than tab/newline/CR, lone surrogates,
 * U+FFFE/U+FFFF) with U+FFFD.
 *
 * @param text - Any string.
 * @returns The escaped string.
 *
 * @example
 * ```ts doctest
 * import { escapeXml } from '@patchfx/viz';
 * escapeXml('<b title="x">&</b>'); // => '&lt;b title=&quot;x&quot;&gt;&amp;&lt;/b&gt;'
 * ```
 */
export function escapeXml(text: string): string {
  let out = '';
  const s = String(text);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else {
        out += '\ufffd';
      }
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) out += '\ufffd';
    else if (forbidden(c)) out += '\ufffd';
    else out += XML_ESCAPES[s[i]] ?? s[i];
  }
  return out;
}
