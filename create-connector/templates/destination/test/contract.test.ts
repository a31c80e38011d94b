import { describeConnector } from '@patchbay/testing'
import plugin from '../src/index.ts'

// The contract every Patchbay connector meets: manifest, config schema and secrets,
// every event type, deterministic requests, delivery classification and the golden
// requests in fixtures/contract/golden. Re-record goldens with `npx patchbay test --update`.
describeConnector(plugin, { fixtures: new URL('./fixtures/contract/', import.meta.url) })
