import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hmacSha256, sha256 } from '../src/hash/index.ts'

const nodeSha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex')

describe('sha256', () => {
  it('matches the known test vectors', () => {
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('matches node:crypto on every length across the padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const text = 'x'.repeat(n)
      expect(sha256(text), `length ${n}`).toBe(nodeSha(text))
    }
  })

  it('hashes non-ASCII text as UTF-8, including astral characters and lone surrogates', () => {
    for (const text of [
      'José@example.com',
      'ümlaut ß',
      '日本語',
      'emoji 🎉 ok',
      'lone \ud800 high',
      'lone \udc00 low',
    ]) {
      expect(sha256(text), text).toBe(nodeSha(text))
    }
  })

  it('hashes bytes', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255])
    expect(sha256(bytes)).toBe(nodeSha(bytes))
  })

  it('refuses values that are neither strings nor bytes, naming the type', () => {
    expect(() => sha256(42 as never)).toThrow('sha256 expects a string or a Uint8Array, got number')
  })
})

describe('hmacSha256', () => {
  it('matches node:crypto for short and long keys', () => {
    for (const key of ['k', 'pepper', 'k'.repeat(64), 'k'.repeat(65), 'k'.repeat(200)]) {
      expect(hmacSha256(key, 'user@example.com'), `key length ${key.length}`).toBe(
        createHmac('sha256', key).update('user@example.com').digest('hex'),
      )
    }
  })
})
