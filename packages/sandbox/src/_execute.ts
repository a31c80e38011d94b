import type { ActiveRun, Instance } from './_instance.ts'
import type { IsolatePool, Slot } from './_pool.ts'

/** Why a whole batch failed inside the sandbox (as opposed to single events failing). */
export type BatchFailure =
  | { kind: 'memory' }
  | { kind: 'cpu-timeout' }
  | { kind: 'wall-timeout' }
  | { kind: 'never-settled'; logs: string }
  | { kind: 'input'; message: string }
  | { kind: 'internal'; message: string }

export type BatchOutcome = { ok: true; output: string } | { ok: false; failure: BatchFailure }

export interface ExecuteLimits {
  cpuTimeMs: number
  wallTimeMs: number
}

const TIMED_OUT = 'Script execution timed out.'

/**
 * Runs one batch in a held isolate: one synchronous call that copies the events in and gets
 * the output JSON back. When user code awaits, the batch stays on this isolate until every
 * promise settles; fetch answers are delivered one call at a time, each under the CPU limit,
 * and a wall-clock timer disposes the isolate if the whole batch takes too long.
 */
export function execute(
  pool: IsolatePool,
  slot: Slot,
  instance: Instance,
  events: readonly unknown[],
  meta: { sourceId?: string; destinationId?: string },
  limits: ExecuteLimits,
): BatchOutcome | Promise<BatchOutcome> {
  const started = performance.now()
  let controller: AbortController | undefined
  const run: ActiveRun = {
    closed: false,
    inflight: 0,
    get signal() {
      controller ??= new AbortController()
      return controller.signal
    },
    onResponse: () => {},
  }
  instance.active = run

  const classify = (error: unknown): BatchOutcome => {
    const isolate = slot.isolate
    const message = error instanceof Error ? error.message : String(error)
    let failure: BatchFailure
    if (!isolate || isolate.isDisposed) failure = { kind: 'memory' }
    else if (message === TIMED_OUT) failure = { kind: 'cpu-timeout' }
    else if (/could not be cloned/.test(message) && !run.closed && run.inflight === 0)
      failure = { kind: 'input', message }
    else failure = { kind: 'internal', message }
    if (failure.kind !== 'input') pool.retire(slot)
    return { ok: false, failure }
  }

  let output: string
  try {
    output = instance.run.applySync(undefined, [events as unknown[], meta], {
      arguments: { copy: true },
      timeout: Math.min(limits.cpuTimeMs, limits.wallTimeMs),
    }) as string
  } catch (error) {
    run.closed = true
    instance.active = undefined
    return classify(error)
  }
  if (output !== 'P') {
    run.closed = true
    instance.active = undefined
    return { ok: true, output }
  }

  return new Promise<BatchOutcome>((resolve) => {
    const finish = (outcome: BatchOutcome) => {
      if (run.closed) return
      run.closed = true
      instance.active = undefined
      clearTimeout(timer)
      controller?.abort()
      resolve(outcome)
    }
    const check = () => {
      let status: string
      try {
        status = instance.poll.applySync(undefined, [], { timeout: limits.cpuTimeMs }) as string
      } catch (error) {
        return finish(classify(error))
      }
      if (status[0] !== 'P') return finish({ ok: true, output: status })
      if (status === 'P0') {
        // Nothing is pending outside the isolate, so nothing can ever settle the batch.
        let logs = '[]'
        try {
          logs = instance.abort.applySync(undefined, [], { timeout: limits.cpuTimeMs }) as string
        } catch {
          pool.retire(slot)
        }
        finish({ ok: false, failure: { kind: 'never-settled', logs } })
      }
    }
    run.onResponse = (id, json) => {
      if (run.closed) return
      run.inflight--
      try {
        instance.deliver.applySync(undefined, [id, json], { timeout: limits.cpuTimeMs })
      } catch (error) {
        return finish(classify(error))
      }
      check()
    }
    const timer = setTimeout(
      () => {
        if (run.closed) return
        pool.retire(slot)
        finish({ ok: false, failure: { kind: 'wall-timeout' } })
      },
      Math.max(0, limits.wallTimeMs - (performance.now() - started)),
    )
    check()
  })
}
