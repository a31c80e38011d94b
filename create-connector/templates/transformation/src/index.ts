import { defineTransformation } from '@patchbay/core'
import Type from 'typebox'
import pkg from '../package.json' with { type: 'json' }

/** What users write under `config:` in a pipeline. */
const config = Type.Object({
  drop: Type.Array(Type.String({ minLength: 1 }), {
    default: ['Heartbeat'],
    description: 'Track event names to drop',
  }),
  rename: Type.Record(Type.String(), Type.String({ minLength: 1 }), {
    default: {},
    description: 'Track event names to rename, old name → new name',
  }),
})

/**
 * {{description}}
 *
 * Drops noisy track events and renames others; every other event passes through unchanged.
 */
export default defineTransformation({
  name: pkg.name,
  version: pkg.version,
  apiVersion: 1,
  title: '{{title}}',
  description: pkg.description,
  config,
  examples: [{ drop: ['Heartbeat'], rename: { 'Order Done': 'Order Completed' } }],
  transformEvent: (event, { config }) => {
    if (event.type !== 'track') return event
    if (config.drop.includes(event.event)) return null
    const renamed = config.rename[event.event]
    // Never mutate the input: the engine shares it with other steps.
    return renamed === undefined ? event : { ...event, event: renamed }
  },
})
