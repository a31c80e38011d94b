import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import * as console from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(console).sort()).toMatchInlineSnapshot(`
    [
      "ConsoleRecordSchema",
      "DeadLetterViewSchema",
      "DestinationOutcomeSchema",
      "DestinationStatusSchema",
      "LookupResultSchema",
      "OverviewSchema",
      "StepSnapshotSchema",
      "StoredMatchSchema",
      "StoredStateSchema",
      "consoleAssetsDir",
    ]
  `)
})

it('points at the built page', () => {
  expect(existsSync(join(console.consoleAssetsDir, 'index.html'))).toBe(true)
})
