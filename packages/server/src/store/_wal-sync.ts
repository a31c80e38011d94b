import fs from 'node:fs'

/**
 * Makes the commits of a WAL-mode database durable off the event loop. The connection
 * commits with synchronous=NORMAL: the WAL frames are written (a kill -9 of the process
 * cannot lose them, they are with the OS), but not fsynced. `sync()` resolves once an fsync
 * of the WAL file that started after the last `committed()` has finished, so every commit
 * made before the call is on disk: what synchronous=FULL gives, without holding the event
 * loop during the fsync (it runs on libuv's thread pool while requests go on being read and
 * events delivered). Calls share fsyncs: one running, at most one queued behind it.
 *
 * A checkpoint cannot undo this: with synchronous=NORMAL SQLite fsyncs the WAL before it
 * copies frames into the database, and fsyncs the database before the WAL is reused; an
 * fsync covers the file whichever descriptor it goes through.
 */
export interface WalSync {
  /** A commit was made: the next `sync()` waits for an fsync that started after it. */
  committed(): void
  /** Resolves once every commit made so far is on disk; rejects when the fsync fails. */
  sync(): Promise<void>
  /** Waits for the fsyncs running or queued, then closes the file. */
  close(): Promise<void>
}

export function createWalSync(walFile: string): WalSync {
  let fd: number | undefined
  let commits = 0
  /** Commits on disk: those made before the last fsync that succeeded started. */
  let synced = 0
  /** The fsync running, and the commits it covers. */
  let running: { covers: number; done: Promise<void> } | undefined
  /** The fsync to start once the running one ends. */
  let queued: Promise<void> | undefined

  function fsyncNow(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        fd ??= fs.openSync(walFile, 'r')
      } catch (error) {
        reject(error)
        return
      }
      fs.fsync(fd, (error) => (error ? reject(error) : resolve()))
    })
  }

  function start(): Promise<void> {
    const covers = commits
    const done = fsyncNow()
    const current = { covers, done }
    running = current
    done.then(
      () => {
        synced = Math.max(synced, covers)
        if (running === current) running = undefined
      },
      () => {
        if (running === current) running = undefined
      },
    )
    return done
  }

  return {
    committed() {
      commits++
    },
    sync() {
      if (synced >= commits) return Promise.resolve()
      if (!running) return start()
      if (running.covers >= commits) return running.done
      queued ??= running.done
        .catch(() => {})
        .then(() => {
          queued = undefined
          return synced >= commits ? undefined : start()
        })
      return queued
    },
    async close() {
      while (running || queued) await Promise.allSettled([running?.done, queued])
      if (fd !== undefined) fs.closeSync(fd)
      fd = undefined
    },
  }
}
