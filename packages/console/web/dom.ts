/**
 * The only way this page makes elements: text goes in as text nodes, attributes are set one
 * by one from a short allow-list, and nothing is ever parsed as HTML. Event contents are
 * attacker-controlled (anyone with a write key writes them), so no value can become markup.
 */
type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>

const ALLOWED =
  /^(class|id|type|name|value|placeholder|title|for|disabled|checked|rows|cols|spellcheck|aria-[a-z]+|data-[a-z-]+|role|min|max|step|selected|autocomplete)$/

export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') {
      el.addEventListener(key.replace(/^on/, ''), value)
      continue
    }
    if (!ALLOWED.test(key)) throw new Error(`attribute ${key} is not allowed`)
    el.setAttribute(key, value === true ? '' : String(value))
  }
  append(el, ...children)
  return el
}

export function append(el: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    el.appendChild(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    )
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild)
}

/** JSON, indented, as a text node in a <pre>. */
export function json(value: unknown): HTMLElement {
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2) ?? 'undefined')
}

export function time(ms: number | undefined): string {
  if (ms === undefined) return ''
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23)
}
