import { h } from './dom.ts'

export interface Change {
  path: string
  kind: 'added' | 'removed' | 'changed'
  before?: unknown
  after?: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/** What differs between two JSON values, field by field (paths like `properties.plan`, `items[2]`). */
export function diff(before: unknown, after: unknown, path = ''): Change[] {
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const out: Change[] = []
    const keys = new Set([...Object.keys(before), ...Object.keys(after)])
    for (const key of keys) {
      const p = Array.isArray(before) ? `${path}[${key}]` : path ? `${path}.${key}` : key
      if (!(key in after)) out.push({ path: p, kind: 'removed', before: before[key] })
      else if (!(key in before)) out.push({ path: p, kind: 'added', after: after[key] })
      else out.push(...diff(before[key], after[key], p))
    }
    return out
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ path: path || '(whole event)', kind: 'changed', before, after }]
}

const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v))

/** A table of the changes, every value as text. */
export function diffTable(changes: Change[]): HTMLElement {
  if (changes.length === 0) return h('p', { class: 'muted' }, 'No change.')
  return h(
    'table',
    { class: 'diff' },
    h('thead', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, 'before'), h('th', {}, 'after'))),
    h(
      'tbody',
      {},
      ...changes.map((c) =>
        h(
          'tr',
          { class: `diff-${c.kind}` },
          h('td', {}, `${c.kind === 'added' ? '+ ' : c.kind === 'removed' ? '- ' : '~ '}${c.path}`),
          h('td', {}, show(c.before)),
          h('td', {}, show(c.after)),
        ),
      ),
    ),
  )
}
