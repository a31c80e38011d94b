import { describeConnector } from '@patchbay/testing'
import plugin from '../src/index.ts'

describeConnector(plugin, { fixtures: new URL('./fixtures/contract/', import.meta.url) })
