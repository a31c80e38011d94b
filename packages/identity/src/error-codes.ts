import { defineErrorCodes } from '@patchbay/core'

/**
 * The error codes of @patchbay/identity. Registered in core's registry when this module
 * loads; documented in docs/errors.md. Add new codes at the end; never rename one.
 */
export const IDENTITY_ERROR_CODES = defineErrorCodes('@patchbay/identity', {
  PB_IDENTITY_STORE: {
    family: 'configuration',
    description: 'The identity graph store cannot be opened (its file, folder or schema version).',
    howToSolve:
      'Check that the data directory exists and is writable, and that no newer Patchbay wrote the identity database; the graph can be rebuilt from event history (docs/identity.md).',
  },
  PB_IDENTITY_SETTINGS: {
    family: 'configuration',
    description:
      "The pipeline file's `identity:` block names something that cannot work (a priority type listed twice, a bad blocklist entry).",
    howToSolve: 'Fix the `identity:` block at the reported field; docs/identity.md lists the settings.',
  },
  PB_IDENTITY_CLOSED: {
    family: 'retryable',
    description: 'The identity graph was used after it was closed (the gateway is shutting down).',
    howToSolve: 'Nothing to do: the batch stays queued and is stitched after the restart.',
  },
})

declare module '@patchbay/core' {
  interface ErrorCodeRegistry extends IdentityErrorCodes {}
}
type IdentityErrorCodes = typeof IDENTITY_ERROR_CODES
