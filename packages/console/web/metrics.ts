import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { get } from './api.ts'
import { append, clear, h } from './dom.ts'

interface History {
  intervalMs: number
  times: number[]
  charts: Array<{ title: string; unit: string; lines: Record<string, Array<number | null>> }>
}

const COLOURS = ['#2d5be3', '#d1495b', '#00798c', '#edae49', '#66a182', '#8d6a9f', '#30638e']

/** The last hour of the gateway's own metrics, drawn with uPlot, refreshed every sampling interval. */
export function metricsView(root: HTMLElement): () => void {
  const grid = h('div', { class: 'charts', id: 'charts' })
  const note = h('p', { class: 'muted' })
  const plots: uPlot[] = []
  append(root, note, grid)

  async function load(): Promise<void> {
    const history = await get<History>('metrics')
    for (const p of plots) p.destroy()
    plots.length = 0
    clear(grid)
    note.textContent = `The gateway samples its own metrics every ${history.intervalMs / 1000} s and keeps an hour (${history.times.length} samples so far).`
    for (const chart of history.charts) {
      const names = Object.keys(chart.lines)
      const box = h('figure', { class: 'chart', 'data-title': chart.title }, h('figcaption', {}, chart.title))
      append(grid, box)
      if (names.length === 0) {
        append(box, h('p', { class: 'muted' }, 'No data yet.'))
        continue
      }
      const data: uPlot.AlignedData = [history.times, ...names.map((n) => chart.lines[n]!)]
      plots.push(
        new uPlot(
          {
            width: 460,
            height: 200,
            series: [
              {},
              ...names.map((n, i) => ({
                label: n,
                stroke: COLOURS[i % COLOURS.length]!,
                width: 2,
                spanGaps: false,
              })),
            ],
            axes: [{}, { label: chart.unit, size: 60 }],
            scales: { y: { range: (_u, min, max) => [0, Math.max(max ?? 1, min ?? 0, 1) * 1.1] } },
          },
          data,
          box,
        ),
      )
    }
  }

  void load()
  const timer = setInterval(() => void load(), 5000)
  return () => {
    clearInterval(timer)
    for (const p of plots) p.destroy()
  }
}
