import { ensureBuilt, workspaceDirs } from './_build.ts'
import { installOldNodes } from './_old-node.ts'

/**
 * The end-to-end tests load built packages: build what a fresh clone lacks, once. Some run
 * bins on the old Nodes Patchbay does not run on: fetch those from the registry, once.
 */
export default function setup() {
  ensureBuilt(workspaceDirs())
  installOldNodes()
}
