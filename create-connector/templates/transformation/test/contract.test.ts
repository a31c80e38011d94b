import { describeConnector } from '@patchbay/testing'
import plugin from '../src/index.ts'

// The contract every Patchbay connector meets: manifest, config schema, lifecycle, and the
// transformation rules (drop, fan-out and errors per the contract; inputs never mutated;
// outputs are valid events).
describeConnector(plugin)
