import { ensureBuilt } from './_build.ts'
import { installOldNodes } from './_old-node.ts'

/**
 * The end-to-end tests load built packages: build what a fresh clone lacks, once. Some run
 * bins on the old Nodes Patchbay does not run on: fetch those from the registry, once.
 */
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
  installOldNodes()
}
