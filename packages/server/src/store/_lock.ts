import fs from 'node:fs'
import path from 'node:path'

/** Lock files this process holds: a file naming our pid but not in here is a previous life's. */
const held = new Set<string>()

/**
 * When a process started, from /proc (Linux), to tell a pid's holder from a later process
 * that reuses the pid (a container's gateway is pid 1 after every restart). Undefined
 * where /proc is not available: the pid alone then decides.
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

/**
 * Takes the data directory for this process: creates `patchbay.lock` holding our pid (and
 * start time), or takes it over when the process that wrote it is gone (a crash), also when
 * a new process now has its pid. Throws when a live process holds it, this one included.
 * Returns the function that releases it.
 */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'patchbay.lock')
  for (let attempt = 1; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx')
      try {
        fs.writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}\n`)
      } finally {
        fs.closeSync(fd)
      }
      held.add(file)
      return () => release(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const lock = readLock(file)
    if (lock === null) continue // released meanwhile
    if (lock === undefined)
      throw new Error(
        `The data directory ${dir} is locked by ${file}, which holds no process id. If no Patchbay gateway is running on this directory, delete the lock file and start again.`,
      )
    const holder = lock.pid
    const ours = holder === process.pid && held.has(file)
    const sameProcess =
      holder === process.pid
        ? ours
        : isAlive(holder) &&
          (lock.started === undefined ||
            startTime(holder) === undefined ||
            startTime(holder) === lock.started)
    if (sameProcess || attempt === 3)
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
  held.delete(file)
  if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true })
}

/** The pid (and start time) in the lock file; undefined when it holds no pid, null when the file is gone. */
function readLock(file: string): { pid: number; started: string | undefined } | undefined | null {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const [pidText, started] = text.trim().split(/\s+/)
  const pid = Number(pidText)
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, started: started || undefined } : undefined
}

/**
 * Signal 0 checks that a process exists without touching it; EPERM means it exists but is
 * not ours. A zombie (Z) or dead (X) process still answers signal 0 but holds nothing: a
 * gateway killed with SIGKILL stays a zombie for good when its parent died first and the
 * container's pid 1 does not reap orphans.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  return !/^[ZX]$/.test(processState(pid) ?? '')
}

/** The state letter in /proc/<pid>/stat (R, S, D, Z, X, …), undefined where /proc is not available. */
function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return undefined
  }
}
