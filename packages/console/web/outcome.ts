import { diff, diffTable } from './diff.ts'
import { h, json, time } from './dom.ts'
import type { ConsoleRecord, DestinationOutcome, StepSnapshot } from './types.ts'

const LABELS: Record<DestinationOutcome['status'], string> = {
  queued: 'queued',
  in_flight: 'in flight',
  retrying: 'retrying',
  delivered: 'delivered',
  dropped: 'dropped',
  dead_letter: 'dead letter',
  not_routed: 'not routed',
}

/** A small status badge: `crm: retrying (2)`. */
export function badge(destination: string, o: DestinationOutcome): HTMLElement {
  const attempts = o.attempts > 0 && o.status !== 'delivered' ? ` (${o.attempts})` : ''
  return h(
    'span',
    { class: `badge status-${o.status}`, 'data-destination': destination, 'data-status': o.status },
    `${destination}: ${LABELS[o.status]}${attempts}`,
  )
}

/** What one transformation step did: a diff per event it returned, or why it returned none. */
function stepSection(s: StepSnapshot, n: number): HTMLElement {
  const after = s.after ?? []
  const changed = after.some((a) => diff(s.before, a).length > 0)
  const verdict =
    s.status === 'skipped'
      ? 'skipped (its filter did not match)'
      : s.status === 'failed'
        ? 'failed'
        : after.length === 0
          ? 'dropped the event'
          : after.length > 1
            ? `split it into ${after.length} events`
            : changed
              ? 'changed'
              : 'unchanged'
  return h(
    'section',
    { class: 'step', 'data-step': s.step, 'data-step-status': s.status },
    h('h5', {}, `${n}. ${s.step}: ${verdict}`),
    s.error !== undefined && h('p', { class: 'error-text' }, s.error),
    ...(s.status === 'ran'
      ? after.map((a, i) =>
          h(
            'div',
            {},
            after.length > 1 && h('p', { class: 'muted' }, `event ${i + 1} of ${after.length}`),
            diffTable(diff(s.before, a)),
          ),
        )
      : []),
  )
}

/** Everything about one event: the stored event, and per destination its outcome and what the transformations changed. */
export function eventDetail(record: ConsoleRecord): HTMLElement {
  const rows = Object.entries(record.destinations).map(([destination, o]) =>
    h(
      'section',
      { class: 'outcome', 'data-destination': destination },
      h('h4', {}, badge(destination, o)),
      h(
        'dl',
        {},
        h('dt', {}, 'attempts'),
        h('dd', {}, o.attempts),
        o.nextAt !== undefined && o.status === 'retrying' && h('dt', {}, 'next retry'),
        o.nextAt !== undefined && o.status === 'retrying' && h('dd', {}, time(o.nextAt)),
        o.reason !== undefined && h('dt', {}, 'dropped because'),
        o.reason !== undefined && h('dd', {}, o.reason),
        o.error !== undefined &&
          h('dt', {}, o.status === 'dead_letter' ? 'dead letter because' : 'last error'),
        o.error !== undefined && h('dd', { class: 'error-text' }, o.error),
        h('dt', {}, 'updated'),
        h('dd', {}, time(o.updatedAt)),
      ),
      h('h5', {}, 'Transformations (stored event → what this destination gets)'),
      o.output === undefined
        ? h('p', { class: 'muted' }, 'Unchanged by the transformations.')
        : diffTable(diff(record.event, o.output)),
      o.exchanges &&
        o.exchanges.length > 0 &&
        h('details', {}, h('summary', {}, 'Request and response (redacted)'), json(o.exchanges)),
    ),
  )
  return h(
    'div',
    { class: 'detail' },
    h('h3', {}, `${record.type}${record.name ? ` · ${record.name}` : ''}`),
    h(
      'dl',
      {},
      h('dt', {}, 'messageId'),
      h('dd', {}, record.messageId),
      h('dt', {}, 'source'),
      h('dd', {}, record.sourceId),
      h('dt', {}, 'user'),
      h('dd', {}, record.userId ?? record.anonymousId ?? ''),
      h('dt', {}, 'received'),
      h('dd', {}, time(record.receivedAt)),
    ),
    record.steps && record.steps.length > 0 && h('h4', {}, 'Transformation steps'),
    record.steps &&
      record.steps.length > 0 &&
      h('div', { class: 'steps' }, ...record.steps.map((s, i) => stepSection(s, i + 1))),
    h('h4', {}, 'Outcomes'),
    rows.length ? h('div', {}, ...rows) : h('p', { class: 'muted' }, 'Not processed yet.'),
    h('h4', {}, 'Event (normalised, as stored)'),
    json(record.event),
  )
}
