import { defineDestination } from '@patchbay/core'
import pkg from '../package.json' with { type: 'json' }
import { assertBatchable, planBatch } from './_batch.ts'
import { prepareEvent } from './_compat.ts'
import { deletionRequest } from './_deletion.ts'
import { singleRequest } from './_request.ts'
import { WebhookConfigSchema } from './config.ts'

export interface WebhookDestinationOptions {
  /**
   * The clock used for signature timestamps, in milliseconds since the epoch (default
   * Date.now). Tests pass a fixed one to get exact signatures.
   */
  now?: () => number
}

/**
 * Builds the webhook destination. The package's default export is
 * `createWebhookDestination()`; call it yourself only to inject a clock (tests).
 *
 * @example
 * import { PluginRegistry } from '@patchbay/core'
 * import { createWebhookDestination } from '@patchbay/destination-webhook'
 * const registry = new PluginRegistry().add(createWebhookDestination({ now: () => 1_767_225_600_000 }))
 */
export function createWebhookDestination(options: WebhookDestinationOptions = {}) {
  const now = options.now ?? Date.now
  return defineDestination({
    name: pkg.name,
    version: pkg.version,
    // 3: the deleteUsers hook (regulations).
    apiVersion: 3,
    title: 'Webhook',
    description: pkg.description,
    config: WebhookConfigSchema,
    examples: [
      {
        url: 'https://hooks.example.com/patchbay',
        method: 'POST',
        headers: {},
        auth: { type: 'none' },
        bodyFormat: 'json',
        eventOverrides: 'same-origin',
        batch: { enabled: false, maxEvents: 100, maxBytes: 512_000 },
      },
      {
        url: 'https://api.example.com/users/{{userId}}/events',
        method: 'PUT',
        headers: { 'X-Source': 'patchbay' },
        auth: { type: 'bearer', token: 'tok_example_123456' },
        bodyFormat: 'json',
        eventOverrides: 'same-origin',
        batch: { enabled: false, maxEvents: 100, maxBytes: 512_000 },
        signing: { secret: 'whsec_example_0123456789', header: 'Patchbay-Signature' },
      },
      {
        url: 'https://collector.example.com/ingest',
        method: 'POST',
        headers: {},
        auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: 'key_example_123456' },
        bodyFormat: 'json',
        eventOverrides: 'off',
        batch: { enabled: true, maxEvents: 500, maxBytes: 1_000_000 },
      },
      {
        url: 'https://legacy.example.com/track',
        method: 'GET',
        headers: {},
        auth: { type: 'apiKey', in: 'query', name: 'api_key', value: 'key_example_123456' },
        bodyFormat: 'json',
        eventOverrides: 'same-origin',
        batch: { enabled: false, maxEvents: 100, maxBytes: 512_000 },
      },
    ],
    supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
    transform(event, { config, plugin }) {
      const prepared = prepareEvent(event as Record<string, unknown>, config.eventOverrides, plugin)
      return singleRequest(config, prepared, plugin, now)
    },
    batch(config) {
      if (!config.batch.enabled) return undefined
      assertBatchable(config, `${pkg.name}@${pkg.version}`)
      return { maxEvents: config.batch.maxEvents, maxBytes: config.batch.maxBytes }
    },
    transformBatch(events, { config, plugin }) {
      return planBatch(events as Array<Record<string, unknown>>, config, plugin, now)
    },
    deleteUsers(identifiers, { config, plugin }) {
      return deletionRequest(config, identifiers, plugin, now)
    },
  })
}

/** The webhook destination, as the plugin registry loads it. */
const webhook = createWebhookDestination()
export default webhook
