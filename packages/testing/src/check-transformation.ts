import { isPatchbayError, type TransformationPlugin } from '@patchbay/core'
import { EVENT_TYPES, validateEvent } from '@patchbay/protocol'
import { pluginContext } from './_context.ts'
import { deepFreeze, SAMPLE_EVENTS } from './_samples.ts'
import { type Finding, pass, violation } from './finding.ts'

/**
 * For every event type: the output is null, an event or an array of valid events; the input
 * is never mutated (inputs are frozen); only Patchbay errors are thrown.
 */
export async function checkTransformation(plugin: TransformationPlugin, config: unknown): Promise<Finding[]> {
  const findings: Finding[] = []
  const ctx = { ...pluginContext(plugin, config), metadata: { stepId: 'contract' } }
  for (const type of EVENT_TYPES) {
    const rule = `${type} events`
    const input = deepFreeze(structuredClone(SAMPLE_EVENTS[type]))
    try {
      const out = plugin.transformEvent
        ? await plugin.transformEvent(input, ctx as never)
        : await plugin.transformBatch!([input], ctx as never)
      const events = out === null || out === undefined ? [] : Array.isArray(out) ? out : [out]
      const invalid = events.map((e) => validateEvent(e)).filter((r) => !r.ok)
      findings.push(
        invalid.length === 0
          ? pass(rule)
          : violation(
              rule,
              'A transformation returns null (drop), an event, or an array of events (fan-out); each a valid event.',
              `it returned ${JSON.stringify(out)?.slice(0, 200)}: ${invalid.map((r) => (r.ok ? '' : r.errors[0]?.message)).join('; ')}`,
              'Return a protocol event (spread the input and change what you need), an array of them, or null.',
            ),
      )
    } catch (error) {
      const mutated =
        error instanceof TypeError &&
        /read.only|frozen|not extensible|Cannot (assign|add|delete)/i.test(error.message)
      findings.push(
        isPatchbayError(error)
          ? pass(rule, `refused: ${error.message}`)
          : violation(
              rule,
              mutated
                ? 'A transformation never mutates its input (the engine may share it).'
                : 'A transformation does not crash on a valid event.',
              `it threw ${(error as Error)?.name}: ${(error as Error)?.message}`,
              mutated
                ? 'Return a new object: `{ ...event, properties: { ...event.properties, x: 1 } }`.'
                : 'Handle every event type, or throw InvalidEventError for events you cannot handle.',
            ),
      )
    }
  }
  return findings
}
