import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  createEgressGuard,
  createRetryPolicy,
  parseRetryAfter,
  privateRange,
} from '../../src/index.ts'
import { thrown } from '../_thrown.ts'

describe('backoffDelay (equal jitter)', () => {
  const retry = { baseDelayMs: 100, maxDelayMs: 1000 }
  it('draws uniformly between half and all of base·2^(attempt-1), capped by maxDelayMs', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, retry, () => 0.999))).toEqual([99, 199, 399, 799, 999])
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, retry, () => 0))).toEqual([50, 100, 200, 400, 500])
  })
})

describe('createRetryPolicy: next(attempt, error, elapsed)', () => {
  const policy = createRetryPolicy({
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxAttempts: 4,
    maxElapsedMs: 2000,
    random: () => 0,
  })
  it('waits the backoff, or the Retry-After as sent, for a retryable failure', () => {
    expect(policy.next(1, { retryable: true }, 0)).toBe(50)
    expect(policy.next(3, { retryable: true }, 0)).toBe(200)
    expect(policy.next(1, { retryable: true, retryAfterMs: 1500 }, 0)).toBe(1500)
  })
  it('gives up on a failure that is not retryable, at maxAttempts, and past the window', () => {
    expect(policy.next(1, { retryable: false }, 0)).toBeUndefined()
    expect(policy.next(4, { retryable: true }, 0)).toBeUndefined()
    expect(policy.next(1, { retryable: true }, 1960)).toBeUndefined() // 1960 + 50 > 2000
    expect(policy.next(1, { retryable: true }, 1950)).toBe(50)
    expect(policy.next(1, { retryable: true, retryAfterMs: 2500 }, 0)).toBeUndefined()
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z')
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sun, 22 Nov 2026 10:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%j → %j ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms)
  })
})

describe('egress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.2.3.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['8.8.8.8', undefined],
    ['172.32.0.1', undefined],
    ['2606:4700::1111', undefined],
  ])('%s is %s', (address, range) => {
    expect(privateRange(address)).toBe(range)
  })

  it('says what was refused and how to allow it', () => {
    const error = thrown(() =>
      createEgressGuard({}, 'destinations.crm').check('metadata.internal', '169.254.169.254'),
    )
    expect(error.message).toBe(
      'destinations.crm: egress to metadata.internal (169.254.169.254) is denied: it is a link-local address',
    )
    expect(error.hint).toContain('add "metadata.internal" to `egress.allow`')
  })

  it('lets allowPrivate, addresses, ranges and hostnames through', () => {
    expect(() => createEgressGuard({ allowPrivate: true }).check('x', '10.0.0.1')).not.toThrow()
    expect(() => createEgressGuard({ allow: ['10.0.0.1'] }).check('x', '10.0.0.1')).not.toThrow()
    expect(() => createEgressGuard({ allow: ['10.0.0.0/8'] }).check('x', '10.9.9.9')).not.toThrow()
    expect(() => createEgressGuard({ allow: ['fd00::/8'] }).check('x', 'fd00::5')).not.toThrow()
    expect(() =>
      createEgressGuard({ allow: ['hooks.internal'] }).check('HOOKS.internal', '10.0.0.1'),
    ).not.toThrow()
    expect(() => createEgressGuard({ allow: ['10.0.0.0/8'] }).check('x', '192.168.0.1')).toThrow(/denied/)
  })
})
