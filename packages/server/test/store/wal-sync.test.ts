import fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWalSync } from '../../src/store/_wal-sync.ts'

const dirs: string[] = []
afterEach(() => {
  vi.restoreAllMocks()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function walFile(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'pb-wal-sync-'))
  dirs.push(dir)
  const file = join(dir, 'patchbay.db-wal')
  fs.writeFileSync(file, 'frames')
  return file
}

describe('the fsync that makes appends durable', () => {
  it('fsyncs once per commit made since the last fsync, shared by the calls waiting for it', async () => {
    const fsync = vi.spyOn(fs, 'fsync')
    const wal = createWalSync(walFile())
    await wal.sync() // nothing committed yet: no fsync
    expect(fsync).toHaveBeenCalledTimes(0)
    wal.committed()
    await Promise.all([wal.sync(), wal.sync(), wal.sync()])
    expect(fsync).toHaveBeenCalledTimes(1)
    await wal.sync() // covered already
    expect(fsync).toHaveBeenCalledTimes(1)
    await wal.close()
  })

  it('never answers a commit with an fsync that started before it', async () => {
    const fsync = vi.spyOn(fs, 'fsync')
    const wal = createWalSync(walFile())
    wal.committed()
    const first = wal.sync() // running
    wal.committed()
    const second = wal.sync() // queued behind it
    const third = wal.sync() // shares the queued one
    await Promise.all([first, second, third])
    expect(fsync).toHaveBeenCalledTimes(2)
    await wal.close()
  })

  it('rejects when the fsync cannot be made, and tries again on the next call', async () => {
    const file = walFile()
    fs.rmSync(file)
    const wal = createWalSync(file)
    wal.committed()
    await expect(wal.sync()).rejects.toThrow(/ENOENT/)
    fs.writeFileSync(file, 'frames')
    await expect(wal.sync()).resolves.toBeUndefined()
    await wal.close()
  })
})
