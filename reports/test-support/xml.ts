/**
 * A strict little XML tokenizer for tests: checks that tags balance and returns the elements,
 * so tests can count axes, ticks and series in the SVG the renderers produce.
 */

export interface XmlElement {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly children: XmlElement[]
  text: string
}

const VOID_HTML = new Set(['meta', 'br', 'hr', 'img', 'input', 'link'])

/** Parses XML (or XHTML-like HTML when `html`); throws on unbalanced or malformed tags. */
export function parseXml(source: string, html = false): XmlElement {
  const root: XmlElement = { name: '#root', attributes: {}, children: [], text: '' }
  const stack: XmlElement[] = [root]
  const tag = /<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+(?:="[^"<]*")?)*)\s*(\/?)>|([^<]+)|(<)/g
  for (const m of source.matchAll(tag)) {
    const [whole, closing, name, attrs, selfClosing, text, stray] = m
    const top = stack[stack.length - 1] as XmlElement
    if (stray !== undefined) throw new Error(`stray '<' at ${m.index}: ${source.slice(m.index, m.index + 40)}`)
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|#39|#\d+);)/.test(text)) throw new Error(`unescaped & in text: ${text.slice(0, 40)}`)
      top.text += text
      continue
    }
    if (name === undefined || whole.startsWith('<!')) continue
    if (closing === '/') {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}> at ${m.index}`)
      stack.pop()
      continue
    }
    const attributes: Record<string, string> = {}
    for (const a of (attrs ?? '').matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) attributes[a[1] as string] = a[2] ?? ''
    const element: XmlElement = { name, attributes, children: [], text: '' }
    top.children.push(element)
    if (selfClosing !== '/' && !(html && VOID_HTML.has(name))) stack.push(element)
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`)
  return root
}

export function findAll(element: XmlElement, predicate: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = []
  const walk = (e: XmlElement) => {
    if (predicate(e)) out.push(e)
    e.children.forEach(walk)
  }
  walk(element)
  return out
}

export function hasClass(e: XmlElement, name: string): boolean {
  return (e.attributes['class'] ?? '').split(/\s+/).includes(name)
}
