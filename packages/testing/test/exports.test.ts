import { expect, it } from 'vitest'
import * as protocol from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(protocol).sort()).toMatchInlineSnapshot(`
    [
      "NETWORK_ERRORS",
      "checkBatchAttribution",
      "checkCompatibility",
      "checkConfigSchema",
      "checkDeleteUsers",
      "checkDeliveryClassification",
      "checkDriverErrorSecrets",
      "checkDriverErrors",
      "checkEventTypes",
      "checkExamples",
      "checkGolden",
      "checkIdempotentDelivery",
      "checkLifecycle",
      "checkManifest",
      "checkRequests",
      "checkSecretsNotLeaked",
      "checkSourceRequests",
      "checkTransformation",
      "describeConnector",
      "expectContract",
      "isCredentialName",
      "loadFixtures",
      "plantSecrets",
      "testContext",
    ]
  `)
})
