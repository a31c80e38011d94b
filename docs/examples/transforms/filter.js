// Drop noise before it reaches any destination: heartbeats, and anything a crawler sent.
// Try it: patchbay transform docs/examples/transforms/filter.js --input docs/examples/transforms/events.jsonl

const NOISE = new Set(['Heartbeat', 'Session Ping'])
const BOT = /bot|crawler|spider|headless/i

export function transformEvent(event) {
  if (event.type === 'track' && NOISE.has(event.event)) return null
  const userAgent = event.context?.userAgent
  if (typeof userAgent === 'string' && BOT.test(userAgent)) {
    log('dropping bot traffic', userAgent)
    return null
  }
  return event
}
