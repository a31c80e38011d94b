import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect } from 'vitest'
import type { Sandbox } from '../../src/index.ts'
import { track } from '../_helpers.ts'

/**
 * The longest the host's event loop may stall while hostile code runs in the sandbox, in ms.
 * User code never runs in the host, so what is left is the host's own work (copying a batch
 * out, decoding at most batchOutputLimitBytes of output holding at most batchOutputLimitValues
 * objects, arrays and strings) plus the machine's own scheduling noise, which on a loaded
 * 2-core CI machine is the larger part. The in-process sandbox this
 * replaces stalled for the whole CPU limit per call, or forever.
 */
export const HOST_STALL_BOUND_MS = 2000
const TICK_MS = 100

/**
 * How long this thread has waited, runnable, for a CPU (ms): the second field of Linux's
 * /proc/thread-self/schedstat (run_delay). 0 where there is no such file.
 */
function runQueueWaitMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6
  } catch {
    return 0
  }
}

/**
 * Checks, for the whole file, that a 100 ms timer in the host keeps firing: after all tests,
 * no tick was later than HOST_STALL_BOUND_MS. A tick's lateness counts without the time the
 * thread spent waiting for a CPU while it could run (a loaded machine's scheduling, not the
 * host's doing): what is left is the host busy, or parked in native code (the freezes this
 * guards against were a thread asleep in nanosleep, which is not waiting for a CPU).
 */
export function watchHostHeartbeat(): { worst(): number } {
  let timer: NodeJS.Timeout | undefined
  let last = 0
  let lastWait = 0
  let worst = 0
  let worstTick = ''
  beforeAll(() => {
    last = performance.now()
    lastWait = runQueueWaitMs()
    timer = setInterval(() => {
      const now = performance.now()
      const waited = runQueueWaitMs()
      const late = now - last - TICK_MS
      const stall = late - (waited - lastWait)
      if (stall > worst) {
        worst = stall
        worstTick = `${late.toFixed(0)} ms late, of which ${(waited - lastWait).toFixed(0)} ms waiting for a CPU`
      }
      last = now
      lastWait = waited
    }, TICK_MS)
  })
  afterAll(() => {
    clearInterval(timer)
    expect(worst, `the host event loop stalled (worst tick: ${worstTick})`).toBeLessThan(HOST_STALL_BOUND_MS)
  })
  return { worst: () => worst }
}

/**
 * A check that the sandbox still works after hostile code: a plain transform, compiled once
 * up front, runs the next batch and returns its event.
 */
export function healthyNextBatch(sandbox: Sandbox): () => Promise<void> {
  const healthy = sandbox.compile('export function transformEvent(e) { return { ...e, ok: true } }', {
    filename: 'healthy.js',
  })
  return async () => {
    const { results } = await (await healthy).run([track('after')])
    expect(results[0]).toEqual({ ok: true, events: [{ ...track('after'), ok: true }] })
  }
}

/** Pids of this process's children (Linux), to check that workers are gone. */
export async function childPids(): Promise<number[]> {
  const { readFile, readdir } = await import('node:fs/promises')
  const pids: number[] = []
  for (const task of await readdir(`/proc/${process.pid}/task`)) {
    const text = await readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '')
    for (const p of text.split(' ')) if (p.trim()) pids.push(Number(p))
  }
  return pids
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
