// transformBatch sees the whole batch at once: here it drops events whose messageId was
// already seen in the batch. Outputs are matched back to inputs by messageId.
// Try it: patchbay transform docs/examples/transforms/dedupe-batch.js --input docs/examples/transforms/events.jsonl

export function transformBatch(events) {
  const seen = new Set()
  return events.filter((event) => {
    if (seen.has(event.messageId)) return false
    seen.add(event.messageId)
    return true
  })
}
