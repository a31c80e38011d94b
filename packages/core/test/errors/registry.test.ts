import { describe, expect, it } from 'vitest'
import { defineErrorCodes, errorCodeSpec, listErrorCodes, PatchbayError } from '../../src/index.ts'

describe('error code registry', () => {
  it('holds core codes with their owner, and a package adds its own', () => {
    expect(errorCodeSpec('PB_CONFIG_INVALID')?.package).toBe('@patchbay/core')
    defineErrorCodes('@acme/test-a', {
      PB_ACME_FULL: { family: 'retryable', description: 'The queue is full.', howToSolve: 'Wait.' },
    })
    const error = new PatchbayError('PB_ACME_FULL' as never, 'full')
    expect(error.family).toBe('retryable')
    expect(error.retryable).toBe(true)
    expect(error.hint).toBe('Wait.')
    expect(listErrorCodes().map((c) => c.code)).toContain('PB_ACME_FULL')
  })

  it('refuses a code that another package owns, naming both', () => {
    expect(() =>
      defineErrorCodes('@acme/test-b', {
        PB_CONFIG_INVALID: { family: 'aborted', description: 'x', howToSolve: 'y' },
      }),
    ).toThrow(/@acme\/test-b: error code PB_CONFIG_INVALID is already registered by @patchbay\/core/)
    expect(errorCodeSpec('PB_CONFIG_INVALID')?.family).toBe('configuration')
  })

  it('lets the same package register again (a second copy of it loaded)', () => {
    const codes = { PB_ACME_AGAIN: { family: 'event', description: 'x', howToSolve: 'y' } } as const
    defineErrorCodes('@acme/test-c', codes)
    expect(() => defineErrorCodes('@acme/test-c', codes)).not.toThrow()
  })

  it('refuses a malformed code', () => {
    expect(() =>
      defineErrorCodes('@acme/test-d', {
        'PB_bad-code': { family: 'event', description: 'x', howToSolve: 'y' },
      }),
    ).toThrow(/must match PB_\[A-Z0-9_\]\+/)
  })

  it('treats an unregistered code as a permanent failure instead of throwing while building the error', () => {
    const error = new PatchbayError('PB_NOT_REGISTERED_ANYWHERE' as never, 'revived')
    expect(error.family).toBe('aborted')
    expect(error.retryable).toBe(false)
    expect(error.hint).toMatch(/docs\/errors\.md/)
  })
})
