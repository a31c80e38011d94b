import { ensureBuilt } from './_build.ts'

/** The end-to-end tests load built packages: build what a fresh clone lacks, once. */
export default function setup() {
  ensureBuilt([
    'packages/protocol',
    'packages/core',
    'packages/sandbox',
    'packages/testing',
    'connectors/destination-webhook',
    'packages/server',
    'packages/cli',
    'create-connector',
  ])
}
