import type { Sandbox, SandboxOptions } from '@patchbay/sandbox'

/** What the playground runs: code, and events pasted or taken from the live ones. */
export interface PlaygroundRequest {
  code: string
  language: 'js' | 'ts'
  events: unknown[]
  sourceId?: string
}

/** An error as the playground shows it: where it happened in the pasted code. */
export interface PlaygroundError {
  code: string
  message: string
  line?: number
  column?: number
  messageId?: string
}

export interface PlaygroundResult {
  /** The compile error, when the code did not compile (nothing ran). */
  compileError?: PlaygroundError
  /** One per input event: what came out (zero or more events), or the error. */
  results: Array<{ input: unknown; outputs?: unknown[]; error?: PlaygroundError }>
  logs: Array<{ level: string; message: string; messageId?: string }>
  timings: { compileMs: number; runMs: number }
}

/** The most events one run takes. */
export const MAX_PLAYGROUND_EVENTS = 100
/** The longest code the playground compiles. */
export const MAX_PLAYGROUND_CODE = 256 * 1024

function asError(error: unknown): PlaygroundError {
  const e = error as {
    code?: string
    message?: string
    location?: { line?: number; column?: number; messageId?: string }
  }
  const found = /playground\.(?:ts|js):(\d+):(\d+)/.exec(e?.message ?? '')
  const line = e?.location?.line ?? (found ? Number(found[1]) : undefined)
  const column = e?.location?.column ?? (found ? Number(found[2]) : undefined)
  return {
    code: e?.code ?? 'PB_INTERNAL',
    message: e?.message ?? String(error),
    ...(line !== undefined ? { line } : {}),
    ...(column !== undefined ? { column } : {}),
    ...(e?.location?.messageId !== undefined ? { messageId: e.location.messageId } : {}),
  }
}

/**
 * The transformation playground: compiles pasted code in a sandbox of its own, with the
 * pipeline's sandbox settings (the same memory, CPU and wall-time limits as the deployed
 * transformations), runs it over the given events and returns what came out. Nothing is
 * deployed. One run at a time; the sandbox starts at the first run and closes with the gateway.
 */
export function createPlayground(settings: SandboxOptions) {
  let sandbox: Promise<Sandbox> | undefined
  let busy = false

  async function run(request: PlaygroundRequest): Promise<PlaygroundResult | 'busy'> {
    if (busy) return 'busy'
    busy = true
    try {
      sandbox ??= import('@patchbay/sandbox').then(({ createSandbox }) => createSandbox(settings))
      const box = await sandbox
      const filename = `playground.${request.language}`
      const started = performance.now()
      let transform: Awaited<ReturnType<Sandbox['compile']>>
      try {
        transform = await box.compile(request.code, { filename, step: 'playground' })
      } catch (error) {
        return {
          compileError: asError(error),
          results: [],
          logs: [],
          timings: { compileMs: performance.now() - started, runMs: 0 },
        }
      }
      const compiled = performance.now()
      try {
        const out = await transform.run(
          request.events,
          request.sourceId !== undefined ? { sourceId: request.sourceId } : {},
        )
        const ran = performance.now()
        return {
          results: request.events.map((input, i) => {
            const r = out.results[i]
            if (!r) return { input, error: { code: 'PB_INTERNAL', message: 'no result for this event' } }
            return r.ok ? { input, outputs: r.events } : { input, error: asError(r.error) }
          }),
          logs: out.logs.map((l) => ({
            level: l.level,
            message: l.message,
            ...(l.messageId !== undefined ? { messageId: l.messageId } : {}),
          })),
          timings: { compileMs: compiled - started, runMs: ran - compiled },
        }
      } finally {
        transform.dispose()
      }
    } finally {
      busy = false
    }
  }

  return {
    run,
    async close(): Promise<void> {
      const box = await sandbox?.catch(() => undefined)
      await box?.dispose()
    },
  }
}

export type Playground = ReturnType<typeof createPlayground>
