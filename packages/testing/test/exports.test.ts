import { expect, it } from 'vitest'
import * as protocol from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(protocol).sort()).toMatchInlineSnapshot(`
    [
      "checkBatchAttribution",
      "checkCompatibility",
      "checkConfigSchema",
      "checkDeleteUsers",
      "checkDeliveryClassification",
      "checkEventTypes",
      "checkExamples",
      "checkGolden",
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
