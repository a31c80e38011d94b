import { describe, expect, it } from 'vitest'
import { createParsedEvents } from '../../src/store/postgres/_parsed-events.ts'

describe('the PostgreSQL store’s parsed events', () => {
  it('hands back the object kept for a text, and parses any other text', () => {
    const parsed = createParsedEvents(4)
    const event = { type: 'track', event: 'Signed Up' }
    const text = JSON.stringify(event)
    parsed.put(text, event)
    // A text equal to the one kept (as read back from a row), not only the same string.
    expect(parsed.parse(`${text.slice(0, 5)}${text.slice(5)}`)).toBe(event)
    const other = parsed.parse('{"type":"identify"}')
    expect(other).toEqual({ type: 'identify' })
    expect(parsed.parse('{"type":"identify"}')).not.toBe(other)
  })

  it('stays within its limit, dropping the oldest first, and keeps no long text', () => {
    const parsed = createParsedEvents(16, 100)
    const kept = Array.from({ length: 1000 }, (_, i) => ({ i }))
    for (const event of kept) parsed.put(JSON.stringify(event), event)
    expect(parsed.size).toBeLessThanOrEqual(16)
    expect(parsed.parse('{"i":999}')).toBe(kept[999])
    expect(parsed.parse('{"i":0}')).not.toBe(kept[0])
    const long = { text: 'x'.repeat(200) }
    parsed.put(JSON.stringify(long), long)
    expect(parsed.parse(JSON.stringify(long))).not.toBe(long)
    expect(parsed.parse(JSON.stringify(long))).toEqual(long)
  })
})
