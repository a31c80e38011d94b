// Add what destinations need and the source did not send. TypeScript works as is: errors
// point at lines of this file.
// Try it: patchbay transform docs/examples/transforms/enrich.ts --input docs/examples/transforms/events.jsonl --source-id web

interface Event {
  type: string
  event?: string
  messageId?: string
  properties?: Record<string, unknown>
  context?: Record<string, unknown>
}

type Metadata = (event: Event) => { sourceId?: string; destinationId?: string; messageId?: string }

const CENTS_PER_UNIT = 100

export function transformEvent(event: Event, metadata: Metadata): Event {
  const context = { ...event.context, pipeline: { source: metadata(event).sourceId ?? 'unknown' } }
  if (event.type !== 'track' || typeof event.properties?.total !== 'number') return { ...event, context }
  const total = event.properties.total
  return {
    ...event,
    context,
    properties: {
      ...event.properties,
      total_cents: Math.round(total * CENTS_PER_UNIT),
      is_large_order: total >= 50,
    },
  }
}
