// Hash personal data before it leaves: emails and phone numbers become SHA-256 hex digests
// (normalized first, so the same person always hashes the same), and the IP address is
// removed. The hashing runs inside the sandbox; the raw values never reach the host's logs.
// Try it: patchbay transform docs/examples/transforms/hash-pii.js --input docs/examples/transforms/events.jsonl

import { sha256 } from '@patchbay/sandbox/hash'

const normalize = {
  email: (v) => v.trim().toLowerCase(),
  phone: (v) => v.replace(/[^\d+]/g, ''),
}

function hashFields(fields) {
  if (!fields) return fields
  const out = { ...fields }
  for (const [field, clean] of Object.entries(normalize)) {
    if (typeof out[field] === 'string') out[field] = sha256(clean(out[field]))
  }
  return out
}

export function transformEvent(event) {
  const out = { ...event, traits: hashFields(event.traits), properties: hashFields(event.properties) }
  if (event.context) {
    const { ip: _ip, ...context } = event.context
    out.context = context
  }
  return out
}
