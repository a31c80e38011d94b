import { defineErrorCodes } from '@patchbay/core'

/**
 * The error codes of @patchbay/sandbox: user code that cannot load, or that broke a budget.
 * Registered in core's registry when this module loads; documented in docs/errors.md.
 * Add new codes at the end; never rename one.
 */
export const SANDBOX_ERROR_CODES = defineErrorCodes('@patchbay/sandbox', {
  PB_SANDBOX_NODE_FLAG: {
    family: 'configuration',
    description: 'Node was started without `--no-node-snapshot`, which isolated-vm needs.',
    howToSolve:
      'Start Node with `node --no-node-snapshot`, or set NODE_OPTIONS=--no-node-snapshot; the patchbay bin does this itself.',
  },
  PB_SANDBOX_COMPILE: {
    family: 'configuration',
    description: 'User transform code failed to transpile or compile.',
    howToSolve: 'Fix the syntax error at the reported line and column.',
  },
  PB_SANDBOX_IMPORT: {
    family: 'configuration',
    description: 'User transform code imports a module that is not one of the built-in libraries.',
    howToSolve: 'Use only the libraries listed in docs/transformations.md, or inline the code you need.',
  },
  PB_SANDBOX_EXPORT: {
    family: 'configuration',
    description: 'User transform code does not export exactly one of transformEvent or transformBatch.',
    howToSolve: 'Export `transformEvent(event, metadata)` or `transformBatch(events, metadata)`.',
  },
  PB_SANDBOX_MEMORY_LIMIT: {
    family: 'event',
    description: 'User transform code exceeded the isolate memory limit; its batch failed.',
    howToSolve: 'Reduce what the transform keeps in memory, or raise the memory limit.',
    effect: 'takes-worker-down',
  },
  PB_SANDBOX_TIMEOUT: {
    family: 'event',
    description: 'User transform code exceeded its CPU or wall-clock time limit.',
    howToSolve: 'Look for an endless loop, a slow regex or a promise that never settles; or raise the limit.',
    effect: 'takes-worker-down',
  },
  PB_SANDBOX_OUTPUT_LIMIT: {
    family: 'event',
    description: 'User transform code returned more data than the output size cap allows.',
    howToSolve: 'Return smaller events, or raise the output cap.',
    effect: 'poisons-batch',
  },
  PB_SANDBOX_CRASHED: {
    family: 'event',
    description:
      'The sandbox worker process running the batch died (a V8 fatal error, its memory cap, or a missed heartbeat); the batch failed and the worker was replaced.',
    howToSolve:
      'Look for code that builds huge arrays, maps or strings in one call; the gateway dead-letters an event that keeps taking workers down.',
    effect: 'takes-worker-down',
  },
  PB_SANDBOX_POISON: {
    family: 'event',
    description:
      'The gateway stopped running an event through the transformations because earlier attempts took a sandbox worker (or the gateway) down too many times.',
    howToSolve:
      'Inspect the dead letter, fix the transform, then replay it with `patchbay dlq replay`; `gateway.maxTransformAttempts` sets how many attempts are allowed.',
  },
  PB_SANDBOX_FETCH_DENIED: {
    family: 'event',
    description: 'User transform code called fetch for a host the operator did not allow.',
    howToSolve: 'Add the host to the sandbox `fetch.allow` list, or remove the call.',
  },
  PB_SANDBOX_IDENTITY_DISABLED: {
    family: 'event',
    description:
      'User transform code called lookupIdentity, but the pipeline does not stitch identities (it has no `identity:` block).',
    howToSolve: 'Add an `identity:` block to the pipeline file (see docs/identity.md), or remove the call.',
  },
  PB_SANDBOX_IDENTITY_LIMIT: {
    family: 'event',
    description:
      'User transform code called lookupIdentity more often than its batch allows (10 lookups per event of the batch), read more than 8 MiB of answers in one batch, or called it outside a batch.',
    howToSolve:
      'Look each id up once per event (keep answers in a Map for the batch), and call lookupIdentity only while transforming events, not at the top level of the module.',
  },
  PB_SANDBOX_IDENTITY_FAILED: {
    family: 'event',
    description:
      "The host's identity graph failed to answer a lookupIdentity call (it threw or returned something malformed).",
    howToSolve:
      'Check the gateway log and `patchbay identity stats`; catch the rejection in the transform to go on without the person.',
  },
})

declare module '@patchbay/core' {
  interface ErrorCodeRegistry extends SandboxErrorCodes {}
}
type SandboxErrorCodes = typeof SANDBOX_ERROR_CODES
