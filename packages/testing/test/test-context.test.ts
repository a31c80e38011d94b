import type { DestinationContext, LogRecord, PluginContext, TransformationContext } from '@patchbay/core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { testContext } from '../src/index.ts'
import * as p from './_plugins.ts'

describe('testContext', () => {
  it('is typed for the plugin, with the config parsed as the runtime parses it', async () => {
    const ctx = testContext(p.good, { token: 'tok_1' })
    expectTypeOf(ctx).toEqualTypeOf<DestinationContext<{ url: string; token: string }>>()
    expect(ctx.config).toEqual({ url: 'https://hooks.example.com/in', token: 'tok_1' }) // the default filled in
    const out = await p.good.transform({ type: 'track', event: 'A', userId: 'u' }, ctx)
    expect(out).toMatchObject({ headers: { authorization: 'Bearer tok_1' } })
  })

  it('gives transformations their metadata, sources their context, and a fixed clock and ids', () => {
    const t = testContext(p.goodTransformation)
    expectTypeOf(t.metadata).toEqualTypeOf<TransformationContext<unknown>['metadata']>()
    expect(t.metadata).toEqual({ stepId: 'test' })
    const s = testContext(p.goodSource)
    expectTypeOf(s.now).toEqualTypeOf<PluginContext<unknown>['now']>()
    expect(s.now().toISOString()).toBe('2026-11-22T10:00:00.000Z')
    expect([s.randomId(), s.randomId()]).toEqual(['contract-id-1', 'contract-id-2'])
  })

  it('collects log lines with secret values redacted', () => {
    const logs: LogRecord[] = []
    const ctx = testContext(p.good, { token: 'tok_secret_9' }, { logs })
    ctx.logger.info('using tok_secret_9')
    expect(logs.map((l) => l.message)).toEqual(['using [redacted]'])
  })

  it('refuses a config the schema refuses, naming the field', () => {
    expect(() => testContext(p.good, { url: 'https://x.example' })).toThrow(/token is required/)
  })
})
