import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_BLOCKLIST_AFTER",
      "DEFAULT_CAPS",
      "DEFAULT_IDENTITY_FIELDS",
      "DEFAULT_PRIORITY",
      "IDENTITY_DB_FILE",
      "IDENTITY_ERROR_CODES",
      "IdentityLookupSchema",
      "IdentityStatsSchema",
      "MergeRecordSchema",
      "canonicalIdOf",
      "checkIdentityStore",
      "createMemoryIdentityStore",
      "eventTime",
      "extractIdentifiers",
      "identityStage",
      "openIdentityGraph",
      "openPostgresIdentityStore",
      "openSqliteIdentityStore",
      "resolveIdentitySettings",
      "stampCanonicalId",
      "typeRanker",
    ]
  `)
})
