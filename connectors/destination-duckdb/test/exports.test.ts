import { readFileSync } from 'node:fs'
import { isClientDestination, isPlugin } from '@patchbay/core'
import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DuckdbConfigSchema",
      "default",
      "tableCounts",
    ]
  `)
})

it('default-exports a client destination, with its manifest from package.json', () => {
  expect(isPlugin(api.default)).toBe(true)
  expect(isClientDestination(api.default)).toBe(true)
  expect(api.default).toMatchObject({ name: pkg.name, version: pkg.version, kind: 'destination' })
  expect(pkg.patchbay).toEqual({ kind: 'destination', apiVersion: api.default.apiVersion })
})
