export * from './normalize/normalize-event.ts'
export * from './schema/batch.ts'
export * from './schema/context.ts'
export * from './schema/events.ts'
export * from './schema/json-schemas.ts'
export * from './validate/validate-batch.ts'
export { validateEvent } from './validate/validate-event.ts'
export * from './validate/validation-issue.ts'

/** The protocol's major version; bumped only for incompatible changes to the schemas. */
export const PROTOCOL_VERSION = 1
