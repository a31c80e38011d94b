import { identifiersOf } from '@patchbay/core'
import type { RegulationIdentifier, Regulations } from '../store/store.ts'

const keyOf = (type: string, value: string) => `${type}\u0000${value}`

/** The identifiers in force, in memory: what ingest, the processor and the workers ask per event. */
export interface Suppression {
  /** Whether any identifier of `event` (of the configured types) is suppressed. */
  matches(event: unknown): boolean
  /** How many identifiers are in force. */
  readonly size: number
  /** Adds identifiers now (a regulation made on this node), before the store is read again. */
  add(identifiers: readonly RegulationIdentifier[]): void
  /** Reads the store again when its version changed; resolves once the set is current. */
  refresh(): Promise<void>
  /** Reads the store again now, after any read under way (a regulation was removed here). */
  reload(): Promise<void>
  /** Stops the periodic refresh. */
  stop(): void
}

/**
 * A Set of `type\0value` keys, loaded from the store and read again whenever the store's
 * regulation version changes (one index read every `refreshMs`): a lookup is one hash per
 * identifier of the event, whatever the number of suppressed users (100,000 identifiers
 * take a few MB). With several nodes, a regulation made on another node applies here within
 * `refreshMs`; on the node that made it, at once.
 */
export async function createSuppression(options: {
  regulations: Pick<Regulations, 'version' | 'suppressed'>
  /** Identifier types read from events: userId, anonymousId and the configured traits. */
  types: readonly string[]
  refreshMs: number
  onError?: (error: unknown) => void
}): Promise<Suppression> {
  let keys = new Set<string>()
  let version = -1
  const types = [...new Set(['userId', 'anonymousId', ...options.types])]
  let reading: Promise<void> | undefined
  // Keys added here since the last read that started after them: a read already under way
  // when a regulation was made must not drop its keys.
  const recent = new Map<string, number>()
  let added = 0

  async function load(): Promise<void> {
    const startedAt = added
    const current = await options.regulations.version()
    if (current === version) return
    const snapshot = await options.regulations.suppressed()
    keys = new Set(snapshot.identifiers.map((i) => keyOf(i.type, i.value)))
    for (const [key, at] of recent) {
      if (at <= startedAt) recent.delete(key)
      else keys.add(key)
    }
    version = snapshot.version
  }
  const refresh = () => {
    reading ??= load().finally(() => {
      reading = undefined
    })
    return reading
  }
  await refresh()
  const timer = setInterval(
    () => void refresh().catch((error) => options.onError?.(error)),
    options.refreshMs,
  )
  timer.unref()

  return {
    matches(event) {
      if (keys.size === 0) return false
      for (const { type, value } of identifiersOf(event, types)) if (keys.has(keyOf(type, value))) return true
      return false
    },
    get size() {
      return keys.size
    },
    add(identifiers) {
      added++
      for (const { type, value } of identifiers) {
        keys.add(keyOf(type, value))
        recent.set(keyOf(type, value), added)
      }
    },
    refresh,
    async reload() {
      await reading?.catch(() => {})
      version = -1
      await refresh()
    },
    stop: () => clearInterval(timer),
  }
}
