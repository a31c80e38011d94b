import { defineBench, median } from '../../../test/bench/_harness.ts'
import { acceptEvents } from '../src/ingest/_events.ts'
import { parseJson } from '../src/ingest/_http.ts'

// Issue 13: a 300 KB batch of 100,000 `{}` events took ~10 s to refuse (a quadratic lookup)
// and stalled every other request meanwhile. Refusing is now linear and bounded.

const body = (n: number) => Buffer.from(JSON.stringify({ batch: Array.from({ length: n }, () => ({})) }))
const at = { batch: true, eventBytes: 32 * 1024, batchEvents: 10_000, receivedAt: new Date(0) }

/** Median ms to read and refuse `bytes` as the gateway does. */
function refuseMs(bytes: Buffer, rounds = 7): number {
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const start = performance.now()
    try {
      acceptEvents(parseJson(bytes, 64), at)
      throw new Error('the batch was accepted')
    } catch (error) {
      if ((error as Error).message === 'the batch was accepted') throw error
    }
    times.push(performance.now() - start)
  }
  return median(times)
}

export default defineBench([
  {
    name: 'gateway.refuse.1k-invalid',
    unit: 'ms',
    description:
      'refusing a /v1/batch of 1,000 `{}` events (parse, check, build the bounded refusal); the baseline of the next figure',
    measure: () => refuseMs(body(1_000)),
  },
  {
    name: 'gateway.refuse.10k-invalid',
    unit: 'ms',
    description: 'the same with 10,000 `{}` events, the most a batch may hold',
    measure: () => refuseMs(body(10_000)),
  },
  {
    name: 'gateway.refuse.scaling',
    unit: 'ratio',
    description:
      'time for 10,000 over time for 1,000 invalid events: about 10 when linear (it was quadratic: about 100)',
    goal: { op: '<=', value: 20 },
    measure: (ctx) => ctx.get('gateway.refuse.10k-invalid') / ctx.get('gateway.refuse.1k-invalid'),
  },
  {
    name: 'gateway.refuse.100k-invalid',
    unit: 'ms',
    description:
      'refusing the 300 KB batch of 100,000 `{}` events of issue 13 (was ~10 s): over the per-batch cap',
    goal: { op: '<=', value: 100 },
    measure: () => refuseMs(body(100_000)),
  },
])
