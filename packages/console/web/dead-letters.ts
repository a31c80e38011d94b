import { get, post } from './api.ts'
import { append, clear, h, json, time } from './dom.ts'
import type { DeadLetter, Overview } from './types.ts'

/** Dead letters: browse, inspect, replay and purge (with a confirmation): the operations of `patchbay dlq`. */
export function deadLettersView(root: HTMLElement, overview: Overview): () => void {
  const destination = h(
    'select',
    { name: 'destination', 'aria-label': 'destination' },
    h('option', { value: '' }, 'all destinations'),
    ...overview.destinations.map((d) => h('option', { value: d }, d)),
  ) as HTMLSelectElement
  const body = h('tbody', { id: 'dead-letter-rows' })
  const detail = h('div', { class: 'pane', id: 'dead-letter-detail' })
  const note = h('p', { class: 'muted', id: 'dead-letter-note' })

  async function act(what: 'replay' | 'purge', ids: number[] | undefined): Promise<void> {
    const selector = ids ? { ids } : { destinationId: destination.value }
    const which = ids
      ? `dead letter${ids.length > 1 ? 's' : ''} ${ids.map((i) => `#${i}`).join(', ')}`
      : `every dead letter of ${destination.value}`
    if (what === 'purge' && !confirm(`Delete ${which} for good?`)) return
    if (what === 'replay' && !ids && !confirm(`Replay ${which}?`)) return
    try {
      const r = await post<{ replayed?: number; purged?: number }>(`dead-letters/${what}`, selector)
      note.textContent = what === 'replay' ? `${r.replayed} replayed` : `${r.purged} purged`
    } catch (error) {
      note.textContent = (error as Error).message
    }
    await load()
  }

  function bulk(what: 'replay' | 'purge'): void {
    if (destination.value) void act(what, undefined)
    else note.textContent = `choose a destination to ${what} all of it`
  }

  async function load(): Promise<void> {
    const { deadLetters, total } = await get<{ deadLetters: DeadLetter[]; total: number }>('dead-letters', {
      destination: destination.value,
      limit: '200',
    })
    clear(body)
    for (const l of deadLetters)
      append(
        body,
        h(
          'tr',
          { 'data-id': l.id, 'data-message-id': l.messageId },
          h('td', {}, `#${l.id}`),
          h('td', {}, l.destinationId),
          h('td', { class: 'mono' }, l.messageId),
          h('td', {}, l.attempts),
          h('td', { class: 'error-text' }, l.reason),
          h('td', {}, time(l.abortedAt)),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'inspect',
                onclick: () => {
                  clear(detail)
                  append(detail, h('h3', {}, `Dead letter #${l.id}`), json(l))
                },
              },
              'Inspect',
            ),
            h(
              'button',
              { type: 'button', class: 'replay', onclick: () => void act('replay', [l.id]) },
              'Replay',
            ),
            h(
              'button',
              { type: 'button', class: 'purge danger', onclick: () => void act('purge', [l.id]) },
              'Purge',
            ),
          ),
        ),
      )
    if (deadLetters.length === 0) append(body, h('tr', {}, h('td', { class: 'muted' }, 'No dead letters.')))
    if (!note.textContent) note.textContent = `${total} dead letters`
  }

  const bulkButtons = h(
    'span',
    {},
    h(
      'button',
      {
        type: 'button',
        onclick: () => bulk('replay'),
      },
      'Replay all of destination',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: () => bulk('purge'),
      },
      'Purge all of destination',
    ),
  )
  destination.addEventListener('change', () => void load())
  append(
    root,
    h(
      'div',
      { class: 'filters' },
      destination,
      h('button', { type: 'button', onclick: () => void load() }, 'Refresh'),
      bulkButtons,
    ),
    note,
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
              h('th', {}, 'id'),
              h('th', {}, 'destination'),
              h('th', {}, 'messageId'),
              h('th', {}, 'attempts'),
              h('th', {}, 'reason'),
              h('th', {}, 'aborted'),
              h('th', {}, ''),
            ),
          ),
          body,
        ),
      ),
      detail,
    ),
  )
  void load()
  const timer = setInterval(() => void load(), 5000)
  return () => clearInterval(timer)
}
