import { defineProject, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// Unit tests of the page's pure modules; the console is tested in a real browser by
// @patchbay/server (test/console/), against a running gateway.
export default mergeConfig(shared, defineProject({ test: { name: '@patchbay/console' } }))
