import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
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

let transform: SandboxTransform | undefined
const sandbox = createSandbox()

export default defineBench([
  {
    name: 'log.nginx.parse.in-process',
    unit: 'lines/s',
    description: 'parseNginxLog(line, "combined") on realistic access lines, one core',
    goal: { op: '>=', value: 300_000 },
    measure: () =>
      measureRate(() => {
        for (const line of lines)
          if (!parseNginxLog(line, 'combined').ok) throw new Error('bench line did not parse')
        return BATCH
      }),
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
    name: 'log.nginx.parse.sandbox-ratio',
    unit: 'ratio',
    description: 'sandboxed lines/s over in-process lines/s, same run',
    goal: { op: '>=', value: 0.7 },
    measure: (ctx) => ctx.get('log.nginx.parse.sandbox') / ctx.get('log.nginx.parse.in-process'),
  },
])
