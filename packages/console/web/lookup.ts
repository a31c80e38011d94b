import { get } from './api.ts'
import { append, clear, h, json, time } from './dom.ts'
import { badge, eventDetail } from './outcome.ts'
import type { ConsoleRecord, DeadLetter } from './types.ts'

/** Find an event by messageId or user: among recent events (queued, retrying, delivered) and the dead letters. */
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
      const found = await get<{
        recent: ConsoleRecord[]
        recentCapacity: number
        deadLetters: DeadLetter[]
        deadLettersScanned: number
      }>('lookup', {
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
        h('h3', {}, `Dead letters (${found.deadLetters.length})`),
        ...found.deadLetters.map((l) =>
          h(
            'details',
            { class: 'found' },
            h('summary', {}, `#${l.id} ${l.destinationId} · ${l.messageId} · ${l.reason}`),
            json(l),
          ),
        ),
      )
      if (found.recent.length === 0 && found.deadLetters.length === 0)
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
