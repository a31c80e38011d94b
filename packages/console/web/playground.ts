import { post } from './api.ts'
import { diff, diffTable } from './diff.ts'
import { append, clear, h, json } from './dom.ts'
import type { Overview } from './types.ts'

interface PlaygroundError {
  code: string
  message: string
  line?: number
  column?: number
  messageId?: string
}

interface PlaygroundResult {
  compileError?: PlaygroundError
  results: Array<{ input: unknown; outputs?: unknown[]; error?: PlaygroundError }>
  logs: Array<{ level: string; message: string; messageId?: string }>
  timings: { compileMs: number; runMs: number }
}

const EXAMPLE = `// Runs in the gateway's sandbox with the pipeline's limits; nothing is deployed.
export function transformEvent(event) {
  console.log('seen', event.messageId)
  if (event.event === 'Internal Test') return null // drop
  return { ...event, properties: { ...event.properties, reviewed: true } }
}
`

/** The transformation playground: code in CodeMirror, run over the last N live events or pasted ones. */
export function playgroundView(root: HTMLElement, overview: Overview): () => void {
  const editorBox = h('div', { class: 'editor', id: 'playground-editor' })
  const language = h(
    'select',
    { name: 'language', 'aria-label': 'language' },
    h('option', { value: 'js' }, 'JavaScript'),
    h('option', { value: 'ts' }, 'TypeScript'),
  ) as HTMLSelectElement
  const from = h(
    'select',
    { name: 'from', 'aria-label': 'events from' },
    h('option', { value: 'live' }, 'last live events'),
    h('option', { value: 'pasted' }, 'pasted events'),
  ) as HTMLSelectElement
  const source = h(
    'select',
    { name: 'source', 'aria-label': 'source' },
    h('option', { value: '' }, 'any source'),
    ...overview.sources.map((s) => h('option', { value: s }, s)),
  ) as HTMLSelectElement
  const last = h('input', {
    name: 'last',
    type: 'number',
    min: 1,
    max: 100,
    value: 10,
    'aria-label': 'how many live events',
  }) as HTMLInputElement
  const pasted = h('textarea', {
    name: 'events',
    rows: 6,
    spellcheck: false,
    placeholder: '[{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1"}]',
    'aria-label': 'pasted events',
  }) as HTMLTextAreaElement
  const out = h('div', { id: 'playground-output' })
  let editor: { value: string; goTo(line: number, column: number): void; destroy(): void } | undefined

  function errorLine(e: PlaygroundError): HTMLElement {
    const where =
      e.line !== undefined
        ? `line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}`
        : 'no position'
    return h(
      'p',
      { class: 'error-text playground-error', 'data-line': e.line, 'data-column': e.column },
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => e.line !== undefined && editor?.goTo(e.line, e.column ?? 1),
        },
        where,
      ),
      ` ${e.code}: ${e.message}`,
    )
  }

  async function run(): Promise<void> {
    clear(out)
    append(out, h('p', { class: 'muted' }, 'running…'))
    let events: unknown[] | undefined
    if (from.value === 'pasted') {
      try {
        const parsed = JSON.parse(pasted.value) as unknown
        events = Array.isArray(parsed) ? parsed : [parsed]
      } catch (error) {
        clear(out)
        append(
          out,
          h('p', { class: 'error-text' }, `The pasted events are not JSON: ${(error as Error).message}`),
        )
        return
      }
    }
    try {
      const r = await post<PlaygroundResult>('playground', {
        code: editor?.value ?? '',
        language: language.value,
        ...(source.value ? { sourceId: source.value } : {}),
        ...(events ? { events } : { last: Number(last.value) }),
      })
      clear(out)
      append(
        out,
        h(
          'p',
          { class: 'timings' },
          `compiled in ${r.timings.compileMs.toFixed(1)} ms, ran ${r.results.length} events in ${r.timings.runMs.toFixed(1)} ms`,
        ),
      )
      if (r.compileError) return void append(out, h('h4', {}, 'Compile error'), errorLine(r.compileError))
      const failed = r.results.filter((x) => x.error).length
      append(out, h('p', { class: 'summary' }, `${r.results.length - failed} ran, ${failed} failed`))
      r.results.forEach((x, i) => {
        const input = x.input as { messageId?: string }
        const head = `#${i + 1} ${input?.messageId ?? ''}: `
        const body = x.error
          ? errorLine(x.error)
          : x.outputs!.length === 0
            ? h('p', { class: 'muted' }, 'dropped (returned null)')
            : h(
                'div',
                {},
                ...x.outputs!.map((o) => diffTable(diff(x.input, o))),
                h('details', {}, h('summary', {}, 'output'), json(x.outputs)),
              )
        append(
          out,
          h(
            'section',
            { class: `result ${x.error ? 'failed' : 'ok'}` },
            h('h4', {}, head, x.error ? 'error' : `${x.outputs!.length} out`),
            body,
          ),
        )
      })
      if (r.logs.length)
        append(
          out,
          h('h4', {}, 'Logs'),
          h(
            'pre',
            { class: 'logs' },
            r.logs.map((l) => `[${l.level}]${l.messageId ? ` ${l.messageId}` : ''} ${l.message}`).join('\n'),
          ),
        )
    } catch (error) {
      clear(out)
      append(out, h('p', { class: 'error-text' }, (error as Error).message))
    }
  }

  append(
    root,
    h(
      'div',
      { class: 'filters' },
      language,
      from,
      source,
      last,
      h('button', { type: 'button', id: 'run', onclick: () => void run() }, 'Run'),
      h('span', { class: 'muted' }, 'Nothing is deployed from here.'),
    ),
    h(
      'div',
      { class: 'split' },
      h('div', { class: 'pane' }, editorBox, pasted),
      h('div', { class: 'pane' }, out),
    ),
  )
  let gone = false
  void import('./editor.ts').then(({ createEditor }) => {
    if (gone) return
    editor = createEditor(editorBox, EXAMPLE, language.value === 'ts')
    editorBox.setAttribute('data-ready', '')
  })
  return () => {
    gone = true
    editor?.destroy()
  }
}
