import {
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  type DestinationPlugin,
  resolveDeliveryOptions,
} from '@patchbay/core'
import { type PatchbayEvent, validateEvent } from '@patchbay/protocol'
import { pluginContext } from './_context.ts'
import { pipelineFor, registryFor } from './_engine.ts'
import { deepFreeze, SAMPLE_EVENTS } from './_samples.ts'
import { type Finding, pass, violation } from './finding.ts'

type Fate = 'delivered' | 'dropped' | 'failed'

/**
 * A mixed batch: every supported sample type, once as is and once anonymous (no userId)
 * where that is still a valid event,
 * interleaved, so a plugin that refuses some events and sorts or splits the rest has to
 * keep track of which is which.
 */
function mixedBatch(plugin: DestinationPlugin): PatchbayEvent[] {
  return plugin.supports.flatMap((type) => {
    const sample = SAMPLE_EVENTS[type] as PatchbayEvent & { userId?: string }
    const { userId: _, ...anonymous } = sample
    const variant = { ...anonymous, anonymousId: 'anon-batch', messageId: `${sample.messageId}-anonymous` }
    return [
      ...(validateEvent(variant).ok ? [variant as PatchbayEvent] : []), // alias needs its userId
      { ...sample, messageId: `${sample.messageId}-batch` },
    ]
  })
}

/** What `transform` alone does with one event: the fate the batch path must agree with. */
async function fateAlone(plugin: DestinationPlugin, config: unknown, event: PatchbayEvent): Promise<Fate> {
  try {
    const out = await plugin.transform(
      deepFreeze(structuredClone(event)) as never,
      pluginContext(plugin, config) as never,
    )
    return out === null || out === undefined || (Array.isArray(out) && out.length === 0)
      ? 'dropped'
      : 'delivered'
  } catch {
    return 'failed'
  }
}

/**
 * For a batching destination: each event's outcome through the engine's batch path
 * (`transformBatch`) is what `transform` does with that event alone. Catches plans whose
 * indices point at the wrong events, so one user's refusal lands on another's event.
 */
export async function checkBatchAttribution(plugin: DestinationPlugin, config: unknown): Promise<Finding[]> {
  const rule = 'batch outcomes on the right events'
  if (!plugin.transformBatch) return [pass(rule, 'no transformBatch')]
  const events = mixedBatch(plugin)
  const expected = await Promise.all(events.map((e) => fateAlone(plugin, config, e)))
  const pipeline = await createPipeline(pipelineFor(plugin, config), {
    registry: registryFor(plugin),
    createDeliverer: () =>
      createDeliverer({
        transport: createMemoryTransport(() => ({ status: 200, headers: {}, body: { ok: true } })),
        options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
      }),
  })
  let outcomes: Awaited<ReturnType<typeof pipeline.process>>
  try {
    outcomes = await pipeline.process(events)
  } finally {
    await pipeline.close()
  }
  const wrong = outcomes
    .filter((o) => o.status !== expected[o.index])
    .map(
      (o) =>
        `${o.messageId}: ${o.status}${o.error ? ` (${o.error.message})` : ''} in the batch, ${expected[o.index]} alone`,
    )
  return [
    wrong.length === 0
      ? pass(rule)
      : violation(
          rule,
          'Each event of a batch gets the outcome transform gives it alone: the indices in a transformBatch plan point at the events the request or error is about.',
          wrong.join('; '),
          'Build each plan entry from the positions of the events it covers in the array you were given (map before you filter or sort, or keep the index with each event); the engine maps indices of an array you sorted in place by identity.',
        ),
  ]
}
