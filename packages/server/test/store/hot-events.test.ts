import { describe, expect, it } from 'vitest'
import { createHotEvents } from '../../src/store/_hot-events.ts'

describe('the store’s recently written events', () => {
  it('hands back the object put for a seq, and nothing once it is deleted', () => {
    const hot = createHotEvents(4)
    const event = { type: 'track', event: 'Signed Up' }
    hot.put(1, event)
    expect(hot.get(1)).toBe(event)
    hot.delete(1)
    expect(hot.get(1)).toBeUndefined()
  })

  it('stays within its limit, dropping the oldest first', () => {
    const hot = createHotEvents(16)
    for (let seq = 1; seq <= 1000; seq++) hot.put(seq, { seq })
    expect(hot.size).toBeLessThanOrEqual(16)
    expect(hot.get(1000)).toEqual({ seq: 1000 })
    expect(hot.get(1)).toBeUndefined()
    // What is kept is the newest run of seqs, without gaps.
    const kept = Array.from({ length: 1000 }, (_, i) => i + 1).filter((seq) => hot.get(seq) !== undefined)
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 1001 - kept.length + i))
  })
})
