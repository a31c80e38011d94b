import './style.css'
import { get } from './api.ts'
import { deadLettersView } from './dead-letters.ts'
import { append, clear, h } from './dom.ts'
import { liveView } from './live.ts'
import { lookupView } from './lookup.ts'
import { metricsView } from './metrics.ts'
import { playgroundView } from './playground.ts'
import type { Overview } from './types.ts'

type View = (root: HTMLElement, overview: Overview) => () => void

const VIEWS: Array<[string, string, View]> = [
  ['live', 'Live events', liveView],
  ['lookup', 'Look-up', lookupView],
  ['metrics', 'Metrics', metricsView],
  ['dead-letters', 'Dead letters', deadLettersView],
  ['playground', 'Playground', playgroundView],
]

async function start(): Promise<void> {
  const overview = await get<Overview>('overview')
  const tabs = document.getElementById('tabs')!
  const view = document.getElementById('view')!
  let stop: () => void = () => {}

  function show(id: string): void {
    const found = VIEWS.find(([key]) => key === id) ?? VIEWS[0]!
    stop()
    clear(view)
    for (const b of tabs.querySelectorAll('button')) b.classList.toggle('active', b.dataset.view === found[0])
    view.dataset.view = found[0]
    stop = found[2](view, overview)
  }

  for (const [id, label] of VIEWS)
    append(tabs, h('button', { type: 'button', 'data-view': id, onclick: () => (location.hash = id) }, label))
  window.addEventListener('hashchange', () => show(location.hash.slice(1)))
  show(location.hash.slice(1))
}

start().catch((error: Error) =>
  append(document.getElementById('view')!, h('p', { class: 'error-text' }, error.message)),
)
