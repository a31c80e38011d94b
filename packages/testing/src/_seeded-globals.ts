import { CONTRACT_NOW } from './_context.ts'

export interface GlobalUse {
  clock: string[]
  random: string[]
}

const SEED_MS = Date.parse(CONTRACT_NOW)

/** The first frame of the caller outside this file and the test runner, for findings. */
function caller(): string | undefined {
  const frames = (new Error().stack ?? '').split('\n').slice(3)
  const frame = frames.find(
    (f) => !f.includes('_seeded-globals') && !/[\\/]node_modules[\\/](vitest|@vitest)/.test(f),
  )
  return frame?.trim().replace(/^at /, '')
}

/**
 * Runs `fn` with the clock (`Date.now`, `new Date()`, `performance.now`) and randomness
 * (`Math.random`, `crypto.randomUUID`, `crypto.getRandomValues`) replaced by seeded ones,
 * so two runs see the same values, and records where the plugin used them.
 */
export async function withSeededGlobals<T>(fn: () => Promise<T>): Promise<{ value: T; use: GlobalUse }> {
  const use: GlobalUse = { clock: [], random: [] }
  const note = (kind: keyof GlobalUse, what: string) => {
    const at = caller()
    if (at && /[\\/]node_modules[\\/]/.test(at) && !/[\\/]node_modules[\\/]@patchbay/.test(at)) return
    use[kind].push(`${what} at ${at ?? 'unknown'}`)
  }
  const RealDate = Date
  const real = {
    performanceNow: performance.now,
    random: Math.random,
    randomUUID: crypto.randomUUID,
    getRandomValues: crypto.getRandomValues,
  }
  let ticks = 0
  let state = 0x2545f491
  const next = () => {
    state = (state * 1103515245 + 12345) >>> 0
    return state / 2 ** 32
  }
  const SeededDate = class extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) {
        note('clock', 'new Date()')
        super(SEED_MS)
      } else super(...(args as [string]))
    }
    static override now() {
      note('clock', 'Date.now()')
      return SEED_MS
    }
  }
  globalThis.Date = SeededDate as DateConstructor
  performance.now = () => {
    note('clock', 'performance.now()')
    return ++ticks
  }
  Math.random = () => {
    note('random', 'Math.random()')
    return next()
  }
  crypto.randomUUID = () => {
    note('random', 'crypto.randomUUID()')
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}` as `${string}-${string}-${string}-${string}-${string}`
  }
  crypto.getRandomValues = (<A extends ArrayBufferView | null>(array: A) => {
    note('random', 'crypto.getRandomValues()')
    if (array) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256)
    }
    return array
  }) as typeof crypto.getRandomValues
  try {
    return { value: await fn(), use }
  } finally {
    globalThis.Date = RealDate
    performance.now = real.performanceNow
    Math.random = real.random
    crypto.randomUUID = real.randomUUID
    crypto.getRandomValues = real.getRandomValues
  }
}
