import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "AUTH_STYLES",
      "KINDS",
      "PACKAGE_MANAGERS",
      "ScaffoldError",
      "ScaffoldOptionsSchema",
      "TRANSPORTS",
      "checkOptions",
      "main",
      "packageNameProblem",
      "renderScaffold",
      "scaffold",
      "unscopedName",
    ]
  `)
})
