import { afterAll, describe, expect, it } from 'vitest'
import { createSandbox } from '../../src/index.ts'
import { compileGrok, GROK_MAX_SEARCH_LENGTH, GROK_PATTERN_NAMES, parseGrok } from '../../src/log/index.ts'

/**
 * Issue 12, item 11: an unanchored grok pattern tries every position of the line, and from
 * each one an open-ended token can scan to the end: quadratic time (a 32 KiB line took about a
 * second and failed its bystanders' chunk). No timings here: the line sizes below would take
 * minutes to hours if any of these searches were quadratic, so finishing at all is the
 * assertion, and each result is checked.
 */

/** Lines built to make backtracking patterns scan to the end from every position. */
function hostile(length: number): Record<string, string> {
  const of = (unit: string) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)
  return {
    letters: of('a'),
    'dotted labels': of('a.'),
    digits: of('1'),
    'dotted digits': of('1.'),
    colons: of('a:'),
    'digit colons': of('1:'),
    slashes: of('/a'),
    quotes: of('"a'),
    spaces: of(' '),
    words: of('a '),
    'at signs': of('a@'),
    hyphens: of('a-'),
  }
}

describe('unanchored built-in patterns on hostile lines', () => {
  const lines = Object.entries(hostile(32 * 1024))

  it.each(GROK_PATTERN_NAMES)(
    '%%{%s} (and followed by more text) refuses a 32 KiB line at once, saying why',
    (name) => {
      for (const pattern of [`%{${name}:v}`, `%{${name}:v} x`]) {
        const matcher = compileGrok(pattern)
        expect(matcher.anchored).toBe(false)
        for (const [shape, line] of lines)
          expect(matcher.parse(line), `${pattern} on ${shape}`).toEqual({
            ok: false,
            error: `the line is 32768 characters, longer than the 2048 an unanchored grok pattern searches (${pattern}): anchor the pattern with ^ to parse longer lines, or raise maxSearchLength`,
          })
      }
    },
  )

  it('searches lines up to the limit, as Logstash does, and a raised limit searches further', () => {
    const atLimit = `${'a.'.repeat((GROK_MAX_SEARCH_LENGTH - 12) / 2)} ip 10.0.0.1`
    expect(atLimit).toHaveLength(GROK_MAX_SEARCH_LENGTH)
    expect(parseGrok(atLimit, '%{IP:ip}')).toEqual({ ok: true, value: { ip: '10.0.0.1' } })
    expect(parseGrok(`x${atLimit}`, '%{IP:ip}').ok).toBe(false)
    expect(parseGrok(`x${atLimit}`, '%{IP:ip}', { maxSearchLength: 4096 })).toEqual({
      ok: true,
      value: { ip: '10.0.0.1' },
    })
    // The cache keeps the two limits apart.
    expect(parseGrok(`x${atLimit}`, '%{IP:ip}').ok).toBe(false)
  })

  it('refuses a limit that is not a whole number of characters', () => {
    for (const maxSearchLength of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => compileGrok('%{IP:ip}', { maxSearchLength })).toThrow(
        `grok maxSearchLength must be a whole number of characters, 1 or more, got ${maxSearchLength}`,
      )
  })

  it('counts a pattern as anchored only when ^ governs every alternative', () => {
    expect(compileGrok('^%{IP:ip}').anchored).toBe(true)
    expect(compileGrok('^(?:%{IP:ip}|%{HOSTNAME:host})$').anchored).toBe(true)
    expect(compileGrok('^[|]%{IP:ip}\\|x').anchored).toBe(true)
    expect(compileGrok('^%{IP:ip}|%{WORD:w}').anchored).toBe(false)
    expect(compileGrok('%{IP:ip}$').anchored).toBe(false)
    const long = `${'a'.repeat(5000)} word`
    expect(parseGrok(long, '^%{IP:ip}|%{WORD:w}').ok).toBe(false) // searched: refused by length
  })
})

describe('anchored built-in patterns on hostile lines of 256 KiB', () => {
  // 64 times the 32 KiB: a quadratic attempt would take minutes per line.
  const lines = Object.entries(hostile(256 * 1024))

  it.each(GROK_PATTERN_NAMES)('^%%{%s} finishes and answers', (name) => {
    const followed = compileGrok(`^%{${name}:v} x`)
    const whole = compileGrok(`^%{${name}:v}$`)
    expect(followed.anchored && whole.anchored).toBe(true)
    for (const [shape, line] of lines) {
      // No hostile line contains " x", so this can never match.
      expect(followed.parse(line).ok, `^%{${name}} x on ${shape}`).toBe(false)
      const result = whole.parse(line)
      // Whole-line matches: exactly the open-ended text patterns, and only on their own text.
      if (result.ok) expect(result.value.v, `${name} on ${shape}`).toBe(line)
    }
  })

  it('parses a legitimate long line whole when anchored (a 100 KiB request URL)', () => {
    const path = `/search?q=${'x'.repeat(100 * 1024)}`
    const line = `10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET ${path} HTTP/1.1" 200 2326 "-" "curl/8.5.0"`
    const result = parseGrok(line, '^%{COMBINEDAPACHELOG}$')
    expect(result.ok && result.value.request).toBe(path)
    expect(result.ok && result.value.response).toBe(200)
  })
})

describe('in the sandbox: hostile lines fail alone, their bystanders parse', () => {
  const sandbox = createSandbox({ poolSize: 1 })
  afterAll(() => sandbox.dispose())

  it('a batch with five 32 KiB hostile lines among 200 access log lines', async () => {
    const t = await sandbox.compile(
      `import { parseGrok } from '@patchbay/sandbox/log'
      export function transformEvent(event) {
        const r = parseGrok(event.properties.message, '%{COMBINEDAPACHELOG}')
        return r.ok
          ? { ...event, properties: { status: r.value.response, path: r.value.request } }
          : { ...event, properties: { error: r.error.slice(0, 60) } }
      }`,
      { filename: 'access.js' },
    )
    const good = (i: number) =>
      `10.0.0.${i % 250} - - [10/Oct/2000:13:55:36 -0700] "GET /p/${i} HTTP/1.1" 200 ${i} "-" "curl/8.5.0"`
    const bad = Object.values(hostile(32 * 1024)).slice(0, 5)
    const events = Array.from({ length: 205 }, (_, i) => ({
      type: 'track',
      event: 'log_line',
      messageId: `l-${i}`,
      anonymousId: 'web-01',
      properties: { message: i % 41 === 40 ? bad[(i - 40) / 41]! : good(i) },
    }))
    const { results } = await t.run(events)
    expect(results).toHaveLength(205)
    results.forEach((result, i) => {
      if (!result.ok) throw result.error
      const properties = (result.events[0] as { properties: Record<string, unknown> }).properties
      if (i % 41 === 40)
        expect(properties).toEqual({ error: 'the line is 32768 characters, longer than the 2048 an unanch' })
      else expect(properties).toEqual({ status: 200, path: `/p/${i}` })
    })
  }, 120_000)
})
