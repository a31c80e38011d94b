/**
 * Keeps a Map, used as a bounded cache in insertion order, at most `limit` entries: past the
 * limit, the oldest eighth goes at once (one iterator, not one per insert).
 */
export function dropOldestPastLimit<K, V>(entries: Map<K, V>, limit: number): void {
  if (entries.size <= limit) return
  let drop = Math.ceil(limit / 8)
  // A Map iterates in insertion order: the first key is the oldest.
  for (const oldest of entries.keys()) {
    entries.delete(oldest)
    if (--drop === 0) break
  }
}
