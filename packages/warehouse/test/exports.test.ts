import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CALL_TABLES",
      "DISCARDS_TABLE",
      "DISCARD_COLUMNS",
      "RESERVED_TABLES",
      "STANDARD_COLUMNS",
      "USERS_TABLE",
      "ansiQuote",
      "applyChanges",
      "changeSql",
      "deconflict",
      "deleteUsersSql",
      "duckdbDialect",
      "fitLength",
      "fits",
      "inferType",
      "keyOf",
      "mapEvent",
      "mergeSql",
      "normalizeIdentifier",
      "planLoad",
      "postgresDialect",
      "qualified",
    ]
  `)
})
