import { isPatchbayError, type TransformationPlugin } from '@patchbay/core'
import { EVENT_TYPES, validateEvent } from '@patchbay/protocol'
import { pluginContext } from './_context.ts'
import { corpusOf } from './_corpus.ts'
import { type Finding, pass, violation } from './finding.ts'

/**
 * For every event of the corpus (every type; minimal, full, unicode, large, odd characters):
 * the output is null, an event or an array of valid events; the input is never mutated
 * (inputs are frozen); only Patchbay errors are thrown.
 */
export async function checkTransformation(plugin: TransformationPlugin, config: unknown): Promise<Finding[]> {
  const findings: Finding[] = []
  const ctx = { ...pluginContext(plugin, config), metadata: { stepId: 'contract' } }
  for (const type of EVENT_TYPES) {
    const rule = `${type} events`
    const problems: string[] = []
    let refusal: string | undefined
    let mutated = false
    for (const { name, event: input } of corpusOf(type)) {
      try {
        const out = plugin.transformEvent
          ? await plugin.transformEvent(input, ctx as never)
          : await plugin.transformBatch!([input], ctx as never)
        const events = out === null || out === undefined ? [] : Array.isArray(out) ? out : [out]
        const invalid = events.map((e) => validateEvent(e)).filter((r) => !r.ok)
        if (invalid.length)
          problems.push(
            `on ${name} it returned ${JSON.stringify(out)?.slice(0, 200)}: ${invalid.map((r) => (r.ok ? '' : r.errors[0]?.message)).join('; ')}`,
          )
      } catch (error) {
        if (isPatchbayError(error)) {
          refusal ??= `${name}: ${error.message}`
          continue
        }
        mutated ||=
          error instanceof TypeError &&
          /read.only|frozen|not extensible|Cannot (assign|add|delete)/i.test(error.message)
        problems.push(`on ${name} it threw ${(error as Error)?.name}: ${(error as Error)?.message}`)
      }
    }
    findings.push(
      problems.length === 0
        ? pass(rule, refusal ? `refused ${refusal}` : undefined)
        : violation(
            rule,
            mutated
              ? 'A transformation never mutates its input (the engine may share it).'
              : 'A transformation returns null (drop), an event, or an array of valid events (fan-out) for every valid event (minimal, full, unicode, large, odd characters), and does not crash.',
            problems.slice(0, 3).join('; '),
            mutated
              ? 'Return a new object: `{ ...event, properties: { ...event.properties, x: 1 } }`.'
              : 'Return a protocol event (spread the input and change what you need), an array of them, or null; throw InvalidEventError for events you cannot handle. Optional fields may be missing.',
          ),
    )
  }
  return findings
}
