import { defineBench, measureRate, median } from '../../../test/bench/_harness.ts'
import { createSandbox, type SandboxTransform } from '../src/index.ts'
import { parseNginxLog } from '../src/log/index.ts'
import { NGINX_LINES } from './_nginx-lines.ts'

const BATCH = 1000
const lines = Array.from({ length: BATCH }, (_, i) => NGINX_LINES[i % NGINX_LINES.length]!)
const events = lines.map((message, i) => ({
  type: 'track',
  event: 'log_line',
  anonymousId: 'web-01',
  messageId: `l-${i}`,
  properties: { message, file: 'access.log', line: i + 1 },
}))

/** What a log transform does with each line: parse it, keep the checkouts, drop the rest. */
const SOURCE = `import { parseNginxLog } from '@patchbay/sandbox/log'
export function transformEvent(event) {
  const r = parseNginxLog(event.properties.message, 'combined')
  if (!r.ok || r.value.method !== 'POST') return null
  return { ...event, event: 'Order Completed', properties: { path: r.value.path, status: r.value.status } }
}`

/** The same, as transformLine: only the raw line crosses, the event is built inside. */
const LINES_SOURCE = `import { parseNginxLog } from '@patchbay/sandbox/log'
export function transformLine(line) {
  const r = parseNginxLog(line, 'combined')
  if (!r.ok || r.value.method !== 'POST') return null
  return { event: 'Order Completed', properties: { path: r.value.path, status: r.value.status } }
}`

let transform: SandboxTransform | undefined
let linesTransform: SandboxTransform | undefined
const sandbox = createSandbox()

const inProcessStep = () => {
  for (const line of lines)
    if (!parseNginxLog(line, 'combined').ok) throw new Error('bench line did not parse')
  return BATCH
}

const linesStep = async () => {
  linesTransform ??= await sandbox.compile(LINES_SOURCE, { filename: 'parse-nginx-lines.js' })
  const t = linesTransform
  return async () => {
    const { results } = await t.run(events as never, {})
    if (!results[0]!.ok) throw new Error('bench transform failed')
    return BATCH
  }
}

export default defineBench([
  {
    name: 'log.nginx.parse.in-process',
    unit: 'lines/s',
    description: 'parseNginxLog(line, "combined") on realistic access lines, one core',
    goal: { op: '>=', value: 300_000 },
    measure: () => measureRate(inProcessStep),
  },
  {
    name: 'log.nginx.parse.sandbox',
    unit: 'lines/s',
    description:
      'the same lines as log_line events through a sandboxed parse-and-filter transform, 1000 per batch',
    measure: async () => {
      transform ??= await sandbox.compile(SOURCE, { filename: 'parse-nginx.js' })
      const t = transform
      return measureRate(async () => {
        const { results } = await t.run(events as never, {})
        if (!results[0]!.ok) throw new Error('bench transform failed')
        return BATCH
      })
    },
  },
  {
    name: 'log.nginx.parse.sandbox-events-ratio',
    unit: 'ratio',
    description: 'log.nginx.parse.sandbox (transformEvent: whole events cross) / in-process, same run',
    measure: (ctx) => ctx.get('log.nginx.parse.sandbox') / ctx.get('log.nginx.parse.in-process'),
  },
  {
    name: 'log.nginx.parse.sandbox-lines',
    unit: 'lines/s',
    description:
      'the same log_line events through transformLine (only the lines cross, events built inside), 1000 per batch',
    measure: async () => measureRate(await linesStep()),
  },
  {
    name: 'log.nginx.parse.sandbox-ratio',
    unit: 'ratio',
    description:
      'transformLine lines/s / in-process lines/s: median of 9 rounds, each against the in-process rounds just before and after it',
    goal: { op: '>=', value: 0.7 },
    measure: async () => {
      const subject = await linesStep()
      const round = { rounds: 1, roundMs: 250, warmupMs: 50 }
      const ratios: number[] = []
      let before = await measureRate(inProcessStep, round)
      for (let i = 0; i < 9; i++) {
        const rate = await measureRate(subject, round)
        const after = await measureRate(inProcessStep, round)
        ratios.push(rate / ((before + after) / 2))
        before = after
      }
      return median(ratios)
    },
  },
])
