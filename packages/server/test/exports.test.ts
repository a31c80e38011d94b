import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_PIPELINE_FILE",
      "DEV_WRITE_KEY",
      "GATEWAY_ERROR_CODES",
      "GatewayDestinationSettingsSchema",
      "GatewayOptionsSchema",
      "GatewayPipelineSettingsSchema",
      "NewRegulationBodySchema",
      "openPostgresStore",
      "openSqliteStore",
      "redactStoreUrl",
      "resolveGatewayOptions",
      "resolvePipelineSettings",
      "startGateway",
    ]
  `)
})
