import { describeConnector } from '@patchbay/testing'
import plugin from '../src/index.ts'

// The contract every Patchbay connector meets: manifest, config schema, lifecycle, and the
// transformation rules (drop, fan-out and errors per the contract; inputs never mutated;
// outputs are valid events), plus the goldens in fixtures/contract/golden (events in →
// events out). Re-record goldens with `npx patchbay test --update`.
describeConnector(plugin, { fixtures: new URL('./fixtures/contract/', import.meta.url) })
