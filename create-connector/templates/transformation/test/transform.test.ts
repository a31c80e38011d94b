import type { EventOf } from '@patchbay/core'
import { testContext } from '@patchbay/testing'
import { describe, expect, it } from 'vitest'
import plugin from '../src/index.ts'

const config = { drop: ['Heartbeat'], rename: { 'Order Done': 'Order Completed' } }
// A typed context: the config parsed as the runtime parses it, a quiet logger, a fixed clock.
const ctx = testContext(plugin, config)
const track = (event: string): EventOf<'track'> => ({ type: 'track', event, userId: 'u-1', messageId: 'm-1' })

describe('{{name}}', () => {
  it('drops the configured track events', async () => {
    expect(await plugin.transformEvent!(track('Heartbeat'), ctx)).toBeNull()
  })

  it('renames without touching the input', async () => {
    const input = Object.freeze(track('Order Done'))
    expect(await plugin.transformEvent!(input, ctx)).toEqual({ ...input, event: 'Order Completed' })
    expect(input.event).toBe('Order Done')
  })

  it('passes other events through unchanged', async () => {
    const identify: EventOf<'identify'> = { type: 'identify', userId: 'u-1', messageId: 'm-2', traits: { plan: 'pro' } }
    expect(await plugin.transformEvent!(identify, ctx)).toBe(identify)
  })
})
