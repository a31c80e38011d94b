import './error-codes.ts'
import { type ErrorCode, PatchbayError, type StepResult } from '@patchbay/core'
import type { SourceMapper } from './_sourcemap.ts'
import type { SandboxLog, TransformRun } from './types.ts'

/** An error as the runtime inside the isolate reports it. */
interface WireError {
  c: string
  m: string
  n: string
  l?: number
  k?: number
}

export interface DecodeContext {
  filename: string
  step: string | undefined
  mapper: SourceMapper | undefined
  kind: 'transformEvent' | 'transformBatch' | 'transformLine'
  memoryLimitMb: number
  cpuTimeMs: number
  wallTimeMs: number
  batchOutputLimitBytes: number
  batchOutputLimitValues: number
  /** Events one input may become (transformBatch: this many per input of the batch). */
  maxFanOut: number
}

const USER_CODES = new Set<ErrorCode>([
  'PB_TRANSFORM_FAILED',
  'PB_TRANSFORM_INVALID_OUTPUT',
  'PB_SANDBOX_OUTPUT_LIMIT',
  'PB_SANDBOX_FETCH_DENIED',
  'PB_SANDBOX_IDENTITY_DISABLED',
  'PB_SANDBOX_IDENTITY_LIMIT',
  'PB_SANDBOX_IDENTITY_FAILED',
])
const LEVELS = new Set(['log', 'info', 'warn', 'error', 'debug'])

const isEvent = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

const isWireError = (x: unknown): x is WireError =>
  isEvent(x) && typeof x.c === 'string' && typeof x.m === 'string' && typeof x.n === 'string'

function messageIdOf(event: unknown): string | undefined {
  const id = isEvent(event) ? event.messageId : undefined
  return typeof id === 'string' ? id : undefined
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text)

/**
 * The PatchbayError for an error the user code's output carries. `batch`: the batch as a
 * whole failed (transformBatch threw, or returned something that is not a list of events), so
 * the error fails every event of it whichever caused it, and a host bisects the batch.
 */
function userError(
  e: WireError,
  messageId: string | undefined,
  ctx: DecodeContext,
  batch = false,
): PatchbayError {
  const at =
    typeof e.l === 'number' && typeof e.k === 'number'
      ? (ctx.mapper?.original(e.l, e.k) ?? { line: e.l, column: e.k })
      : undefined
  const where = at ? `${ctx.filename}:${at.line}:${at.column}` : ctx.filename
  const code = USER_CODES.has(e.c as ErrorCode) ? (e.c as ErrorCode) : 'PB_TRANSFORM_FAILED'
  // The runtime cuts both already; the host does not rely on it (each event's error repeats them).
  const name = clip(e.n, 200)
  const message = clip(e.m, 2_100)
  const what = code === 'PB_TRANSFORM_FAILED' ? `${ctx.kind} threw ${name}: ${message}` : message
  const event = messageId ? ` (event ${messageId})` : ''
  return new PatchbayError(code, `${where}: ${what}${event}`, {
    step: ctx.step,
    file: ctx.filename,
    line: at?.line,
    column: at?.column,
    messageId,
    details: { thrown: name },
    ...(batch ? { effect: 'poisons-batch' as const } : {}),
  })
}

function malformed(ctx: DecodeContext, why: string): PatchbayError {
  return new PatchbayError(
    'PB_TRANSFORM_INVALID_OUTPUT',
    `${ctx.filename}: the sandbox returned malformed output (${why})`,
    {
      step: ctx.step,
      file: ctx.filename,
      hint: 'The transform probably replaced a built-in such as JSON.stringify or Array.prototype.join; leave built-ins alone.',
    },
  )
}

function overFanOut(ctx: DecodeContext, what: string, per = ''): WireError {
  return {
    c: 'PB_SANDBOX_OUTPUT_LIMIT',
    m: `${what}, over the fan-out limit of ${ctx.maxFanOut}${per} (sandbox maxFanOut)`,
    n: 'Error',
  }
}

export function logsOf(value: unknown): SandboxLog[] {
  if (!Array.isArray(value)) return []
  const out: SandboxLog[] = []
  for (const entry of value) {
    if (!isEvent(entry) || typeof entry.message !== 'string' || !LEVELS.has(entry.level as string)) continue
    const log: SandboxLog = { level: entry.level as SandboxLog['level'], message: entry.message }
    if (typeof entry.messageId === 'string') log.messageId = entry.messageId
    out.push(log)
  }
  return out
}

