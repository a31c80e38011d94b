import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createContext, runInContext } from 'node:vm'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import * as log from '../../src/log/index.ts'

const dir = new URL('../../src/log/', import.meta.url)
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))

describe('@patchbay/sandbox/log runs inside an isolate', () => {
  it('imports nothing outside src/log: no packages, no node: modules, no dynamic imports', () => {
    expect(files.length).toBeGreaterThan(5)
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), 'utf8')
      const specifiers = [
        ...text.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g),
        ...text.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
        ...text.matchAll(/\bimport\s*\(\s*['"]?([^'")]*)/g),
        ...text.matchAll(/\brequire\s*\(\s*['"]?([^'")]*)/g),
      ].map((m) => m[1]!)
      for (const spec of specifiers) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.ts$/)
        expect(existsSync(new URL(spec, dir)), `${file} imports ${spec}, which is not in src/log`).toBe(true)
      }
      expect(text, `${file} uses a host global`).not.toMatch(
        /\b(?:process|Buffer|globalThis|console|window|self)\s*[.[]|\b(?:setTimeout|setInterval|fetch|TextEncoder|TextDecoder)\s*\(/,
      )
    }
  })

  it('bundles alone and parses in a bare JavaScript realm (no Node globals), defining no globals', async () => {
    const out = await build({
      entryPoints: [new URL('index.ts', dir).pathname],
      bundle: true,
      format: 'iife',
      globalName: 'lib',
      platform: 'neutral',
      target: 'es2023',
      write: false,
      logLevel: 'silent',
    })
    const context = createContext({})
    const before = runInContext('Object.getOwnPropertyNames(globalThis).sort().join()', context)
    runInContext(out.outputFiles[0]!.text, context)
    const after = runInContext(
      'Object.getOwnPropertyNames(globalThis).filter(n => n !== "lib").sort().join()',
      context,
    )
    expect(after).toBe(before)
    const results = runInContext(
      `JSON.stringify([
        lib.parseNginxLog('10.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"', 'combined'),
        lib.parseSyslog('<34>Oct 11 22:14:15 mymachine su: x', { year: 2026 }).ok,
        lib.parseGrok('10.0.0.1 GET', '^%{IP:ip} %{WORD:verb}$'),
        lib.parseLogfmt('a=1 b').ok,
        lib.parseJsonLine('{}').ok,
      ])`,
      context,
    )
    expect(JSON.parse(results)).toEqual([
      {
        ok: true,
        value: {
          client: '10.0.0.1',
          timestamp: '2026-11-22T10:00:00+00:00',
          request: 'GET / HTTP/1.1',
          method: 'GET',
          path: '/',
          protocol: 'HTTP/1.1',
          status: 200,
          size: 5,
          agent: 'curl/8.5.0',
        },
      },
      true,
      { ok: true, value: { ip: '10.0.0.1', verb: 'GET' } },
      true,
      true,
    ])
  })

  it('exports a stable API (update deliberately)', () => {
    expect(Object.keys(log).sort()).toMatchInlineSnapshot(`
      [
        "GROK_MAX_SEARCH_LENGTH",
        "GROK_PATTERN_NAMES",
        "compileGrok",
        "parseApacheLog",
        "parseCombinedLog",
        "parseCommonLog",
        "parseGrok",
        "parseJsonLine",
        "parseKeyValue",
        "parseLogfmt",
        "parseNginxLog",
        "parseSyslog",
      ]
    `)
  })
})
