import { describeConnector } from '@patchbay/testing'
import plugin from '../src/index.ts'

// The contract every Patchbay connector meets: manifest, config schema and secrets, and
// every request in fixtures/contract/requests turning into valid events (the ones under
// requests/malformed must be refused with a clear error), and the goldens in
// fixtures/contract/golden (request → events). Re-record them with `npx patchbay test --update`.
describeConnector(plugin, { fixtures: new URL('./fixtures/contract/', import.meta.url) })
