import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '../src/index.ts'

describe('smoke', () => {
  it('exports the protocol version', () => {
    expect(PROTOCOL_VERSION).toBe(1)
  })
})
