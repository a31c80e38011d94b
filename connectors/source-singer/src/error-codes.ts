import { defineErrorCodes } from '@patchbay/core'

/**
 * The error codes of @patchbay/source-singer, registered in core's registry when this module
 * loads; documented in docs/errors.md. Add new codes at the end; never rename one.
 */
export const SINGER_ERROR_CODES = defineErrorCodes('@patchbay/source-singer', {
  PB_SINGER_MESSAGE_INVALID: {
    family: 'event',
    description:
      'A line of the tap output is not a Singer message: not JSON, no known `type`, a RECORD before its SCHEMA, or a field of the wrong type.',
    howToSolve:
      'Fix the tap at the line named: one JSON message per line on stdout, logs on stderr, SCHEMA before the RECORDs of its stream.',
  },
  PB_SINGER_SCHEMA_VIOLATION: {
    family: 'event',
    description: 'A RECORD does not match the SCHEMA its tap declared for the stream.',
    howToSolve:
      'Fix the tap or its schema at the line and field named; or set `validateRecords: false` to pass records through unchecked.',
  },
})

declare module '@patchbay/core' {
  interface ErrorCodeRegistry extends SingerErrorCodes {}
}
type SingerErrorCodes = typeof SINGER_ERROR_CODES
