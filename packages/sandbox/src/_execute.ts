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

export type BatchOutcome =
  | {
      ok: true
      output: string
      /** Promise rejections nobody handled; the batch went on, and each becomes a warning log. */
      unhandled: string[]
    }
  | { ok: false; failure: BatchFailure }

export interface ExecuteLimits {
  cpuTimeMs: number
  wallTimeMs: number
}

const TIMED_OUT = 'Script execution timed out.'

function describeThrown(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  } catch {
    return String(value)
  }
}

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
  const seq = ++instance.seq
  const unhandled: string[] = []
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

  /** An error from a call that is not the isolate failing: a floating promise rejected. */
  const isRejection = (error: unknown) =>
    !!slot.isolate && !slot.isolate.isDisposed && !(error instanceof Error && error.message === TIMED_OUT)

  const classify = (error: unknown): BatchOutcome => {
    const isolate = slot.isolate
    const message = error instanceof Error ? error.message : String(error)
    let failure: BatchFailure
    if (!isolate || isolate.isDisposed) failure = { kind: 'memory' }
    else if (message === TIMED_OUT) failure = { kind: 'cpu-timeout' }
    else if (error instanceof Error && /could not be cloned/.test(message))
      failure = { kind: 'input', message }
    else failure = { kind: 'internal', message }
    if (failure.kind !== 'input') pool.retire(slot)
    return { ok: false, failure }
  }

  let output: string
  try {
    output = instance.run.applySync(undefined, [events as unknown[], meta, seq], {
      arguments: { copy: true },
      timeout: Math.min(limits.cpuTimeMs, limits.wallTimeMs),
    }) as string
  } catch (error) {
    let rescued = ''
    if (isRejection(error)) {
      try {
        rescued = instance.take.applySync(undefined, [seq]) as string
      } catch {
        rescued = ''
      }
    }
    if (!rescued) {
      run.closed = true
      instance.active = undefined
      return classify(error)
    }
    unhandled.push(describeThrown(error))
    output = rescued
  }
  if (output !== 'P') {
    run.closed = true
    instance.active = undefined
    return { ok: true, output, unhandled }
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
    /** Calls into the isolate; a floating rejection is noted and the batch goes on. */
    const call = <T>(fn: () => T): { ok: true; value: T | undefined } | { ok: false } => {
      try {
        return { ok: true, value: fn() }
      } catch (error) {
        if (!isRejection(error)) {
          finish(classify(error))
          return { ok: false }
        }
        unhandled.push(describeThrown(error))
        return { ok: true, value: undefined }
      }
    }
    const check = () => {
      let status: string | undefined
      for (let attempt = 0; status === undefined && attempt < 3; attempt++) {
        const polled = call(
          () => instance.poll.applySync(undefined, [], { timeout: limits.cpuTimeMs }) as string,
        )
        if (!polled.ok) return
        status = polled.value
      }
      if (status === undefined) return finish(classify(new Error('the sandbox kept throwing while polling')))
      if (status[0] !== 'P') return finish({ ok: true, output: status, unhandled })
      if (status === 'P0') {
        // Nothing is pending outside the isolate, so nothing can ever settle the batch.
        const aborted = call(
          () => instance.abort.applySync(undefined, [], { timeout: limits.cpuTimeMs }) as string,
        )
        if (!aborted.ok) return
        finish({ ok: false, failure: { kind: 'never-settled', logs: aborted.value ?? '[]' } })
      }
    }
    run.onResponse = (id, json) => {
      if (run.closed) return
      run.inflight--
      if (!call(() => instance.deliver.applySync(undefined, [id, json], { timeout: limits.cpuTimeMs })).ok)
        return
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
