import type { PatchbayEvent } from '@patchbay/protocol'
import type { EventFilter } from '../pipeline/pipeline-schema.ts'

/** True when the event passes a step's `filter` (types and track event names). */
export function matchesFilter(event: PatchbayEvent, filter: EventFilter | undefined): boolean {
  if (!filter) return true
  if (filter.types && !filter.types.includes(event.type)) return false
  if (filter.events) {
    if (event.type !== 'track') return false
    if (!filter.events.includes(event.event)) return false
  }
  return true
}

/**
 * Honours the event's `integrations` object as Segment and RudderStack do: a destination
 * named with `true`/`false` (by any of its `names`) gets exactly that; otherwise `All`
 * decides (default true). Names compare case-insensitively.
 *
 * @example
 * isRoutedTo({ All: false, Webhook: true }, ['webhook', 'Webhook']) // true
 */
export function isRoutedTo(integrations: unknown, names: readonly string[]): boolean {
  if (typeof integrations !== 'object' || integrations === null) return true
  const entries = integrations as Record<string, unknown>
  const wanted = new Set(names.map((n) => n.toLowerCase()))
  for (const [key, value] of Object.entries(entries)) {
    if (key === 'All' || !wanted.has(key.toLowerCase())) continue
    if (value === false) return false
    if (value === true || (typeof value === 'object' && value !== null)) return true
  }
  return entries.All !== false
}
