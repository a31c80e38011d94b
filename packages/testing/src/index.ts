export { checkBatchAttribution } from './check-batch.ts'
export {
  checkDriverErrorSecrets,
  checkDriverErrors,
  checkIdempotentDelivery,
  type DriverErrorFixture,
  NETWORK_ERRORS,
} from './check-client-destination.ts'
export { checkCompatibility, type PreviousConfig } from './check-compatibility.ts'
export { checkDeleteUsers } from './check-delete-users.ts'
export { checkDeliveryClassification, checkEventTypes, checkRequests } from './check-destination.ts'
export { checkGolden, type GoldenFixture, type GoldenResult } from './check-goldens.ts'
export { checkLifecycle, checkSecretsNotLeaked, plantSecrets } from './check-runtime.ts'
export { checkSourceRequests, type RequestFixture } from './check-source.ts'
export {
  checkConfigSchema,
  checkExamples,
  checkManifest,
  isCredentialName,
  type PackageManifest,
} from './check-static.ts'
export { checkTransformation } from './check-transformation.ts'
export { type DescribeConnectorOptions, describeConnector, expectContract } from './describe-connector.ts'
export type { Finding } from './finding.ts'
export { type ContractFixtures, loadFixtures } from './fixtures.ts'
export { type ContextOf, type TestContextOptions, testContext } from './test-context.ts'
