import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CALL_TABLES",
      "CALL_TABLE_NAMES",
      "DISCARDS_TABLE",
      "DISCARD_COLUMNS",
      "IDENTITY_MAPPINGS_TABLE",
      "IDENTITY_MERGES_TABLE",
      "IDENTITY_REJECTIONS_TABLE",
      "IDENTITY_TABLES",
      "RESERVED_TABLES",
      "STANDARD_COLUMNS",
      "USERS_TABLE",
      "ansiQuote",
      "applyChanges",
      "applyIdentityStamps",
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
      "rowsWithIds",
      "usersOfInserted",
    ]
  `)
})
