import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFileStateStore, type PreparedSource, type SyncBatch } from '@patchbay/core'
import { afterEach, describe, expect, it } from 'vitest'
import { startSyncScheduler } from '../src/sync/scheduler.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const track = (id: string, properties: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  userId: 'u1',
  messageId: id,
  properties,
})

describe('the sync scheduler', () => {
  it('names the extractor output line of a refused event; nothing of its batch is stored, no state saved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-sync-scheduler-'))
    dirs.push(dir)
    const batch: SyncBatch = {
      events: [track('orders:1'), track('orders:2', { blob: 'x'.repeat(40_000) }), track('orders:3')],
      state: { bookmarks: { orders: 3 } },
      lines: [3, 7],
      eventLines: [3, 5, 7],
    }
    const source = {
      id: 'crm',
      label: 'sources.crm',
      schedule: '0 0 1 1 *',
      async *sync() {
        yield batch
      },
    } as unknown as PreparedSource
    const stored: unknown[] = []
    const runs: Array<{ error?: unknown }> = []
    const scheduler = startSyncScheduler({
      sources: [source],
      store: { append: async (rows) => void stored.push(...rows) },
      dataDir: dir,
      eventBytes: 32 * 1024,
      log: () => {},
      onAccepted: () => {},
      onRun: (_id, result) => runs.push(result),
    })
    try {
      await scheduler.trigger('crm')
    } finally {
      await scheduler.stop()
    }
    const error = runs[0]?.error as { code?: string; message?: string }
    expect(error?.code).toBe('PB_EVENT_TOO_LARGE')
    expect(error?.message).toMatch(/^extractor output line 5: .*event 1 \(orders:2\)/)
    expect(stored).toEqual([])
    expect(await openFileStateStore(join(dir, 'sync')).load('crm')).toBeUndefined()
  })
})
