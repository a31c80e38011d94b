import { defineProject, mergeConfig } from 'vitest/config'
import { shared } from '../vitest.shared.ts'

// Cross-package end-to-end tests: they run built packages and real binaries.
export default mergeConfig(
  shared,
  defineProject({
    test: {
      name: 'e2e',
      include: ['**/*.test.ts'],
      globalSetup: ['./_global-setup.ts'],
      hookTimeout: 300_000,
    },
  }),
)
