// Rename events and fields to what a destination expects: snake_case property names
// become camelCase, and a few event names are mapped to the destination's vocabulary.
// Try it: patchbay transform docs/examples/transforms/rename.js --input docs/examples/transforms/events.jsonl

const EVENT_NAMES = { 'Order Completed': 'purchase', 'Product Viewed': 'view_item' }

const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())

function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]))
}

export function transformEvent(event) {
  const renamed = { ...event }
  if (event.type === 'track' && EVENT_NAMES[event.event]) renamed.event = EVENT_NAMES[event.event]
  if (event.properties) renamed.properties = camelKeys(event.properties)
  if (event.traits) renamed.traits = camelKeys(event.traits)
  return renamed
}
