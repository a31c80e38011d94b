import './error-codes.ts'
import type { LookupIdentity, SandboxIdentity } from './types.ts'

/** Host callbacks one worker may have running at once; further lookups wait their turn. */
const CONCURRENCY = 16
/** Longest message of a failed host lookup passed on to user code. */
const MESSAGE_LIMIT = 300

const failed = (message: string) =>
  JSON.stringify({
    error: {
      name: 'IdentityLookupError',
      code: 'PB_SANDBOX_IDENTITY_FAILED',
      message: message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message,
    },
  })

/**
 * What of the host's answer crosses into the isolate: the canonical id and the identifiers
 * by type, copied into new plain objects (only strings, only own enumerable keys), or
 * undefined when the answer does not have that shape.
 */
export function plainIdentity(value: unknown): SandboxIdentity | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { canonicalId, identifiers } = value as Record<string, unknown>
  if (typeof canonicalId !== 'string' || typeof identifiers !== 'object' || identifiers === null)
    return undefined
  const byType: Record<string, string[]> = {}
  for (const [type, ids] of Object.entries(identifiers)) {
    if (!Array.isArray(ids)) return undefined
    const copy: string[] = []
    for (const id of ids) {
      if (typeof id !== 'string') return undefined
      copy.push(id)
    }
    Object.defineProperty(byType, type, { value: copy, enumerable: true, writable: true, configurable: true })
  }
  return { canonicalId, identifiers: byType }
}

/**
 * Asks the host's callback and turns whatever happens into the JSON the isolate's `deliver`
 * expects: `{"v":person}`, `{"v":null}` for an unknown id, or `{"error":…}` when the callback
 * throws, rejects, answers something malformed or takes longer than `timeoutMs`. Never rejects.
 */
export async function answerLookup(lookup: LookupIdentity, key: string, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const found = await Promise.race([Promise.resolve().then(() => lookup(key)), timeout])
    if (found === 'timeout')
      return failed(`lookupIdentity: the identity graph did not answer within ${timeoutMs} ms`)
    if (found === undefined || found === null) return '{"v":null}'
    const person = plainIdentity(found)
    if (!person) return failed('lookupIdentity: the identity graph answered something that is not a person')
    return JSON.stringify({ v: person })
  } catch (error) {
    let why: string
    try {
      why = error instanceof Error ? error.message : String(error)
    } catch {
      why = 'an error that cannot be printed'
    }
    return failed(`lookupIdentity: the identity graph failed: ${why}`)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * One worker's identity lookups, seen from the host: at most CONCURRENCY callbacks at once,
 * the rest queued; `reset()` (the batch ended) drops what is still queued, since the worker
 * no longer waits for it.
 */
export class IdentityServer {
  readonly #lookup: LookupIdentity
  readonly #reply: (q: number, json: string) => void
  #active = 0
  #queue: Array<() => void> = []

  constructor(lookup: LookupIdentity, reply: (q: number, json: string) => void) {
    this.#lookup = lookup
    this.#reply = reply
  }

  ask(q: number, key: string, timeoutMs: number): void {
    const start = () => {
      this.#active++
      void answerLookup(this.#lookup, key, timeoutMs).then((json) => {
        this.#active--
        this.#reply(q, json)
        this.#queue.shift()?.()
      })
    }
    if (this.#active < CONCURRENCY) start()
    else this.#queue.push(start)
  }

  reset(): void {
    this.#queue = []
  }
}
