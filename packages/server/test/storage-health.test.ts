import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LogRecord } from '@patchbay/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createStorageHealth, RESERVE_FILE } from '../src/_storage-health.ts'
import { waitFor } from './_gateway.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const diskFull = () => Object.assign(new Error('database or disk is full'), { errcode: 13 })

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'pb-storage-health-'))
  dirs.push(dir)
  const logs: LogRecord[] = []
  const health = createStorageHealth({
    dir,
    reserveBytes: 64 * 1024,
    roomBytes: 1024,
    log: (record) => logs.push(record),
    probeMs: 20,
  })
  return { dir, logs, health }
}

describe('storage health', () => {
  it('frees the reserve when the disk fills, and ends the full state only once the reserve is back', async () => {
    const { dir, logs, health } = setUp()
    try {
      expect(existsSync(join(dir, RESERVE_FILE))).toBe(true)
      expect(health.report(diskFull())).toBe(true)
      expect(health.full()).toBe(true)
      expect(existsSync(join(dir, RESERVE_FILE))).toBe(false)
      expect(health.status()).toMatchObject({ full: true })
      // No write that happens to go through (an append in flight when the disk filled, in the
      // space the reserve gave back) can end the full state: the interface has no way to.
      expect(Object.keys(health).sort()).toEqual(['close', 'full', 'report', 'status'])
      // This disk has room: the probe writes the reserve back, then accepts again.
      await waitFor(() => !health.full(), 'the probe to find room')
      expect(existsSync(join(dir, RESERVE_FILE))).toBe(true)
      expect(health.status()).toEqual({ full: false })
      expect(logs.map((l) => l.message)).toEqual([
        expect.stringContaining('the disk of the data directory is full'),
        expect.stringMatching(/^the data directory has room again after \d+ s: accepting events again$/),
      ])
    } finally {
      health.close()
    }
  })

  it('ignores failures that are not about space', () => {
    const { health } = setUp()
    try {
      expect(health.report(new Error('SQLITE_BUSY'))).toBe(false)
      expect(health.report(Object.assign(new Error('locked'), { errcode: 5 }))).toBe(false)
      expect(health.full()).toBe(false)
      // ENOSPC from the file system, or deeper in a cause chain, counts.
      expect(health.report(new Error('append failed', { cause: { code: 'ENOSPC' } }))).toBe(true)
      expect(health.full()).toBe(true)
    } finally {
      health.close()
    }
  })
})
