#!/usr/bin/env node
// The patchbay bin. It checks the running Node first, in old syntax that any Node parses, and
// only then loads the CLI (_launch.js), so an old Node prints one line instead of a stack trace.
// `patchbay check-node` is the check alone, for package scripts (a connector's `npm test`).
import { requireNode } from './_require-node.js'

requireNode('patchbay', ['patchbay'].concat(process.argv.slice(2)))
if (!(process.argv.length === 3 && process.argv[2] === 'check-node')) import('./_launch.js')
