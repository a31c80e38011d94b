import { rmSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LogSink } from '@patchbay/core'

/** SQLite's primary result code for "database or disk is full" (extended codes keep it in the low byte). */
const SQLITE_FULL = 13

/** True when `error`, or an error in its cause chain, says the disk (or the database's size cap) is full. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const { code, errcode } = e as { code?: unknown; errcode?: unknown }
    if (code === 'ENOSPC' || code === 'EDQUOT') return true
    if (typeof errcode === 'number' && (errcode & 0xff) === SQLITE_FULL) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

/** What `/health` says about the data directory's disk. */
export interface StorageStatus {
  full: boolean
  /** When the disk was first found full (ISO 8601), while it is. */
  since?: string
}

export interface StorageHealth {
  /** True while the disk is full: ingestion answers 503 with Retry-After. */
  full(): boolean
  /** Records a failed store write; returns true when it failed because the disk is full. */
  report(error: unknown): boolean
  status(): StorageStatus
  close(): void
}

/** The reserve file in the data directory: space held back for delivery when the disk fills. */
export const RESERVE_FILE = 'patchbay.reserve'

/**
 * Tracks whether the data directory's disk is full, and keeps delivery going when it is.
 *
 * The gateway holds `reserveBytes` of the disk in a reserve file. The first write that
 * fails for want of space switches ingestion to 503 and deletes the reserve, so the small
 * writes that settle deliveries (completions, retries, dead letters) still fit: the queue
 * drains while nothing new comes in. Every `probeMs` the free space is checked; once the
 * reserve plus `roomBytes` fit again, the reserve is written back and ingestion resumes: the
 * gateway recovers by itself when space is freed. Should it still be too tight, the next
 * write that fails switches to 503 again.
 *
 * Only that check ends the full state, never a write that went through: an append already
 * in flight when the disk filled can succeed in the space the reserve just gave back, and
 * taking that for "room again" let ingestion eat the reserve (seen in CI: full, "room again
 * after 0 s", full again with no reserve left, and the deliveries' bookkeeping stuck).
 */
export function createStorageHealth(options: {
  /** The data directory. */
  dir: string
  reserveBytes: number
  /** Free space, beyond the reserve, needed to accept again (two of the largest bodies, say). */
  roomBytes: number
  log: LogSink
  probeMs?: number
}): StorageHealth {
  const probeMs = options.probeMs ?? 1_000
  const reserveFile = join(options.dir, RESERVE_FILE)
  let refused: unknown
  const writeReserve = (): boolean => {
    if (options.reserveBytes === 0) return true
    try {
      writeFileSync(reserveFile, Buffer.alloc(options.reserveBytes))
      return true
    } catch (error) {
      refused = error
      rmSync(reserveFile, { force: true })
      return false
    }
  }
  const hasRoom = (): boolean => {
    const fs = statfsSync(options.dir)
    return fs.bavail * fs.bsize >= options.reserveBytes + options.roomBytes && writeReserve()
  }
  if (!writeReserve())
    options.log({
      level: 'warn',
      scope: 'gateway',
      message: `cannot write the ${Math.round(options.reserveBytes / 1024)} KB reserve file in ${options.dir} (${(refused as Error)?.message ?? String(refused)}): if the disk is nearly full and fills, deliveries may stall until space is freed`,
    })
  let since: number | undefined
  let timer: NodeJS.Timeout | undefined

  const recovered = () => {
    if (since === undefined) return
    const seconds = Math.round((Date.now() - since) / 1000)
    since = undefined
    clearInterval(timer)
    timer = undefined
    options.log({
      level: 'info',
      scope: 'gateway',
      message: `the data directory has room again after ${seconds} s: accepting events again`,
    })
  }

  return {
    full: () => since !== undefined,
    report(error) {
      if (!isDiskFull(error)) return false
      if (since !== undefined) return true
      since = Date.now()
      // No WAL checkpoint here: it would grow the database file and eat the reserve.
      rmSync(reserveFile, { force: true })
      options.log({
        level: 'error',
        scope: 'gateway',
        message:
          'the disk of the data directory is full: new events are refused with 503 until space is freed; queued events are still delivered and nothing accepted is lost',
      })
      timer = setInterval(() => {
        let room = false
        try {
          room = hasRoom()
        } catch {
          // cannot tell: stay refusing, ask again next time
        }
        if (room) recovered()
      }, probeMs)
      timer.unref()
      return true
    },
    status: () =>
      since === undefined ? { full: false } : { full: true, since: new Date(since).toISOString() },
    close() {
      clearInterval(timer)
    },
  }
}
