import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeConnector } from '@patchbay/testing'
import plugin from '../src/index.ts'

// The contract every Patchbay connector meets, with the client destination's own checks:
// driver errors classified as fixtures/contract/errors/ declares (network errors always
// retryable), no secret in what a driver error says, and repeats delivered. It runs against
// a real client: here a file in a temporary folder (for a database, a test database).
describeConnector(plugin, {
  fixtures: new URL('./fixtures/contract/', import.meta.url),
  config: { path: join(mkdtempSync(join(tmpdir(), 'contract-')), 'events.jsonl') },
})
