import type { Pipeline, Redactor, StepReport } from '@patchbay/core'
import type { RecentEvents } from './_recent.ts'
import type { StepSnapshot } from './_records.ts'

type Transform = Pick<Pipeline, 'transform' | 'route'>

/**
 * The pipeline's `transform`, reporting what each transformation step did for the events a
 * live view samples. Nobody watching: the pipeline's own `transform`, untouched (no
 * observer, no extra work). Watching: core reports the steps of inputs whose record is
 * sampled or not recorded yet (references to its frozen events, no copies), and the
 * snapshots are attached a turn later, after the console recorded the batch, to sampled
 * records only.
 */
export function observeTransform(
  pipeline: Transform,
  recent: RecentEvents,
  watching: () => boolean,
  redactor: Redactor,
): Transform {
  return {
    route: (event, options) => pipeline.route(event, options),
    transform(events, options = {}) {
      if (!watching()) return pipeline.transform(events, options)
      const messageIdAt = (i: number) => (events[i] as { messageId?: unknown } | null)?.messageId
      const reports = new Map<number, StepReport[]>()
      const result = pipeline.transform(events, {
        ...options,
        observeSteps: {
          wants(i) {
            const messageId = messageIdAt(i)
            if (typeof messageId !== 'string') return false
            const record = recent.byMessageId(messageId)
            return record === undefined || recent.isSampled(record)
          },
          report(r) {
            const list = reports.get(r.index) ?? []
            reports.set(r.index, list)
            list.push(r)
          },
        },
      })
      return result.then((value) => {
        if (reports.size > 0)
          setImmediate(() => {
            try {
              for (const [i, list] of reports) {
                const messageId = messageIdAt(i)
                if (typeof messageId === 'string') recent.setSteps(messageId, list.map(snapshot(redactor)))
              }
            } catch {
              // the console loses sight of the steps; the gateway carries on
            }
          })
        return value
      })
    },
  }
}

const snapshot =
  (redactor: Redactor) =>
  (r: StepReport): StepSnapshot => ({
    step: r.step,
    status: r.status,
    before: r.before,
    ...(r.status === 'ran' && r.after.length > 0 ? { after: [...r.after] } : {}),
    ...(r.status === 'failed' ? { error: redactor.string(`${r.error.code}: ${r.error.message}`) } : {}),
  })