const failAll = (events: readonly unknown[], error: PatchbayError): StepResult[] =>
  events.map(() => ({ ok: false, error }))

/**
 * Turns the runtime's output JSON into one StepResult per input event. Nothing from the
 * isolate is trusted: the shape is checked, and every output event must be a plain object.
 */
/** A decoded answer; `batchError` when the runtime failed the whole batch (all its events have it). */
export type Decoded = TransformRun & { batchError?: PatchbayError }

export function decodeOutput(output: string, events: readonly unknown[], ctx: DecodeContext): Decoded {
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(output)
    if (!isEvent(parsed)) throw new Error('not an object')
  } catch {
    return { results: failAll(events, malformed(ctx, 'not JSON')), logs: [] }
  }
  const logs = logsOf(parsed.l)
  if (isWireError(parsed.be)) {
    const batchError = userError(parsed.be, undefined, ctx, true)
    return { results: failAll(events, batchError), logs, batchError }
  }
  if (ctx.kind !== 'transformBatch') {
    const entries = parsed.r
    if (!Array.isArray(entries) || entries.length !== events.length)
      return { results: failAll(events, malformed(ctx, 'wrong number of results')), logs }
    const results = entries.map((entry, i): StepResult => {
      // Dropped (the runtime sends 0 for null or undefined).
      if (entry === 0) return { ok: true, events: [] }
      const messageId = messageIdOf(events[i])
      // The runtime checks fan-out inside the isolate; the host does not rely on it.
      if (Array.isArray(entry) && entry.length > ctx.maxFanOut)
        return {
          ok: false,
          error: userError(
            overFanOut(ctx, `${ctx.kind} returned ${entry.length} events for one input`),
            messageId,
            ctx,
          ),
        }
      if (Array.isArray(entry) && entry.every(isEvent)) return { ok: true, events: entry }
      if (isEvent(entry) && isWireError(entry.e))
        return { ok: false, error: userError(entry.e, messageId, ctx) }
      if (Array.isArray(entry)) {
        const wire = {
          c: 'PB_TRANSFORM_INVALID_OUTPUT',
          m: 'the output did not serialize to event objects (a toJSON method that returns something else?)',
          n: 'Error',
        }
        return { ok: false, error: userError(wire, messageId, ctx) }
      }
      return { ok: false, error: malformed(ctx, `bad result for event ${messageId ?? i}`) }
    })
    return { results, logs }
  }
  if (!Array.isArray(parsed.b) || !Array.isArray(parsed.x))
    return { results: failAll(events, malformed(ctx, 'no batch output')), logs }
  if (parsed.b.length > ctx.maxFanOut * events.length) {
    const what = `transformBatch returned ${parsed.b.length} events for ${events.length} inputs`
    const batchError = userError(overFanOut(ctx, what, ' per input'), undefined, ctx, true)
    return { results: failAll(events, batchError), logs, batchError }
  }
  return { results: correlate(events, parsed.b, parsed.x, ctx), logs }
}

/**
 * Matches transformBatch outputs to inputs by messageId, as RudderStack does: an input with
 * no output was dropped; an output whose messageId matches no input belongs to the first
 * input. A failure (an output item that could not be serialized or was over its limit)
 * fails the input it names. Events and failures arrive in separate lists, so an event is
 * always an event, whatever fields it carries.
 */
function correlate(
  inputs: readonly unknown[],
  outputs: unknown[],
  failures: unknown[],
  ctx: DecodeContext,
): StepResult[] {
  const results: StepResult[] = inputs.map(() => ({ ok: true, events: [] as unknown[] }))
  const byId = new Map<string, number>()
  inputs.forEach((e, i) => {
    const id = messageIdOf(e)
    if (id !== undefined && !byId.has(id)) byId.set(id, i)
  })
  const indexOf = (id: unknown) => (typeof id === 'string' ? byId.get(id) : undefined) ?? 0
  for (const out of outputs) {
    if (!isEvent(out)) continue
    const slot = results[indexOf(out.messageId)]
    if (slot?.ok) slot.events.push(out)
  }
  for (const failure of failures) {
    if (!isEvent(failure) || !isWireError(failure.e)) continue
    const index = indexOf(failure.id)
    if (index < results.length)
      results[index] = { ok: false, error: userError(failure.e, messageIdOf(inputs[index]), ctx) }
  }
  return results
}
