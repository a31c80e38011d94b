import { airbyteSource } from './source.ts'

export { type AirbyteSourceConfig, AirbyteSourceConfigSchema } from './config.ts'
export { AIRBYTE_ERROR_CODES } from './error-codes.ts'
export { type ReadAirbyteOptions, readAirbyte } from './read-airbyte.ts'

/** The Airbyte source, ready for a pipeline's `sources:`. */
export default airbyteSource
