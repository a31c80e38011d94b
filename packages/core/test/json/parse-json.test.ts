import { describe, expect, it } from 'vitest'
import { JsonInputError, parseJson, parsePipeline } from '../../src/index.ts'

const refusal = (run: () => unknown): JsonInputError => {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(JsonInputError)
    return error as JsonInputError
  }
  throw new Error('parseJson accepted it')
}

describe('parseJson', () => {
  it('parses ordinary JSON from text and from bytes, unicode included', () => {
    expect(parseJson('{"a":[1,{"b":"é"}]}')).toEqual({ a: [1, { b: 'é' }] })
    expect(parseJson(Buffer.from('{"name":"café 🎉"}'))).toEqual({ name: 'café 🎉' })
    // `constructor` alone is an ordinary key; only constructor.prototype is refused.
    expect(parseJson('{"constructor":{"name":"x"}}')).toEqual({ constructor: { name: 'x' } })
  })

  it('refuses invalid UTF-8 with the offset of the first bad byte, instead of replacing it', () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])
    const error = refusal(() => parseJson(bytes, { what: 'the body' }))
    expect(error.problem).toBe('utf8')
    expect(error.details).toMatchObject({ offset: 12 })
    expect(error.message).toBe(
      'the body is not valid UTF-8: byte 12 (0xc3) does not start or continue a character; send UTF-8 text',
    )
  })

  it.each([
    ['a lone continuation byte', [0x80], 0],
    ['an overlong slash', [0xc0, 0xaf], 0],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 0],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a truncated 4-byte sequence at the end', [0xf0, 0x9f, 0x8e], 0],
  ])('finds %s', (_, bad, at) => {
    const bytes = Buffer.concat([Buffer.from('"ok'), Buffer.from(bad), Buffer.from('"')])
    expect(refusal(() => parseJson(bytes)).details).toMatchObject({ offset: 3 + at })
  })

  it('refuses nesting past the limit before parsing, and does not count brackets in strings', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`
    const error = refusal(() => parseJson(deep, { maxDepth: 64 }))
    expect(error.problem).toBe('depth')
    expect(error.details).toMatchObject({ offset: 64, limit: 64 })
    expect(parseJson(`{"a":"${'['.repeat(200)}\\"{{"}`, { maxDepth: 2 })).toEqual({
      a: `${'['.repeat(200)}"{{`,
    })
    expect(parseJson('[[[1]]]', { maxDepth: 3 })).toEqual([[[1]]])
    expect(refusal(() => parseJson('[[[1]]]', { maxDepth: 2 })).problem).toBe('depth')
    // Objects and arrays count together; many brackets side by side are not deep.
    expect(parseJson('{"a":[{"b":[1]}]}', { maxDepth: 4 })).toEqual({ a: [{ b: [1] }] })
    expect(refusal(() => parseJson('{"a":[{"b":[1]}]}', { maxDepth: 3 })).details).toMatchObject({
      offset: 11,
    })
    const wide = `[${Array.from({ length: 300 }, (_, i) => `[${i}]`).join(',')}]`
    expect(parseJson(wide, { maxDepth: 2 })).toHaveLength(300)
  })

  it('refuses __proto__ and constructor.prototype keys, naming where, as Fastify does', () => {
    const proto = refusal(() => parseJson('{"batch":[{},{"properties":{"__proto__":{"admin":true}}}]}'))
    expect(proto.problem).toBe('forbidden-key')
    expect(proto.details).toMatchObject({ pointer: '/batch/1/properties/__proto__' })
    expect(proto.message).toContain('prototype pollution')
    const escaped = refusal(() => parseJson('{"\\u005f_proto__":{}}'))
    expect(escaped.details).toMatchObject({ pointer: '/__proto__' })
    const ctor = refusal(() => parseJson('[{"constructor":{"prototype":{"x":1}}}]'))
    expect(ctor.details).toMatchObject({ pointer: '/0/constructor/prototype' })
    expect(({} as { admin?: unknown }).admin).toBeUndefined()
  })

  it('keeps the JSON syntax error and its position', () => {
    const error = refusal(() => parseJson('{"a":1,}', { what: 'events.jsonl:3' }))
    expect(error.problem).toBe('syntax')
    expect(error.message).toMatch(/^events\.jsonl:3 is not valid JSON: .*position 7/)
  })
})

describe('pipeline files', () => {
  it('refuse a __proto__ key with file:line, in YAML and in JSON', () => {
    const yaml = 'name: p\nsources:\n  - id: web\n    __proto__: { polluted: true }\ndestinations: []\n'
    expect(() => parsePipeline(yaml, { file: '/x/pipeline.yaml' })).toThrow(
      /^pipeline\.yaml:4:5: sources\[0\]\.__proto__ is a forbidden key/,
    )
    const json =
      '{\n "name": "p",\n "sources": [],\n "destinations": [{"id":"d","use":"x","config":{"constructor":{"prototype":{}}}}]\n}'
    expect(() => parsePipeline(json, { file: '/x/pipeline.json' })).toThrow(
      /^pipeline\.json:4:\d+: destinations\[0\]\.config\.constructor\.prototype is a forbidden key/,
    )
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
  })
})
