import './error-codes.ts'
import type { Instance } from './_instance.ts'
import { IDENTITY_ID_LIMIT, type WorkerMessage } from './_worker/protocol.ts'

/**
 * The worker's side of `lookupIdentity(id)`: user code asks through an ivm.Callback, the
 * worker forwards the id to the host over IPC, and the host's JSON answer is delivered into
 * the isolate like a fetch response. A batch may make `lookups` calls (the host counts them
 * too) and read `batchBytes` of answers.
 */
export interface IdentityClient {
  /** Sends `key` to the host; `onAnswer` gets the JSON answer, unless the batch ended first. */
  ask(key: string, onAnswer: (json: string) => void): void
  /** An `identity-answer` from the host. */
  answer(q: number, json: string): void
  /** Forgets what the batch that just ended was still waiting for. */
  reset(): void
  readonly batchBytes: number
}

/** What one batch may still look up. */
export interface IdentityBudget {
  readonly allowed: number
  calls: number
  bytes: number
}

export function createIdentityClient(
  send: (message: WorkerMessage) => void,
  batchBytes: number,
): IdentityClient {
  let next = 1
  let pending = new Map<number, (json: string) => void>()
  return {
    batchBytes,
    ask(key, onAnswer) {
      const q = next++
      pending.set(q, onAnswer)
      send({ t: 'identity', q, key })
    },
    answer(q, json) {
      const onAnswer = pending.get(q)
      if (!onAnswer) return
      pending.delete(q)
      onAnswer(json)
    },
    reset() {
      if (pending.size > 0) pending = new Map()
    },
  }
}

/** `spent`: the batch's budget is used up, and the isolate refuses further calls itself. */
const refusal = (code: string, message: string, spent = false) =>
  JSON.stringify({ name: 'IdentityLookupError', code, message, ...(spent ? { spent } : {}) })

/**
 * Called (synchronously, from inside the isolate) for each `lookupIdentity` call that passed
 * the isolate's own checks: '' when the request went to the host, else the JSON of the error
 * the call rejects with.
 */
export function startLookup(instance: Instance, client: IdentityClient, rid: number, key: unknown): string {
  const run = instance.active
  if (!run || run.closed)
    return refusal(
      'PB_SANDBOX_IDENTITY_LIMIT',
      'lookupIdentity can only be called while events are being transformed, not at the top level of the module',
    )
  if (typeof key !== 'string' || key.length === 0 || key.length > IDENTITY_ID_LIMIT)
    return JSON.stringify({
      name: 'TypeError',
      code: 'PB_TRANSFORM_FAILED',
      message: `lookupIdentity: the id must be a string of 1 to ${IDENTITY_ID_LIMIT} characters`,
    })
  const budget = run.identity
  if (budget.calls <= 0)
    return refusal(
      'PB_SANDBOX_IDENTITY_LIMIT',
      `lookupIdentity: this batch already made its ${budget.allowed} lookups (10 per event of the batch); look each id up once and keep the answer`,
      true,
    )
  budget.calls--
  run.inflight++
  client.ask(key, (json) => {
    if (run.closed) return
    budget.bytes -= json.length
    run.onResponse(
      rid,
      budget.bytes >= 0
        ? json
        : JSON.stringify({
            error: {
              name: 'IdentityLookupError',
              code: 'PB_SANDBOX_IDENTITY_LIMIT',
              message: `lookupIdentity: this batch read more than ${client.batchBytes} bytes of identity answers, the sandbox limit per batch`,
            },
          }),
    )
  })
  return ''
}
