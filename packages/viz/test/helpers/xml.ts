/**
 * A strict little well-formedness check for the SVG this package writes: every tag is closed
 * in order, attributes are double-quoted, text holds no raw `<` or unescaped `&`.
 * Returns the element names in document order.
 */
export function checkXml(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (/&(?!(amp|lt|gt|quot|#39|#\d+);)/.test(text))
      throw new Error(`unescaped & in text near ${JSON.stringify(text.slice(0, 40))}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (!m) throw new Error(`malformed tag at ${lt}: ${JSON.stringify(xml.slice(lt, lt + 60))}`);
    const [, close, name, attrs, self] = m;
    if (/&(?!(amp|lt|gt|quot|#39|#\d+);)/.test(attrs))
      throw new Error(`unescaped & in attributes of <${name}>`);
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      names.push(name);
      if (!self) stack.push(name);
    }
    i = tag.lastIndex;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return names;
}
