import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/store/_schema.ts'
import { openSqliteStore } from '../../src/store/index.ts'
import { event, thrown, useStores } from './_helpers.ts'

const { open, tempDir } = useStores()

describe('openSqliteStore', () => {
  it('creates the data directory and a WAL database in it', async () => {
    const dir = path.join(tempDir(), 'nested', 'data')
    const store = open({ dir })
    await store.append([event('m1')])
    const db = new DatabaseSync(path.join(dir, 'patchbay.db'), { readOnly: true })
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    db.close()
  })

  it('says which path is unusable when the data directory cannot be created', () => {
    const file = path.join(tempDir(), 'not-a-dir')
    fs.writeFileSync(file, 'x')
    const dir = path.join(file, 'data')
    const error = thrown(() => openSqliteStore({ dir }))
    expect(error.message).toMatch(`Cannot use ${dir} as the Patchbay data directory: ENOTDIR`)
    expect(error.message).toContain('It must be a directory this process can write to.')
  })

  it('names the database file when it is not a database, and releases the directory', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'patchbay.db'), Buffer.alloc(8192, 'garbage '))
    const error = thrown(() => openSqliteStore({ dir }))
    expect(error.message).toBe(
      `Cannot open the Patchbay database ${path.join(dir, 'patchbay.db')}: file is not a database. Move the damaged file away (keep it for recovery) and start again with an empty one, or restore a backup.`,
    )
    expect(fs.existsSync(path.join(dir, 'patchbay.lock'))).toBe(false)
  })

  it('refuses a database written by a newer schema', () => {
    const dir = tempDir()
    const db = new DatabaseSync(path.join(dir, 'patchbay.db'))
    db.exec('PRAGMA user_version = 99')
    db.close()
    expect(thrown(() => openSqliteStore({ dir })).message).toBe(
      `${path.join(dir, 'patchbay.db')} has schema version 99, but this Patchbay only knows versions up to ${MIGRATIONS.length}: it was written by a newer Patchbay. Run that version, or a newer one, on this data directory.`,
    )
  })
})

describe('the data directory lock', () => {
  const lockFile = (dir: string) => path.join(dir, 'patchbay.lock')
  const lockPid = (dir: string) => Number(fs.readFileSync(lockFile(dir), 'utf8').split(/\s/)[0])

  it('holds our pid while open and is released on close', async () => {
    const dir = tempDir()
    const store = open({ dir })
    expect(lockPid(dir)).toBe(process.pid)
    await store.close()
    expect(fs.existsSync(lockFile(dir))).toBe(false)
  })

  it('refuses a second open, saying which directory, which process and what to do', () => {
    const dir = tempDir()
    open({ dir })
    expect(thrown(() => openSqliteStore({ dir })).message).toBe(
      `The data directory ${dir} is in use by process ${process.pid} (this process). Only one Patchbay gateway may use a data directory at a time: stop that process, or give this one another directory.`,
    )
  })

  it('refuses a directory that another live process holds', () => {
    const dir = tempDir()
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'])
    try {
      fs.writeFileSync(lockFile(dir), `${holder.pid}\n`)
      expect(thrown(() => openSqliteStore({ dir })).message).toContain(
        `The data directory ${dir} is in use by process ${holder.pid}. Only one`,
      )
    } finally {
      holder.kill()
    }
  })

  it('takes over a lock left by a process that is gone', async () => {
    const dir = tempDir()
    const { pid: deadPid } = spawnSync(process.execPath, ['-e', ''])
    fs.writeFileSync(lockFile(dir), `${deadPid}\n`)
    const store = open({ dir })
    await store.append([event('m1')])
    expect(lockPid(dir)).toBe(process.pid)
  })

  it("takes over a lock naming this process's pid from a previous life (a container's pid 1 after a crash)", async () => {
    const dir = tempDir()
    fs.writeFileSync(lockFile(dir), `${process.pid}\n`)
    const store = open({ dir })
    await store.append([event('m1')])
    expect(lockPid(dir)).toBe(process.pid)
  })

  it('takes over a lock whose pid a new process reuses (its start time differs)', () => {
    const dir = tempDir()
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'])
    try {
      fs.writeFileSync(lockFile(dir), `${other.pid} 1\n`)
      open({ dir })
      expect(lockPid(dir)).toBe(process.pid)
    } finally {
      other.kill()
    }
  })

  it('takes over a lock whose holder is a zombie (killed, never reaped: an orphan under a container pid 1 that does not reap)', async () => {
    const dir = tempDir()
    // The shell forks `sleep 0`, then becomes `sleep 60`, which never waits for its child:
    // once `sleep 0` exits it stays a zombie, and signal 0 still finds it.
    const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 60'])
    try {
      const zombie = await waitFor(() => {
        const children = fs.readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim()
        const pid = Number(children.split(' ')[0])
        return pid > 0 && /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) ? pid : undefined
      })
      fs.writeFileSync(lockFile(dir), `${zombie}\n`)
      const store = open({ dir })
      await store.append([event('m1')])
      expect(lockPid(dir)).toBe(process.pid)
    } finally {
      parent.kill('SIGKILL')
    }
  })

  it('refuses a lock file without a pid, saying what to check', () => {
    const dir = tempDir()
    fs.writeFileSync(lockFile(dir), '')
    expect(thrown(() => openSqliteStore({ dir })).message).toBe(
      `The data directory ${dir} is locked by ${lockFile(dir)}, which holds no process id. If no Patchbay gateway is running on this directory, delete the lock file and start again.`,
    )
  })
})

/** Polls `probe` every 10 ms until it returns a value (5 s at most). */
async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('the zombie process never appeared')
}
