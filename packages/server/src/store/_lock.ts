import fs from 'node:fs'
import path from 'node:path'

/**
 * Takes the data directory for this process: creates `patchbay.lock` holding our pid, or
 * takes it over when the process that wrote it is gone (a crash). Throws when a live
 * process holds it, this one included. Returns the function that releases it.
 */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'patchbay.lock')
  for (let attempt = 1; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx')
      try {
        fs.writeSync(fd, `${process.pid}\n`)
      } finally {
        fs.closeSync(fd)
      }
      return () => release(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = readPid(file)
    if (holder === null) continue // released meanwhile
    if (holder === undefined)
      throw new Error(
        `The data directory ${dir} is locked by ${file}, which holds no process id. If no Patchbay gateway is running on this directory, delete the lock file and start again.`,
      )
    if (isAlive(holder) || attempt === 3)
      throw new Error(
        `The data directory ${dir} is in use by process ${holder}${holder === process.pid ? ' (this process)' : ''}. Only one Patchbay gateway may use a data directory at a time: stop that process, or give this one another directory.`,
      )
    // The holder died without releasing the lock: take it over. (Two gateways taking over
    // the same stale lock at the same instant could both succeed; a supervisor starting
    // one gateway per directory never does that.)
    fs.rmSync(file, { force: true })
  }
}

function release(file: string): void {
  if (readPid(file) === process.pid) fs.rmSync(file, { force: true })
}

/** The pid in the lock file; undefined when it holds none, null when the file is gone. */
function readPid(file: string): number | undefined | null {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists but is not ours. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
