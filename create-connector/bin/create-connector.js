#!/usr/bin/env node
// `npm create @patchbay/connector` runs this: scaffold a connector package. It checks the
// running Node first, in syntax any Node parses, so an old Node prints one line instead of
// a stack trace; only then does it load the scaffolder.
import { requireNode } from './_require-node.js'

requireNode(
  'create-connector',
  ['create-connector'].concat(process.argv.slice(2)),
  '@patchbay/create-connector',
)
import('node:module')
  .then((module) => {
    // Reuse V8's compiled code across runs (in the OS temp dir, or NODE_COMPILE_CACHE).
    if (module.enableCompileCache) module.enableCompileCache()
    return import('../dist/cli.js')
  })
  .then((cli) => cli.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code
  })
