import { defineErrorCodes } from '@patchbay/core'

/**
 * The error codes of @patchbay/source-airbyte, registered in core's registry when this module
 * loads; documented in docs/errors.md. Add new codes at the end; never rename one.
 */
export const AIRBYTE_ERROR_CODES = defineErrorCodes('@patchbay/source-airbyte', {
  PB_AIRBYTE_MESSAGE_INVALID: {
    family: 'event',
    description:
      'A line of the source output is not an Airbyte message: not JSON, no known `type`, or a field of the wrong type.',
    howToSolve:
      'Fix the source at the line named: one JSON message per line on stdout (Airbyte protocol v0), logs as LOG messages or on stderr.',
  },
  PB_AIRBYTE_SCHEMA_VIOLATION: {
    family: 'event',
    description: 'A RECORD does not match the `json_schema` of its stream in the configured catalog.',
    howToSolve:
      'Fix the source or the catalog at the line and field named; or set `validateRecords: false` to pass records through unchecked.',
  },
  PB_AIRBYTE_TRACE_ERROR: {
    family: 'retryable',
    description:
      'The source reported an error with a TRACE message; the sync failed there, with no checkpoint after it.',
    howToSolve:
      'Read the message and `internal_message` in the log; the next sync resumes from the last checkpoint.',
  },
})

declare module '@patchbay/core' {
  interface ErrorCodeRegistry extends AirbyteErrorCodes {}
}
type AirbyteErrorCodes = typeof AIRBYTE_ERROR_CODES
