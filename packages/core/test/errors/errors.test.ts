import { describe, expect, it } from 'vitest'
import {
  AbortedError,
  ConfigurationError,
  defineErrorCodes,
  ERROR_CODES,
  isPatchbayError,
  PatchbayError,
  RetryableError,
  ThrottledError,
  UnsupportedEventError,
} from '../../src/index.ts'

describe('PatchbayError', () => {
  it('carries a stable code, its family, the registry hint and the location', () => {
    const error = new ConfigurationError('url must be an absolute URL', {
      plugin: 'webhook@1.0.0',
      field: '/url',
    })
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe('PB_CONFIG_INVALID')
    expect(error.family).toBe('configuration')
    expect(error.retryable).toBe(false)
    expect(error.hint).toBe(ERROR_CODES.PB_CONFIG_INVALID.howToSolve)
    expect(error.toJSON()).toEqual({
      name: 'ConfigurationError',
      code: 'PB_CONFIG_INVALID',
      family: 'configuration',
      message: 'url must be an absolute URL',
      hint: ERROR_CODES.PB_CONFIG_INVALID.howToSolve,
      plugin: 'webhook@1.0.0',
      field: '/url',
    })
  })

  it('classifies delivery errors for the retry policy', () => {
    expect(new RetryableError('503').retryable).toBe(true)
    expect(new RetryableError('slow', { code: 'PB_DELIVERY_TIMEOUT' }).code).toBe('PB_DELIVERY_TIMEOUT')
    const throttled = new ThrottledError('429', { retryAfterMs: 2000 })
    expect([throttled.retryable, throttled.retryAfterMs, throttled.code]).toEqual([
      true,
      2000,
      'PB_DELIVERY_THROTTLED',
    ])
    expect(new AbortedError('400').retryable).toBe(false)
    expect(new UnsupportedEventError('no alias').code).toBe('PB_EVENT_UNSUPPORTED')
  })

  it('is recognised across copies of core by its marker, not by instanceof', () => {
    const foreign = Object.defineProperty(new Error('from a bundled core'), Symbol.for('patchbay.error'), {
      value: true,
    })
    expect(isPatchbayError(foreign)).toBe(true)
    expect(isPatchbayError(new Error('plain'))).toBe(false)
    expect(isPatchbayError(null)).toBe(false)
    expect(isPatchbayError(new PatchbayError('PB_EVENT_INVALID', 'x'))).toBe(true)
  })

  it('keeps the cause', () => {
    const cause = new Error('ECONNRESET')
    expect(new RetryableError('network', { cause }).cause).toBe(cause)
  })

  it('says what it did to its batch, from the registry: hosts read the property, not a list of codes', () => {
    defineErrorCodes('@acme/effects', {
      PB_ACME_HANG: { family: 'aborted', description: 'x', howToSolve: 'y', effect: 'takes-worker-down' },
      PB_ACME_BIG: { family: 'aborted', description: 'x', howToSolve: 'y', effect: 'poisons-batch' },
    })
    const effect = (code: string) => {
      const error = new PatchbayError(code as never, 'x')
      return [error.poisonsBatch, error.takesWorkerDown]
    }
    expect(effect('PB_ACME_HANG')).toEqual([true, true])
    expect(effect('PB_ACME_BIG')).toEqual([true, false])
    expect(effect('PB_EVENT_INVALID')).toEqual([false, false])
  })

  it('takes an effect for one error beyond its code: a transformBatch that threw poisons its batch', () => {
    const batch = new PatchbayError('PB_TRANSFORM_FAILED', 'transformBatch threw', {
      effect: 'poisons-batch',
    })
    expect([batch.poisonsBatch, batch.takesWorkerDown]).toEqual([true, false])
    // The effect is about the batch, not a place: it is not part of the location or the JSON.
    expect(batch.location).toEqual({})
    expect(batch.toJSON()).not.toHaveProperty('effect')
    const one = new PatchbayError('PB_TRANSFORM_FAILED', 'transformEvent threw')
    expect([one.poisonsBatch, one.takesWorkerDown]).toEqual([false, false])
  })
})
