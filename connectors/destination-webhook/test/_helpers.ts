import { readFileSync } from 'node:fs'
import { compileConfig, type HttpRequest, type PluginLogger, runtimeServices } from '@patchbay/core'
import type { PatchbayEvent } from '@patchbay/protocol'
import { createWebhookDestination, type WebhookConfig, WebhookConfigSchema } from '../src/index.ts'

/** 2026-01-15T10:00:00Z: the fixed clock every signature in these tests is made with. */
export const NOW_MS = 1_768_471_200_000
export const NOW_SEC = NOW_MS / 1000

export const webhook = createWebhookDestination({ now: () => NOW_MS })

export type FixtureName =
  | 'track'
  | 'identify'
  | 'identify-context-traits'
  | 'page'
  | 'screen'
  | 'group'
  | 'alias'
  | 'rudder-overrides'

/** A fresh copy of a fixture event from test/fixtures/events. */
export function fixture(name: FixtureName): PatchbayEvent & Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/events/${name}.json`, import.meta.url), 'utf8'))
}

const compiled = compileConfig(WebhookConfigSchema)

/** Parses a config the way the runtime does: defaults filled, then validated. */
export function config(input: Record<string, unknown>): WebhookConfig {
  return compiled.parse(input, { plugin: 'webhook-test' })
}

const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} }

export const PLUGIN_ID = '@patchbay/destination-webhook@test'

export function ctx(input: Record<string, unknown>) {
  return { ...runtimeServices, config: config(input), logger: silent, plugin: PLUGIN_ID }
}

/** Runs `transform` for one event and returns the single request it built. */
export async function transform(event: unknown, input: Record<string, unknown>): Promise<HttpRequest> {
  const out = await webhook.transform(event as never, ctx(input))
  if (!out || Array.isArray(out)) throw new Error(`expected one request, got ${JSON.stringify(out)}`)
  return out
}

/** Runs `transform` and returns what it threw. */
export async function transformError(event: unknown, input: Record<string, unknown>): Promise<unknown> {
  try {
    await webhook.transform(event as never, ctx(input))
  } catch (error) {
    return error
  }
  throw new Error('expected transform to throw')
}
