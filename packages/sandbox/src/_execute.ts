import type { Isolate } from 'isolated-vm'
import type { FetchBudget } from './_fetch.ts'
import type { ActiveRun, Instance } from './_instance.ts'
import type { BatchFailure, BatchOutcome } from './_worker/protocol.ts'

export type { BatchFailure, BatchOutcome }

/** The isolate a batch runs in, and how to throw it away after a limit was hit. */
export interface IsolateHolder {
  readonly isolate: Isolate | undefined
  retire(): void
}

export interface ExecuteLimits {
  cpuTimeMs: number
  wallTimeMs: number
  /** `lookupIdentity` calls the batch may make, and answer bytes it may read. */
  lookups?: number
  lookupBytes?: number
}

const TIMED_OUT = 'Script execution timed out.'
/** Longest reason of an unhandled rejection kept for its warning log. */
const REASON_LIMIT = 2000

/**
 * A floating rejection as isolated-vm copied it out (its message and stack are already plain
 * strings by then), cut to REASON_LIMIT characters.
 */
function describeThrown(value: unknown): string {
  let text: string
  if (value instanceof Error) text = `${value.name}: ${value.message}`
  else if (typeof value === 'string') text = value
  else {
    try {
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = 'a value that cannot be printed'
    }
  }
  return text.length > REASON_LIMIT ? `${text.slice(0, REASON_LIMIT)}… (${text.length} characters)` : text
}

/**
 * Runs one batch in a held isolate: one synchronous call that copies the events in and gets
 * the output JSON back. When user code awaits, the batch stays on this isolate until every
 * promise settles; fetch answers are delivered one call at a time, each under the CPU limit,
 * and a wall-clock timer disposes the isolate if the whole batch takes too long.
 */
export function execute(
  slot: IsolateHolder,
  instance: Instance,
  events: readonly unknown[] | string,
  meta: { sourceId?: string; destinationId?: string },
  limits: ExecuteLimits,
  budget: () => FetchBudget,
): BatchOutcome | Promise<BatchOutcome> {
  const started = performance.now()
  const seq = ++instance.seq
  const unhandled: string[] = []
  let fetches: FetchBudget | undefined
  const lookups = limits.lookups ?? 0
  const run: ActiveRun = {
    closed: false,
    inflight: 0,
    identity: { allowed: lookups, calls: lookups, bytes: limits.lookupBytes ?? 0 },
    get budget() {
      fetches ??= budget()
      return fetches
    },
    onResponse: () => {},
  }
  instance.active = run
  /** Ends the batch: every request it started and did not await is aborted now. */
  const close = () => {
    run.closed = true
    instance.active = undefined
    fetches?.abort()
  }

  /** An error from a call that is not the isolate failing: a floating promise rejected. */
  const isRejection = (error: unknown) =>
    !!slot.isolate && !slot.isolate.isDisposed && !(error instanceof Error && error.message === TIMED_OUT)

  const classify = (error: unknown): BatchOutcome => {
    const isolate = slot.isolate
    const message = error instanceof Error ? error.message : String(error)
    let failure: BatchFailure
    if (!isolate || isolate.isDisposed) failure = { kind: 'memory' }
    // The first call's timeout is the batch's time left when that is shorter than the CPU limit.
    else if (message === TIMED_OUT)
      failure = { kind: limits.wallTimeMs < limits.cpuTimeMs ? 'wall-timeout' : 'cpu-timeout' }
    else if (error instanceof Error && /could not be cloned/.test(message))
      failure = { kind: 'input', message }
    else failure = { kind: 'internal', message }
    if (failure.kind !== 'input') slot.retire()
    return { ok: false, failure }
  }

  let output: string
  try {
    output = instance.run.applySync(undefined, [events as unknown[] | string, meta, seq], {
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
      close()
      return classify(error)
    }
    unhandled.push(describeThrown(error))
    output = rescued
  }
  if (output !== 'P') {
    close()
    return { ok: true, output, unhandled }
  }

  return new Promise<BatchOutcome>((resolve) => {
    const finish = (outcome: BatchOutcome) => {
      if (run.closed) return
      close()
      clearTimeout(timer)
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
        slot.retire()
        finish({ ok: false, failure: { kind: 'wall-timeout' } })
      },
      Math.max(0, limits.wallTimeMs - (performance.now() - started)),
    )
    check()
  })
}
