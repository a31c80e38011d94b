import { describe, expect, it } from 'vitest'
import { duckdbDialect, normalizeIdentifier, postgresDialect } from '../src/index.ts'

const pg = (name: string) => normalizeIdentifier(name, postgresDialect)

describe('normalizeIdentifier', () => {
  it.each([
    ['Order Completed', 'order_completed'],
    ['firstName', 'first_name'],
    ['HTTPStatus', 'http_status'],
    ['user-agent', 'user_agent'],
    ['  $price (USD)  ', 'price_usd'],
    ['café crème', 'cafe_creme'],
    ['Ünïcödé Nämé', 'unicode_name'],
    ['1st visit', '_1st_visit'],
    ['select', '_select'],
    ['Order', '_order'],
    ['user', '_user'],
    ['a__b', 'a_b'],
  ])('%j → %j', (input, expected) => {
    expect(pg(input)).toBe(expected)
  })

  it('names made only of symbols or other scripts get a stable hashed name', () => {
    expect(pg('注文')).toMatch(/^_[0-9a-f]{8}$/)
    expect(pg('注文')).toBe(pg('注文'))
    expect(pg('注文')).not.toBe(pg('購入'))
  })

  it('cuts 200-character names to the engine limit, keeping names with one prefix apart', () => {
    const a = `${'x'.repeat(199)}a`
    const b = `${'x'.repeat(199)}b`
    expect(pg(a)).toHaveLength(63)
    expect(pg(a)).not.toBe(pg(b))
    expect(normalizeIdentifier(a, duckdbDialect)).toHaveLength(127)
  })
})
