// Fan one event out into several: each product of an order becomes its own
// "Product Purchased" event, and the order itself goes on too. Returning an array fans out;
// every event keeps its own messageId so destinations can deduplicate.
// Try it: patchbay transform docs/examples/transforms/fan-out.js --input docs/examples/transforms/events.jsonl

export function transformEvent(event) {
  if (event.type !== 'track' || event.event !== 'Order Completed') return event
  const products = Array.isArray(event.properties?.products) ? event.properties.products : []
  const items = products.map((product, i) => ({
    ...event,
    event: 'Product Purchased',
    messageId: `${event.messageId}-item-${i}`,
    properties: { order_id: event.properties.order_id, currency: event.properties.currency, ...product },
  }))
  return [event, ...items]
}
