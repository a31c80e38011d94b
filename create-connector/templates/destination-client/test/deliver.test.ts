import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testContext } from '@patchbay/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import plugin, { classify } from '../src/index.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'events-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const track = (messageId: string) =>
  ({ type: 'track', event: 'Order Completed', userId: 'user-1', messageId }) as const

/** Opens the client as the runtime does, delivers each batch, and closes it. */
async function deliver(path: string, ...batches: Array<Array<ReturnType<typeof track>>>) {
  const ctx = testContext(plugin, { path })
  const client = await plugin.open(ctx.config, ctx)
  const results = []
  for (const batch of batches) results.push(await plugin.deliverBatch(batch, { ...ctx, client }))
  await plugin.close?.(client, ctx)
  return results
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n')

describe('{{name}}', () => {
  it('writes each event once, even when a batch is retried or an event repeats', async () => {
    const path = join(dir, 'events.jsonl')
    const results = await deliver(path, [track('a'), track('b'), track('a')], [track('b'), track('c')])
    expect(results).toEqual([
      [null, null, null],
      [null, null],
    ])
    // A restart (a new client) still knows the ids in the file.
    await deliver(path, [track('a'), track('d')])
    expect(lines(path).map((l) => JSON.parse(l).messageId)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('classifies errors: a full disk is retried, a permission error is a config problem', () => {
    expect(classify(Object.assign(new Error('no space left'), { code: 'ENOSPC' })).retryable).toBe(true)
    const denied = classify(Object.assign(new Error('permission denied'), { code: 'EACCES' }))
    expect(denied.retryable).toBe(false)
    expect(denied.code).toBe('PB_CONFIG_INVALID')
  })
})
