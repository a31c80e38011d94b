import { stream } from './api.ts'
import { append, clear, h, time } from './dom.ts'
import { badge, eventDetail } from './outcome.ts'
import type { ConsoleRecord, DestinationOutcome, Overview } from './types.ts'

/** Rows the live list keeps; older ones fall off the bottom. */
const MAX_ROWS = 200

/** The live view: events as they arrive (sampled by the gateway), filterable, each opening to its detail. */
export function liveView(root: HTMLElement, overview: Overview): () => void {
  const records = new Map<number, ConsoleRecord>()
  const rows = new Map<number, HTMLElement>()
  let selected: number | undefined
  let controller: AbortController | undefined
  let skipped = 0

  const source = h(
    'select',
    { name: 'source', 'aria-label': 'source' },
    h('option', { value: '' }, 'all sources'),
    ...overview.sources.map((s) => h('option', { value: s }, s)),
  )
  const type = h(
    'select',
    { name: 'type', 'aria-label': 'type' },
    ...['', 'track', 'identify', 'page', 'screen', 'group', 'alias'].map((t) =>
      h('option', { value: t }, t || 'all types'),
    ),
  )
  const name = h('input', {
    name: 'event',
    placeholder: 'event name',
    'aria-label': 'event name',
  }) as HTMLInputElement
  const user = h('input', {
    name: 'user',
    placeholder: 'userId or anonymousId',
    'aria-label': 'user',
  }) as HTMLInputElement
  const messageId = h('input', {
    name: 'messageId',
    placeholder: 'messageId',
    'aria-label': 'messageId',
  }) as HTMLInputElement
  const status = h('span', { class: 'muted', id: 'live-status' }, 'connecting…')
  const list = h('tbody', { id: 'live-rows' })
  const detail = h(
    'div',
    { id: 'live-detail', class: 'pane' },
    h('p', { class: 'muted' }, 'Click an event to see its payload and outcomes.'),
  )

  function outcomes(record: ConsoleRecord): HTMLElement {
    return h(
      'td',
      { class: 'outcomes' },
      ...Object.entries(record.destinations).map(([d, o]: [string, DestinationOutcome]) => badge(d, o)),
    )
  }

  function row(record: ConsoleRecord): HTMLElement {
    return h(
      'tr',
      {
        'data-id': record.id,
        'data-message-id': record.messageId,
        class: record.id === selected ? 'selected' : undefined,
        onclick: () => select(record.id),
      },
      h('td', {}, time(record.receivedAt).slice(11)),
      h('td', {}, record.sourceId),
      h('td', {}, record.type),
      h('td', { class: 'event-name' }, record.name ?? ''),
      h('td', {}, record.userId ?? record.anonymousId ?? ''),
      h('td', { class: 'mono' }, record.messageId),
      outcomes(record),
    )
  }

  function select(id: number): void {
    selected = id
    for (const [rid, el] of rows) el.classList.toggle('selected', rid === id)
    const record = records.get(id)
    clear(detail)
    if (record) append(detail, eventDetail(record))
  }

  function add(record: ConsoleRecord): void {
    records.set(record.id, record)
    const el = row(record)
    rows.set(record.id, el)
    list.insertBefore(el, list.firstChild)
    while (rows.size > MAX_ROWS) {
      const oldest = rows.keys().next().value as number
      rows.get(oldest)?.remove()
      rows.delete(oldest)
      records.delete(oldest)
    }
  }

  function update(change: Pick<ConsoleRecord, 'id' | 'destinations' | 'steps'>): void {
    const record = records.get(change.id)
    if (!record) return
    record.destinations = change.destinations
    if (change.steps) record.steps = change.steps
    const el = row(record)
    rows.get(change.id)?.replaceWith(el)
    rows.set(change.id, el)
    if (selected === change.id) select(change.id)
  }

  function connect(): void {
    controller?.abort()
    controller = new AbortController()
    clear(list)
    rows.clear()
    records.clear()
    skipped = 0
    status.textContent = 'live'
    const params = {
      source: (source as HTMLSelectElement).value,
      type: (type as HTMLSelectElement).value,
      event: name.value.trim(),
      user: user.value.trim(),
      messageId: messageId.value.trim(),
    }
    const signal = controller.signal
    stream('live', params, signal, (kind, data) => {
      if (kind === 'event') add(data as ConsoleRecord)
      else if (kind === 'update') update(data as Pick<ConsoleRecord, 'id' | 'destinations' | 'steps'>)
      else if (kind === 'skipped') {
        skipped += (data as { count: number }).count
        status.textContent = `live · ${skipped} events not shown (sampled at ${overview.liveEventsPerSecond}/s)`
      }
    }).then(
      () => {
        if (!signal.aborted) status.textContent = 'the stream ended; reconnecting…'
        if (!signal.aborted) setTimeout(connect, 2000)
      },
      (error: Error) => {
        if (signal.aborted) return
        status.textContent = `disconnected (${error.message}); reconnecting…`
        setTimeout(connect, 2000)
      },
    )
  }

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e: Event) => {
        e.preventDefault()
        connect()
      },
    },
    source,
    type,
    name,
    user,
    messageId,
    h('button', { type: 'submit' }, 'Filter'),
    status,
  )
  append(
    root,
    form,
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        { class: 'pane list' },
        h(
          'table',
          { class: 'events' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'time'),
              h('th', {}, 'source'),
              h('th', {}, 'type'),
              h('th', {}, 'event'),
              h('th', {}, 'user'),
              h('th', {}, 'messageId'),
              h('th', {}, 'outcomes'),
            ),
          ),
          list,
        ),
      ),
      detail,
    ),
  )
  connect()
  return () => controller?.abort()
}
