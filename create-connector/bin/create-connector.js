#!/usr/bin/env node
// `npm create @patchbay/connector` runs this: scaffold a connector package.
import { main } from '../dist/cli.js'

process.exitCode = await main(process.argv.slice(2))
