import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "AIRBYTE_ERROR_CODES",
      "AirbyteSourceConfigSchema",
      "default",
      "readAirbyte",
    ]
  `)
})
