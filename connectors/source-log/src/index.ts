import { createLogSource } from './source.ts'

export { type LogSourceConfig, LogSourceConfigSchema } from './config.ts'
export { readLogFile, readLogStream } from './read-log.ts'
export { createLogSource, type LogSourceOptions } from './source.ts'

/** The log source, ready for a pipeline's `sources:`. */
export default createLogSource()
