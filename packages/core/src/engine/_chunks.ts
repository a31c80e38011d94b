import type { WorkItem } from './_steps.ts'

/**
 * Splits work items, in order, into chunks of at most `maxEvents` items whose events add up
 * to at most `maxBytes` as JSON text; an item larger than that on its own goes alone. The
 * size counted is the length of the event's JSON text (UTF-16 units: a cheap estimate, as
 * only the bound needs it): the one the item carries (`pipeline.deliver`'s `sizes`, a store's
 * text length), else the event serialised to measure it. An unbounded `maxBytes` measures
 * nothing.
 */
export function chunkItems(items: readonly WorkItem[], maxEvents: number, maxBytes: number): WorkItem[][] {
  const measure = maxBytes !== Number.POSITIVE_INFINITY
  const chunks: WorkItem[][] = []
  let chunk: WorkItem[] = []
  let bytes = 0
  for (const item of items) {
    const size = measure ? (item.size ?? JSON.stringify(item.event).length) : 0
    if (chunk.length > 0 && (chunk.length >= maxEvents || bytes + size > maxBytes)) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(item)
    bytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}
