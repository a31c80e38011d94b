import { get } from './api.ts'
import { append, clear, h, json, time } from './dom.ts'
import { badge, eventDetail } from './outcome.ts'
import type { LookupResult, StoredMatch } from './types.ts'

const STATES: Record<StoredMatch['state'], string> = {
  pending: 'pending (not processed yet)',
  waiting: 'queued',
  in_flight: 'in flight',
  retrying: 'retrying',
  dead_letter: 'dead letter',
}

/** One event the store holds: where it stands, and the event. */
function storedMatch(m: StoredMatch): HTMLElement {
  const at = m.destinationId === undefined ? '' : ` at ${m.destinationId}`
  return h(
    'details',
    { class: 'found', 'data-state': m.state, 'data-message-id': m.messageId },
    h(
      'summary',
      {},
      h('span', { class: `badge status-${m.state}` }, `${STATES[m.state]}${at}`),
      ` ${m.messageId}${m.attempts > 0 ? ` · ${m.attempts} attempt(s)` : ''}`,
    ),
    h(
      'dl',
      {},
      m.sourceId !== undefined && h('dt', {}, 'source'),
      m.sourceId !== undefined && h('dd', {}, m.sourceId),
      h('dt', {}, m.state === 'pending' ? 'transform attempts' : 'attempts'),
      h('dd', {}, m.attempts),
      m.nextAt !== undefined &&
        m.state !== 'in_flight' &&
        h('dt', {}, m.state === 'retrying' ? 'next retry' : 'due'),
      m.nextAt !== undefined && m.state !== 'in_flight' && h('dd', {}, time(m.nextAt)),
      m.error !== undefined && h('dt', {}, m.state === 'dead_letter' ? 'dead letter because' : 'last error'),
      m.error !== undefined && h('dd', { class: 'error-text' }, m.error),
      h(
        'dt',
        {},
        m.state === 'dead_letter' ? 'dead letter since' : m.state === 'pending' ? 'stored' : 'queued',
      ),
      h('dd', {}, time(m.at)),
    ),
    json(m.event),
  )
}

/** Find an event by messageId or user: among recent events (with outcomes) and everything the store holds (queued, retrying, dead letters). */
export function lookupView(root: HTMLElement): () => void {
  const messageId = h('input', {
    name: 'messageId',
    placeholder: 'messageId',
    'aria-label': 'messageId',
  }) as HTMLInputElement
  const user = h('input', {
    name: 'user',
    placeholder: 'userId or anonymousId',
    'aria-label': 'user',
  }) as HTMLInputElement
  const out = h('div', { id: 'lookup-results' })

  async function search(): Promise<void> {
    clear(out)
    append(out, h('p', { class: 'muted' }, 'searching…'))
    try {
      const found = await get<LookupResult>('lookup', {
        messageId: messageId.value.trim(),
        user: user.value.trim(),
      })
      clear(out)
      append(
        out,
        h(
          'h3',
          {},
          `Recent events (${found.recent.length}, among the last ${found.recentCapacity} the gateway accepted)`,
        ),
        ...found.recent.map((r) =>
          h(
            'details',
            { class: 'found' },
            h(
              'summary',
              {},
              `${time(r.receivedAt)} ${r.type} ${r.name ?? ''} ${r.messageId} `,
              ...Object.entries(r.destinations).map(([d, o]) => badge(d, o)),
            ),
            eventDetail(r),
          ),
        ),
        h(
          'h3',
          {},
          `In the store (${found.stored.length}): pending, queued, in flight, retrying, dead letters`,
        ),
        h(
          'div',
          { id: 'lookup-stored' },
          ...found.stored.map(storedMatch),
          !found.storedComplete &&
            h(
              'p',
              { class: 'muted' },
              `The search stopped at ${found.storedLimit} matches per table (or its scan limit): older ones may exist.`,
            ),
        ),
      )
      if (found.recent.length === 0 && found.stored.length === 0)
        append(out, h('p', { class: 'muted' }, 'Nothing found.'))
    } catch (error) {
      clear(out)
      append(out, h('p', { class: 'error-text' }, (error as Error).message))
    }
  }

  append(
    root,
    h(
      'form',
      {
        class: 'filters',
        onsubmit: (e: Event) => {
          e.preventDefault()
          void search()
        },
      },
      messageId,
      user,
      h('button', { type: 'submit' }, 'Look up'),
    ),
    out,
  )
  return () => {}
}
